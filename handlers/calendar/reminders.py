"""What the branch calendar says, and to whom: announcements, reminders, notices to officers.

Implements ``schedules.engine.Notifier``. Every message goes to the outbox in the caller's
transaction, under a key derived from the calendar's own once-only key.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import dues
from handlers.activities import ANNOUNCEMENT, AskLeave, announce, describe, render_record
from handlers.calendar.commands import HolidayKeep, HolidayMove
from handlers.kit.access import ALLOWED, Can
from handlers.kit.api import Refresh
from handlers.kit.context import AsyncSession, queue_message, user_locale
from handlers.kit.examples import month_title
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.labels import KIND, local_time
from handlers.kit.renderers import refresh_key
from handlers.kit.router import button
from handlers.leave import CaughtUp
from handlers.network import unvisited_text
from handlers.service import invite_after
from storage import updates as update_store
from storage.activities import activities as activity_store
from storage.branches import BranchSettings
from storage.calendar import events
from storage.models import Activity, Branch, Member, ScheduleRule
from storage.network import households as household_store
from storage.roster import members as member_store
from storage.rules import lapse as lapse_rules
from storage.rules.meetings import Period, Requirement
from storage.rules.vocabulary import PARTY_MEMBERS

HOLIDAY_NAMES = {  # as chinese-calendar names them
    "New Year's Day": N_("New Year's Day"),
    "Spring Festival": N_("Spring Festival"),
    "Tomb-sweeping Day": N_("Tomb-sweeping Day"),
    "Labour Day": N_("Labour Day"),
    "Dragon Boat Festival": N_("Dragon Boat Festival"),
    "National Day": N_("National Day"),
    "Mid-autumn Festival": N_("Mid-autumn Festival"),
}

# A meeting counts once it has ended with someone checked in (see storage.rules.meetings).
COMPLIANCE = {
    (Period.MONTH, False): N_("No {kind} has been held this month (the month ends {end}). "
                              "A meeting counts once it has taken place and attendance is recorded."),
    (Period.QUARTER, False): N_("No {kind} has been held this quarter (the quarter ends {end}). "
                                "A meeting counts once it has taken place and attendance is recorded."),
    (Period.YEAR, False): N_("No {kind} has been held this year (the year ends {end}). "
                             "A meeting counts once it has taken place and attendance is recorded."),
    (Period.MONTH, True): N_("Party group {group} has held no {kind} this month (the month ends {end}). "
                             "A meeting counts once it has taken place and attendance is recorded."),
    (Period.QUARTER, True): N_("Party group {group} has held no {kind} this quarter (the quarter ends {end}). "
                               "A meeting counts once it has taken place and attendance is recorded."),
    (Period.YEAR, True): N_("Party group {group} has held no {kind} this year (the year ends {end}). "
                            "A meeting counts once it has taken place and attendance is recorded."),
}


class Reminders:
    def __init__(self, catalogs: Catalogs, now) -> None:
        self.catalogs = catalogs
        self.now = now  # the clock: messages are stamped with the calendar's time
        self._redraw: set[str] = set()  # announcements whose text changed with the time, not a count

    def opened(self, activity: Activity) -> None:
        self._redraw.add(refresh_key(ANNOUNCEMENT, activity.id))

    def redraws(self) -> list[Refresh]:
        """What the calendar's pass asked to redraw ("check-in is open now", "closed"), once each."""
        keys, self._redraw = sorted(self._redraw), set()
        return [Refresh(key) for key in keys]

    async def _t(self, session: AsyncSession, user_id: int, branch: Branch) -> Gettext:
        return self.catalogs.gettext(await user_locale(session, self.catalogs, user_id, branch.locale))

    async def _queue(self, session, key: str, chat_id: int, text: str, buttons=None) -> None:
        await queue_message(session, self.now(), key, chat_id, text, buttons, purpose=key.split(":")[0])

    async def _privately(self, session, branch: Branch, members: list[Member], key: str, render, buttons=None) -> None:
        """Each member who can be messaged privately, in their own language."""
        ids = [m.telegram_user_id for m in members if m.telegram_user_id]
        reachable = await update_store.private_chat_open(session, ids)
        for member in members:
            if member.telegram_user_id in reachable:
                t = await self._t(session, member.telegram_user_id, branch)
                await self._queue(session, f"{key}:{member.telegram_user_id}", member.telegram_user_id,
                                  render(t, member), buttons(t) if buttons else None)

    async def _officers(self, session, branch: Branch, key: str, render) -> None:
        officers = await member_store.officers(session, branch.id, ALLOWED[Can.DECIDE_LEAVE])
        await self._privately(session, branch, officers, key, lambda t, _m: render(t))

    # --- Notifier ------------------------------------------------------------------------------

    async def announce(self, session: AsyncSession, activity: Activity) -> None:
        branch = await session.get(Branch, activity.branch_id)
        await announce(session, self.now(), activity, branch, self.catalogs)

    async def activity_reminder(self, session: AsyncSession, activity: Activity, key: str) -> None:
        branch = await session.get(Branch, activity.branch_id)
        gt = self.catalogs.gettext(branch.locale)
        await self._queue(session, f"{key}:group", branch.chat_id,
                          gt(N_("Reminder:")) + "\n" + describe(gt, activity, branch))
        record = await activity_store.record(session, activity)
        # Neither checked in nor on leave; whoever asked for leave has done their part.
        pending = [line.member for line in record.absent if not line.leave_pending]
        await self._privately(
            session, branch, pending, key,
            lambda t, m: t(N_("Reminder, {name}: you are expected at")).format(name=m.name) + "\n"
            + describe(t, activity, branch) + "\n" + t(N_("If you cannot come, ask for leave.")),
            lambda t: [[button(t(N_("Ask for leave")), AskLeave(activity.id))]],
        )

    async def dues_reminder(self, session: AsyncSession, rule: ScheduleRule, deadline: datetime, key: str) -> None:
        """Privately to those who owe for the month by the ledger, with the amount; the group hears totals."""
        branch = await session.get(Branch, rule.branch_id)
        await dues.deadline(session, branch, deadline, key, gt=self.catalogs.gettext(branch.locale), queue=self._queue,
                            privately=self._privately)

    async def dues_daily(self, session: AsyncSession, branch: Branch) -> None:
        """Arrears at 2, 4 and 6 months, each once, and the yearly question about the dues basis."""
        await dues.daily(session, branch, self.now(), privately=self._privately)

    async def missed(self, session: AsyncSession, rule: ScheduleRule, due_at: datetime, occurrence: datetime) -> None:
        branch = await session.get(Branch, rule.branch_id)
        await self._officers(session, branch, f"missed:{rule.id}:{due_at.isoformat()}", lambda t: t(N_(
            "I was not running at {due}, when a reminder for “{title}” ({when}) was due, so it was not sent. "
            "Please remind people yourself if it still matters.")).format(
            due=local_time(due_at, branch.timezone), title=rule.title, when=local_time(occurrence, branch.timezone)))

    async def compliance(self, session: AsyncSession, branch: Branch, requirement: Requirement, last_day: date,
                         key: str, group: str | None = None) -> None:
        message = COMPLIANCE[requirement.period, group is not None]
        await self._officers(session, branch, key, lambda t: t(message).format(
            kind=t(KIND[requirement.kind]), group=group, end=last_day.isoformat()))

    async def follow_up(self, session: AsyncSession, activity: Activity) -> None:
        """After check-in closes: the record to the officers, and the catch-up (补课) owed by those on leave."""
        branch = await session.get(Branch, activity.branch_id)
        await activity_store.freeze(session, activity, self.now())
        self._redraw.add(refresh_key(ANNOUNCEMENT, activity.id))  # now "check-in closed"
        record = await activity_store.record(session, activity)
        await self._officers(session, branch, f"record:{activity.id}", lambda t: t(N_(
            "The activity has ended. Its attendance record:")) + "\n\n" + render_record(t, record, branch, with_reasons=True))
        for line in record.on_leave:
            await self._privately(session, branch, [line.member], f"makeup:{activity.id}", lambda t, m: t(N_(
                "{name}, you were on leave from “{title}”. Please catch up on it (补课): ask the secretary for the "
                "materials, and tap the button when you have.")).format(name=m.name, title=activity.title),
                lambda t, row=line.attendance: [[button(t(N_("Caught up")), CaughtUp(row.id))]])
        await invite_after(session, self.now(), self.catalogs, activity)  # a 主题党日's volunteer service

    async def missed_follow_ups(self, session: AsyncSession, branch: Branch, activities: list[Activity]) -> None:
        """Records that fell due while the bot was down too long ago to send: say which, once."""
        first = activities[0]
        listed = "\n".join(f"#{a.id} {a.title} ({local_time(a.starts_at, branch.timezone)})" for a in activities[:30])
        more = len(activities) - 30
        await self._officers(session, branch, f"missedrecords:{branch.id}:{first.id}:{activities[-1].id}", lambda t: t(N_(
            "I was not running when these activities ended, so their attendance records were not sent "
            "and nobody was reminded of a catch-up (补课):")) + "\n" + listed + (f"\n… +{more}" if more > 0 else "")
            + "\n" + t(N_("/record <number> shows each record.")))

    async def holiday(self, session: AsyncSession, branch: Branch, rule: ScheduleRule, key: date, at: datetime,
                      name: str, instead: datetime | None) -> None:
        """A date of a rule on a public holiday: the leaders are asked, privately, to move or keep it."""
        leaders = await member_store.officers(session, branch.id, ALLOWED[Can.CHANGE_SETTINGS])
        what = rule.title if rule.purpose == "activity" else None

        def render(t: Gettext, _member) -> str:
            holiday = t(HOLIDAY_NAMES[name]) if name in HOLIDAY_NAMES else (name or t(N_("a holiday you marked")))
            text = t(N_("“{title}” (#{number}) falls on {date}, a public holiday ({holiday}).")).format(
                title=what or t(N_("Party dues deadline")), number=rule.id, date=local_time(at, branch.timezone),
                holiday=holiday)
            if instead is None:
                return text + " " + t(N_("I found no working day in the month after it; /move {number} changes the date.")).format(number=rule.id)
            return text + " " + t(N_("Move it to the next working day, {date}?")).format(date=local_time(instead, branch.timezone))

        def buttons(t: Gettext, _member=None):
            row = [button(t(N_("Keep the date")), HolidayKeep(rule.id, key.toordinal()))]
            if instead is not None:
                row.insert(0, button(t(N_("Move to {date}")).format(date=local_time(instead, branch.timezone)[5:]),
                                     HolidayMove(rule.id, key.toordinal(), int(instead.timestamp() // 60))))
            return [row]

        await self._privately(session, branch, leaders, f"holiday:{rule.id}:{key.isoformat()}", render, buttons)

    def activity_title(self, branch: Branch, rule: ScheduleRule, day: date) -> str:
        """An activity made from a rule carries its month, as branches name them: 十二月主题党日."""
        return month_title(self.catalogs.gettext(branch.locale), rule.title, day)

    async def lapses(self, session: AsyncSession, branch: Branch) -> None:
        """The six-month line: warn the officers privately at 2 and 4 months, flag at 6, once per stage."""
        now = self.now()
        today = now.astimezone(ZoneInfo(branch.timezone)).date()
        since = now - timedelta(days=31 * (lapse_rules.LINE_MONTHS + 6))
        history = await activity_store.participation(session, branch.id, since, now)
        members = {m.id: m for m in await member_store.roster(session, branch.id) if m.status in PARTY_MEMBERS}
        for member_id, taken in history.items():
            member = members.get(member_id)
            found = lapse_rules.lapse(
                [(at.astimezone(ZoneInfo(branch.timezone)).date(), took) for at, took in taken], today)
            if member is None or found is None or found.stage == 0:
                continue
            key = f"lapse:{member.id}:{found.since.isoformat()}:{found.stage}"
            if not await events.claim_event(session, key, due_at=now, now=now, branch_id=branch.id):
                continue
            message = (N_("{name} has taken part in no organisational life since {since} ({months} months). Six months "
                          "without good reason counts as leaving the Party (自行脱党): the branch has to decide about "
                          "{name} now.") if found.stage >= lapse_rules.LINE_MONTHS else
                       N_("{name} has taken part in no organisational life since {since} ({months} months). Six months "
                          "without good reason counts as leaving the Party (自行脱党): please talk with them."))
            await self._officers(session, branch, key, lambda t, n=member.name, f=found, m=message: t(m).format(
                name=n, since=f.since.isoformat(), months=f.months))

    async def unvisited(self, session: AsyncSession, branch: Branch) -> None:
        """The monthly mention of households not visited within ``visit_interval_days``: to each member,
        privately, about their own households only; once a month per member (claimed per member)."""
        days = BranchSettings.of(branch).visit_interval_days
        if days <= 0:
            return
        now = self.now()
        local = now.astimezone(ZoneInfo(branch.timezone))
        due = await household_store.unvisited(session, branch.id, local.date(), days, now)
        if not due:
            return
        last = await household_store.last_visits(session, [h.id for hs in due.values() for h in hs])
        for member in await member_store.roster(session, branch.id):
            if member.id not in due:
                continue
            key = f"unvisited:{member.id}:{local:%Y-%m}"
            if not await events.claim_event(session, key, due_at=now, now=now, branch_id=branch.id):
                continue
            await self._privately(session, branch, [member], key,
                                  lambda t, m, hs=due[member.id]: unvisited_text(t, m, hs, last, days))
