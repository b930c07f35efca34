"""The branch settings: local practice a secretary can change with /set, one entry each.

Adding a setting is one ``Setting`` in ``REGISTRY``: /settings lists it, /set parses, checks
and saves it, and ``storage.branches.BranchSettings.of(branch).<name>`` reads it (the default
until someone changes it). Labels and help are msgids, translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from storage.rules.numbers import whole


def N_(message: str) -> str:
    """Marks a msgid for extraction; this package has no translations of its own."""
    return message


@dataclass(frozen=True)
class Setting:
    name: str  # the key in the branch's stored settings, and the attribute on BranchSettings
    key: str  # what /set takes: /set checkin_before 15
    default: int
    low: int
    high: int
    label: str  # msgid: what /settings calls it
    help: str  # msgid: one sentence on what it changes
    unit: str  # msgid: min, hours, days, times
    words: tuple[str, ...] = ()  # other names /set understands, e.g. in Chinese
    type: type = int  # the only kind /set parses so far: whole numbers

    def __post_init__(self) -> None:
        if self.type is not int or not self.low <= self.default <= self.high:
            raise ValueError(f"setting {self.name}: a whole number with its default within {self.low}..{self.high}")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.key, self.name, *self.words)

    def parse(self, text: str) -> int | None:
        """The value ``text`` sets, or None when it is not a whole number within the range."""
        return whole(text, self.low, self.high)


def parse_whole(text: str) -> int | None:
    """A non-negative whole number, by the one rule for numbers people type (storage.rules.numbers)."""
    return whole(text, 0, 10**9 - 1)


class Registry:
    """The settings in the order /settings shows them."""

    def __init__(self, entries: Iterable[Setting]) -> None:
        self.entries = tuple(entries)
        seen: set[str] = set()
        for entry in self.entries:
            clash = seen & {n.lower() for n in entry.names}
            if clash:
                raise ValueError(f"setting name {sorted(clash)} used twice")
            seen |= {n.lower() for n in entry.names}

    def __iter__(self) -> Iterator[Setting]:
        return iter(self.entries)

    def lookup(self, word: str) -> Setting | None:
        word = word.strip().lower()
        return next((e for e in self.entries if word in (n.lower() for n in e.names)), None)

    def with_entry(self, entry: Setting) -> Registry:
        return Registry([*self.entries, entry])

    def values(self, stored: Mapping[str, object] | None) -> dict[str, int]:
        """Every setting's value: what was stored when it is still valid, else the default."""
        stored = stored or {}
        values = {}
        for entry in self.entries:
            value = stored.get(entry.name)
            ok = isinstance(value, int) and not isinstance(value, bool) and entry.low <= value <= entry.high
            values[entry.name] = value if ok else entry.default
        return values


REGISTRY = Registry([
    Setting(
        "checkin_before_minutes", "checkin_before", 30, 0, 24 * 60,
        N_("check-in opens before the start"),
        N_("How long before an activity starts members can check in."),
        N_("min"), ("签到提前",),
    ),
    Setting(
        "checkin_after_minutes", "checkin_after", 0, 0, 24 * 60,
        N_("check-in stays open after the end"),
        N_("How long after an activity ends late check-ins are still taken."),
        N_("min"), ("签到延后",),
    ),
    Setting(
        "invite_days", "invite_days", 14, 1, 90,
        N_("invite links valid for"),
        N_("How long a personal invite link works before the secretary has to send a new one."),
        N_("days"), ("邀请有效期",),
    ),
    Setting(
        "nudge_after_hours", "nudge_after", 24, 0, 24 * 14,
        N_("remind who has not tapped 收到 after"),
        N_("How long after a notice members who have not confirmed it are reminded; 0 never reminds."),
        N_("hours"), ("提醒间隔",),
    ),
    Setting(
        "nudge_max", "nudge_max", 2, 0, 10,
        N_("reminders about one notice, at most"),
        N_("How many times one member is reminded about the same notice."),
        N_("times"), ("提醒次数",),
    ),
    Setting(
        "leave_before_minutes", "leave_before", 0, 0, 7 * 24 * 60,
        N_("leave must be asked before the start by"),
        N_("Leave is asked in advance: how long before an activity starts a request must come in; 0 means until the start."),
        N_("min"), ("请假提前",),
    ),
    Setting(
        "proxy_checkin_hours", "proxy_checkin", 72, 0, 24 * 31,
        N_("officers may check someone in after check-in closed for"),
        N_("How long after check-in closes an officer can still check in a member who was there (a record already sent is updated)."),
        N_("hours"), ("代签到期限",),
    ),
    Setting(
        "household_target", "household_target", 5, 0, 100,
        N_("households each member keeps in touch with"),
        N_("The number of households (联系户) each Party member should have; /network lists who has fewer."),
        N_("households"), ("联系户目标",),
    ),
    Setting(
        "visit_interval_days", "visit_interval", 90, 0, 366,
        N_("remind of a household not visited for"),
        N_("A household with no approved visit (走访) for this long is mentioned to its member in the monthly "
           "reminder; 0 never mentions."),
        N_("days"), ("走访间隔",),
    ),
    Setting(
        "service_max_age_days", "service_max_age", 60, 1, 366,
        N_("volunteer service can be reported for"),
        N_("How many days back a member may report volunteer service (志愿服务); older service is refused."),
        N_("days"), ("志愿服务时限",),
    ),
    Setting(
        "review_reminder_days", "review_reminder", 3, 0, 60,
        N_("remind reviewers of a volunteer-service report waiting for"),
        N_("How long a volunteer-service report may wait for review before its reviewers are reminded, and again after "
           "as long each time; 0 never reminds."),
        N_("days"), ("审核提醒",),
    ),
    Setting(
        "publicity", "publicity", 0, 0, 1,
        N_("党务公开: name members in the group"),
        N_("1 lets the group see names: who has not paid this month's dues (never amounts) and the members with the "
           "most approved volunteer-service hours; 0 (the default) posts only the branch's totals. Personal figures "
           "are otherwise only shown privately."),
        N_("on (1) or off (0)"), ("党务公开", "公开"),
    ),
    Setting(
        "summary_day", "summary_day", 1, 1, 28,
        N_("the monthly summary is posted on day"),
        N_("The day of the month the summary of the month before goes to the group and, in detail, to the officers."),
        N_("of the month"), ("小结日期",),
    ),
    Setting(
        "summary_hour", "summary_hour", 9, 0, 23,
        N_("the monthly summary is posted at"),
        N_("The hour (branch time, 0–23) the monthly summary is posted on its day."),
        N_("o'clock"), ("小结时间",),
    ),
    # Party dues (storage.rules.dues): the branch's overrides of the table, and how it collects.
    Setting(
        "dues_cap_yuan", "dues_cap", 1000, 1, 100000,
        N_("Party dues a month, at most"),
        N_("The monthly cap on what the dues table asks of one member; voluntary extra payments may go beyond it."),
        N_("yuan"), ("党费上限",),
    ),
    Setting(
        "dues_rural_fen", "dues_rural", 20, 20, 100,
        N_("Party dues of rural members"),
        N_("The fixed monthly amount rural members pay, from 20 to 100 分 (0.2 to 1 元)."),
        N_("fen"), ("农民党员党费",),
    ),
    Setting(
        "dues_rounding", "dues_rounding", 0, 0, 2,
        N_("rounding of Party dues to the 分"),
        N_("How an amount from the table is rounded to the 分: 0 half up (四舍五入), 1 down (舍去), 2 up (进位)."),
        N_("mode"), ("党费取整",),
    ),
    Setting(
        "dues_ahead_months", "dues_ahead", 12, 0, 24,
        N_("Party dues may be paid ahead for"),
        N_("How many months after this one may be paid in advance (预交); 0 allows only this month."),
        N_("months"), ("预交月数",),
    ),
    Setting(
        "dues_basis_month", "dues_basis_month", 1, 0, 12,
        N_("month members confirm their dues basis"),
        N_("Once a year, in this month, members are asked to confirm or update their income basis; 0 never asks."),
        N_("month"), ("基数确认月",),
    ),
])
