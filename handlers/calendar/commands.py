"""The branch calendar, set by the secretary: recurring rules, moved and skipped dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from handlers.activities import refresh_announcement
from handlers.kit import access, dialog
from handlers.kit.access import Can
from handlers.kit.callbacks import ID, Callback, Choice, Text
from handlers.kit.context import Context
from handlers.kit.examples import examples
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import AUDIENCE_WORDS, KIND, KIND_WORDS, LIST_SEPARATOR, audience_text, local_time, lookup
from handlers.kit.router import PRIVATE, Router, button
from handlers.kit.when import parse_end, parse_start
from storage.activities import activities as activity_store
from storage.branches import BranchSettings
from storage.calendar import holidays as holiday_store
from storage.calendar import rules as calendar
from storage.models import Branch, ScheduleRule
from storage.roster import members as member_store
from storage.rules.dates import plausible
from storage.rules.numbers import row_id, whole
from storage.rules.recurrence import (
    Offset,
    Rule,
    describe_offset,
    describe_rule,
    occurrence_dates,
    occurrences,
    parse_offsets,
    parse_rule,
)
from storage.rules.vocabulary import ActivityKind, Audience

router = Router()


class RuleKind(Callback, prefix="rk"):
    kind: Annotated[str, Choice("dues", *ActivityKind)]


class RuleWho(Callback, prefix="rw"):
    who: Annotated[str, Text(61)]  # 全体, 支委 or a party group's name


class RuleConfirm(Callback, prefix="rc"):
    choice: Annotated[str, Choice("ok", "no")]


class HolidayMove(Callback, prefix="hm"):
    """Move a rule's date that falls on a holiday: the rule, the date (ordinal), to when (minutes since 1970 UTC)."""

    rule: Annotated[int, ID]
    day: Annotated[int, ID]
    to: Annotated[int, ID]


class HolidayKeep(Callback, prefix="hk"):
    rule: Annotated[int, ID]
    day: Annotated[int, ID]


DUES_WORDS = ("党费", "党费截止", "dues", "party dues")
RULE_USAGE = N_(
    "Add a recurring date in one line:\n"
    "/rule kind | when | length | place | who | reminders\n"
    "for example: /rule 主题党日 | 每月第一个周五 09:00 | 2h | 三楼会议室 | 全体 | 提前3天 09:00, 提前2小时\n"
    "or the dues deadline: /rule 党费 | 每月20日 18:00 | 提前3天 09:00\n"
    "When: 每月第一个周五 09:00, 每月最后一个周三 14:30, 每月20日, 每季度第一个月15日 14:30 (or in English: "
    "monthly first friday 09:00). /upcoming shows the next dates."
)


def _describe(t: Gettext, locale: str, rule: ScheduleRule) -> str:
    recurrence = Rule.from_json(rule.recurrence)
    reminders = t(LIST_SEPARATOR).join(describe_offset(Offset.from_json(o), locale) for o in rule.offsets) or "-"
    what = t(N_("Party dues deadline")) if rule.purpose == "dues" else rule.title
    return t(N_("#{number} {what}: {when}; reminders: {reminders}")).format(
        number=rule.id, what=what, when=describe_rule(recurrence, locale), reminders=reminders)


async def _next(ctx: Context, branch: Branch, rule: ScheduleRule, count: int, months: int = 12) -> list:
    moved, skipped = await calendar.exceptions(ctx.session, rule.id)
    found = occurrences(Rule.from_json(rule.recurrence), branch.timezone, ctx.now,
                        ctx.now + timedelta(days=31 * months), moved=moved, skipped=skipped)
    return found[:count]


@router.command("rule", chats=PRIVATE, menu=N_("add a recurring date"), can=Can.MANAGE_ACTIVITIES, help=N_("add a recurring date step by step, or in one line:\n/rule 主题党日 | 每月第一个周五 09:00 | 2h | 三楼会议室 | 全体 | 提前3天 09:00, 提前2小时\n/rule 党费 | 每月20日 18:00 | 提前3天 09:00"))
async def add_rule(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    if not ctx.request.args.strip():
        await dialog.begin(ctx, "rule", "kind", {})
        kinds = [k for k in ActivityKind if k != ActivityKind.OTHER]
        rows = [[button(ctx.t(KIND[k]), RuleKind(k)) for k in kinds[i:i + 2]] for i in range(0, len(kinds), 2)]
        rows.append([button(ctx.t(N_("Party dues deadline")), RuleKind("dues"))])
        ctx.reply(ctx.t(N_("Which recurring date? (Send /cancel to stop.)")), rows)
        return
    await _save_rule(ctx, officer, branch, [p.strip() for p in ctx.request.args.replace("｜", "|").split("|")])


BAD_LENGTH = N_("I cannot read the length “{value}”. Write it like 2h or 90分钟 (at most 12 hours).")
BAD_REMINDERS = N_("I cannot read the reminders “{value}”. Write them like 提前3天 09:00, 提前2小时.")


def _length_minutes(text: str) -> int | None:
    """``2h``, ``90分钟``: from 10 minutes to 12 hours; None for anything else."""
    start = datetime(2000, 1, 3, 9, 0, tzinfo=ZoneInfo("UTC"))
    end = parse_end(text, start, "UTC", start)
    if end is None or not timedelta(minutes=10) <= end - start <= timedelta(hours=12):
        return None
    return int((end - start).total_seconds() // 60)


def _reminders_ok(text: str) -> bool:
    try:
        parse_offsets(text)
    except ValueError:
        return False
    return True


async def _read_rule(ctx: Context, branch: Branch, parts: list[str]) -> dict | None:
    """The one-line form's fields checked, as what ``_save`` takes; answers and returns None on bad input."""
    t = ctx.t
    if len(parts) < 2 or not parts[0]:
        ctx.reply(t(RULE_USAGE))
        return None
    dues = parts[0].lower() in DUES_WORDS
    kind = None if dues else lookup(KIND_WORDS, parts[0])
    if not dues and kind is None:
        ctx.reply(t(N_("“{value}” is not a kind of activity I know. Kinds: 主题党日, 支部党员大会, 支委会, 党小组会, 党课, 组织生活会, 其他.")).format(value=parts[0][:50]) + "\n\n" + t(RULE_USAGE))
        return None
    try:
        recurrence = parse_rule(parts[1])
    except ValueError:
        ctx.reply(t(N_("I cannot read “{value}” as a recurring date.")).format(value=parts[1][:80]) + "\n\n" + t(RULE_USAGE))
        return None
    fields = parts[2:] if not dues else ["", "", "", *parts[2:3]]
    if not dues and len(fields) < 4:
        ctx.reply(t(RULE_USAGE))
        return None
    minutes = 120
    if fields[0]:
        minutes = _length_minutes(fields[0])
        if minutes is None:
            ctx.reply(t(BAD_LENGTH).format(value=fields[0][:30]))
            return None
    place = fields[1][:100] if len(fields) > 1 and fields[1] not in ("", "-", "无") else None
    audience, group = Audience.BRANCH, None
    if len(fields) > 2 and fields[2]:
        audience = lookup(AUDIENCE_WORDS, fields[2])
        if audience is None:
            audience, group = Audience.GROUP, fields[2][:50]
    try:
        offsets = parse_offsets(fields[3]) if len(fields) > 3 else []
    except ValueError:
        ctx.reply(t(BAD_REMINDERS).format(value=fields[3][:80]))
        return None
    title = t(N_("Party dues deadline")) if dues else (parts[7] if len(parts) > 7 and parts[7] else ctx.t_branch(branch)(KIND[kind]))
    return {"dues": dues, "kind": kind, "title": title[:100], "recurrence": recurrence, "offsets": offsets,
            "minutes": minutes, "place": place, "audience": audience, "group": group}


async def _save_rule(ctx: Context, officer, branch: Branch, parts: list[str]) -> bool:
    """Check the one-line form's fields and save the rule; answers and returns False on bad input."""
    plan = await _read_rule(ctx, branch, parts)
    if plan is None:
        return False
    t = ctx.t
    rule = await calendar.add_rule(
        ctx.session, branch_id=branch.id, purpose="dues" if plan["dues"] else "activity", kind=plan["kind"],
        title=plan["title"], recurrence=plan["recurrence"].to_json(), offsets=[o.to_json() for o in plan["offsets"]],
        now=ctx.now, duration_minutes=plan["minutes"], place=plan["place"], audience=plan["audience"],
        audience_group=plan["group"], created_by=officer.id,
    )
    await access.log(ctx, officer, "rule.add", target=f"#{rule.id} {plan['title']}", recurrence=rule.recurrence)
    upcoming = [local_time(o.at, branch.timezone) for o in await _next(ctx, branch, rule, 3)]
    ctx.reply(t(N_("Saved: {rule}\nNext: {dates}\nActivities are announced in the group {days} days ahead.")).format(
        rule=_describe(t, ctx.locale, rule), dates=t(LIST_SEPARATOR).join(upcoming) or "-", days=14))
    return True


def _preview(ctx: Context, branch: Branch, plan: dict) -> str:
    """The rule as it would be saved, with its next dates, for the dialog's last question."""
    t = ctx.t
    reminders = t(LIST_SEPARATOR).join(describe_offset(o, ctx.locale) for o in plan["offsets"]) or "-"
    lines = [plan["title"], t(N_("When: {when}")).format(when=describe_rule(plan["recurrence"], ctx.locale))]
    if not plan["dues"]:
        lines += [
            t(N_("Length: {minutes} minutes")).format(minutes=plan["minutes"]),
            t(N_("Place: {place}")).format(place=plan["place"] or "-"),
            t(N_("For: {audience}")).format(audience=audience_text(t, plan["audience"], plan["group"])),
        ]
    found = occurrences(plan["recurrence"], branch.timezone, ctx.now, ctx.now + timedelta(days=400))[:3]
    lines += [
        t(N_("Reminders: {reminders}")).format(reminders=reminders),
        t(N_("Next: {dates}")).format(dates=t(LIST_SEPARATOR).join(local_time(o.at, branch.timezone) for o in found) or "-"),
    ]
    return "\n".join(lines) + "\n\n" + t(N_("Save this recurring date?"))


@router.command("rules", chats=PRIVATE, menu=N_("the branch's recurring dates"), can=Can.VIEW_RECORDS, help=N_("the branch's recurring dates with their numbers"))
async def list_rules(ctx: Context) -> None:
    branch = ctx.branch
    rules = await calendar.rules(ctx.session, branch.id)
    if not rules:
        ctx.reply(ctx.t(RULE_USAGE))
        return
    lines = [_describe(ctx.t, ctx.locale, rule) if calendar.readable(rule) else ctx.t(N_(
        "#{number} {what}: stored with values I cannot read, so it makes no dates; /stoprule {number} ends it.")).format(
        number=rule.id, what=rule.title) for rule in rules]
    ctx.reply("\n".join(lines) + "\n\n" + ctx.t(N_("/upcoming lists the next dates; /skip and /move change one date; /stoprule ends a rule.")))


@router.command("upcoming", chats=PRIVATE, menu=N_("the next dates of the branch calendar"), can=Can.VIEW_RECORDS, help=N_("the next dates of the branch calendar: /upcoming 6 for six months"))
async def upcoming(ctx: Context) -> None:
    branch = ctx.branch
    arg = ctx.request.args.strip()
    months = whole(arg, 1, 12) if arg else 3
    if months is None:
        ctx.reply(ctx.t(N_("Write how many months to show, from 1 to 12: /upcoming 3")))
        return
    entries = []
    for rule in await calendar.readable_rules(ctx.session, branch.id):
        what = ctx.t(N_("Party dues deadline")) if rule.purpose == "dues" else rule.title
        moved, skipped = await calendar.exceptions(ctx.session, rule.id)
        recurrence = Rule.from_json(rule.recurrence)
        for occ in occurrences(recurrence, branch.timezone, ctx.now, ctx.now + timedelta(days=31 * months), moved=moved):
            note = ""
            if occ.key in skipped:
                note = " " + ctx.t(N_("(skipped)"))
            elif occ.moved:
                note = " " + ctx.t(N_("(moved from {date})")).format(date=occ.key.isoformat())
            entries.append((occ.at, f"{local_time(occ.at, branch.timezone)}  #{rule.id} {what}{note}"))
    if not entries:
        ctx.reply(ctx.t(N_("Nothing in the next {months} months. /rule adds a recurring date.")).format(months=months))
        return
    ctx.reply(ctx.t(N_("The next {months} months:")).format(months=months) + "\n" + "\n".join(e for _, e in sorted(entries)))


async def _rule_and_date(ctx: Context, branch: Branch, words: list[str]) -> tuple[ScheduleRule, date] | None:
    number = words[0] if words else ""
    rule_id = row_id(number)
    rule = await calendar.get_rule(ctx.session, rule_id) if rule_id else None
    if rule is None or rule.branch_id != branch.id or not rule.active or not calendar.readable(rule):
        ctx.reply(ctx.t(N_("There is no recurring date number {number}. /rules lists them.")).format(number=number[:20] or "-"))
        return None
    try:
        day = date.fromisoformat(words[1]) if len(words) > 1 and words[1].isascii() else None
    except ValueError:
        day = None
    if day is not None and not plausible(day, ctx.now.date()):
        day = None  # no rule falls on it, and the calendar arithmetic around it would overflow
    recurrence = Rule.from_json(rule.recurrence)
    if day is None or day not in occurrence_dates(recurrence, day, day):
        ctx.reply(ctx.t(N_("Give a date the rule falls on, like /skip {number} {date}. /upcoming shows them.")).format(
            number=rule.id, date=_next_date(ctx, branch, recurrence)))
        return None
    return rule, day


def _next_date(ctx: Context, branch: Branch, recurrence: Rule) -> str:
    """The rule's next date, to show as the example of a date it falls on."""
    found = occurrences(recurrence, branch.timezone, ctx.now, ctx.now + timedelta(days=400))
    return found[0].key.isoformat() if found else examples(ctx.t, ctx.now, branch.timezone)["date"]


@router.command("skip", chats=PRIVATE, can=Can.MANAGE_ACTIVITIES, help=N_("one date of a rule does not happen: /skip 1 {date}"))
async def skip(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    target = await _rule_and_date(ctx, branch, ctx.request.args.split())
    if target is None:
        return
    rule, day = target
    await calendar.set_exception(ctx.session, rule.id, day, None, officer.id, ctx.now)
    activity = await calendar.activity_of(ctx.session, rule.id, day)
    if activity is not None and activity_store.cancel(activity):
        ctx.send(branch.chat_id, ctx.t_branch(branch)(N_("“{title}” on {date} is cancelled.")).format(
            title=activity.title, date=local_time(activity.starts_at, branch.timezone)))
    await access.log(ctx, officer, "rule.skip", target=f"#{rule.id}", date=day.isoformat())
    ctx.reply(ctx.t(N_("#{number} will not happen on {date}; the rule itself stays.")).format(number=rule.id, date=day.isoformat()))


@router.command("move", chats=PRIVATE, can=Can.MANAGE_ACTIVITIES, help=N_("one date of a rule moves: /move 1 {date} {start2}"))
async def move(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    words = ctx.request.args.split()
    target = await _rule_and_date(ctx, branch, words[:2])
    if target is None:
        return
    rule, day = target
    new = parse_start(" ".join(words[2:]), branch.timezone, ctx.now) if len(words) > 2 else None
    if new is None or new <= ctx.now:
        ctx.reply(ctx.t(N_("Write the new date and time, in the future: /move {number} {date} {start}")).format(
            number=rule.id, date=day.isoformat(), start=examples(ctx.t, ctx.now, branch.timezone)["start2"]))
        return
    await _move_to(ctx, officer, branch, rule, day, new)
    ctx.reply(ctx.t(N_("#{number}: {date} moves to {new}.")).format(
        number=rule.id, date=day.isoformat(), new=local_time(new, branch.timezone)))


async def _move_to(ctx: Context, officer, branch: Branch, rule: ScheduleRule, day: date, new: datetime) -> None:
    """Move the rule's date ``day`` to ``new``, with its activity if it has been announced already."""
    await calendar.set_exception(ctx.session, rule.id, day, new, officer.id, ctx.now)
    activity = await calendar.activity_of(ctx.session, rule.id, day)
    if activity is not None:
        settings = BranchSettings.of(branch)
        activity_store.move(activity, new, opens_before_minutes=settings.checkin_before_minutes,
                            closes_after_minutes=settings.checkin_after_minutes)
        refresh_announcement(ctx, activity.id)
        ctx.send(branch.chat_id, ctx.t_branch(branch)(N_("“{title}” moves to {date}.")).format(
            title=activity.title, date=local_time(new, branch.timezone)))
    await access.log(ctx, officer, "rule.move", target=f"#{rule.id}", date=day.isoformat(), to=new.isoformat())


@router.command("stoprule", chats=PRIVATE, can=Can.MANAGE_ACTIVITIES, help=N_("end a recurring date: /stoprule 1"))
async def stop_rule(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    number = ctx.request.args.strip()
    rule_id = row_id(number)
    rule = await calendar.get_rule(ctx.session, rule_id) if rule_id else None
    if rule is None or rule.branch_id != branch.id or not rule.active:
        ctx.reply(ctx.t(N_("There is no recurring date number {number}. /rules lists them.")).format(number=number[:20] or "-"))
        return
    calendar.stop_rule(rule)
    await access.log(ctx, officer, "rule.stop", target=f"#{rule.id}")
    ctx.reply(ctx.t(N_("#{number} is stopped; activities already announced stay.")).format(number=rule.id))


# --- holidays: a rule's date on a public holiday, and the branch's own table of days ---------------


async def _holiday_target(ctx: Context, rule_id: int, day_ordinal: int) -> tuple[ScheduleRule, date] | None:
    rule = await calendar.get_rule(ctx.session, rule_id)
    moved, skipped = (await calendar.exceptions(ctx.session, rule_id)) if rule else ({}, set())
    try:
        day = date.fromordinal(day_ordinal)
    except (ValueError, OverflowError):
        day = None
    if rule is None or rule.branch_id != ctx.branch.id or not rule.active or day is None or day in moved or day in skipped:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return None
    return rule, day


@router.callback(HolidayMove, can=Can.MANAGE_ACTIVITIES)
async def holiday_move(ctx: Context, pressed: HolidayMove) -> None:
    target = await _holiday_target(ctx, pressed.rule, pressed.day)
    if target is None:
        return
    rule, day = target
    new = datetime.fromtimestamp(pressed.to * 60, tz=ZoneInfo("UTC"))
    if new <= ctx.now:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    await _move_to(ctx, ctx.actor, ctx.branch, rule, day, new)
    ctx.toast()
    ctx.edit(ctx.request.message_id, ctx.t(N_("#{number}: {date} moves to {new}.")).format(
        number=rule.id, date=day.isoformat(), new=local_time(new, ctx.branch.timezone)))


@router.callback(HolidayKeep, can=Can.MANAGE_ACTIVITIES)
async def holiday_keep(ctx: Context, pressed: HolidayKeep) -> None:
    target = await _holiday_target(ctx, pressed.rule, pressed.day)
    if target is None:
        return
    rule, day = target
    await access.log(ctx, ctx.actor, "rule.keep_holiday", target=f"#{rule.id}", date=day.isoformat())
    ctx.toast()
    ctx.edit(ctx.request.message_id, ctx.t(N_("#{number} stays on {date}.")).format(number=rule.id, date=day.isoformat()))


HOLIDAY_USAGE = N_(
    "Correct the holiday calendar for years it does not know yet, or where your branch differs: "
    "/holiday {date} marks a day off, /workday {date} a working day (a weekend day worked in lieu). "
    "Dates of recurring rules that fall on a day off are pointed out {days} days ahead."
)


async def _mark_day(ctx: Context, off: bool) -> None:
    branch = ctx.branch
    arg = ctx.request.args.strip()
    table = holiday_store.corrections(branch)
    usage = ctx.t(HOLIDAY_USAGE).format(date=examples(ctx.t, ctx.now, branch.timezone)["date"], days=30)
    if not arg:
        off, on = ctx.t(N_("day off")), ctx.t(N_("working day"))
        marks = [f"{d.isoformat()} {off}" for d in table.off] + [f"{d.isoformat()} {on}" for d in table.on]
        ctx.reply(ctx.t(N_("Days your branch has marked:")) + "\n" + ("\n".join(sorted(marks)) or "-") + "\n\n" + usage)
        return
    try:
        day = date.fromisoformat(arg) if arg.isascii() and len(arg) == 10 else None
    except ValueError:
        day = None
    this_year = ctx.now.year
    if day is None or not this_year - 1 <= day.year <= this_year + 10:
        ctx.reply(ctx.t(N_("Write the date like {date}, from last year to ten years ahead.")).format(
            date=examples(ctx.t, ctx.now, branch.timezone)["date"]) + "\n\n" + usage)
        return
    holiday_store.mark(branch, day, off=off)
    await access.log(ctx, ctx.actor, "holiday.mark", target=day.isoformat(), off=off)
    ctx.reply(ctx.t(N_("{date} is now a day off for your branch.") if off else
                    N_("{date} is now a working day for your branch.")).format(date=day.isoformat()))


@router.command("holiday", chats=PRIVATE, can=Can.CHANGE_SETTINGS,
                help=N_("mark a public holiday the calendar does not know yet: /holiday {date}"))
async def mark_holiday(ctx: Context) -> None:
    await _mark_day(ctx, off=True)


@router.command("workday", chats=PRIVATE, can=Can.CHANGE_SETTINGS,
                help=N_("mark a working day (a weekend day worked in lieu, 调休): /workday {date}"))
async def mark_workday(ctx: Context) -> None:
    await _mark_day(ctx, off=False)


# --- the guided dialog: one question per field, then the same checks as the one-line form -------

DIALOG_QUESTIONS = {
    "when": N_("When does it recur? For example: 每月第一个周五 09:00, 每月20日 18:00, 每季度第一个月15日 14:30."),
    "length": N_("How long does it last? For example 2h or 90分钟."),
    "place": N_("Where? Send - if there is no fixed place."),
    "who": N_("Who should come?"),
    "reminders": N_("When should I remind people? For example: 提前3天 09:00, 提前2小时. Send - for no reminders."),
}


@router.callback(RuleKind, can=Can.MANAGE_ACTIVITIES)
async def dialog_kind(ctx: Context, pressed: RuleKind) -> None:
    conv = await dialog.pressed_at(ctx, "rule", "kind")
    if conv is None:
        return
    kind = pressed.kind
    word = "党费" if kind == "dues" else KIND_WORDS[ActivityKind(kind)][0]
    await dialog.advance(ctx, conv, "when", kind=word)
    ctx.reply(ctx.t(DIALOG_QUESTIONS["when"]))


@router.text
async def dialog_answer(ctx: Context) -> None:
    answer = await dialog.officer_answer(ctx, "rule", Can.MANAGE_ACTIVITIES)
    if answer is None:
        return
    conv, _, branch, text = answer
    dues = conv.data.get("kind") == "党费"
    step = conv.step
    if step == "when":
        try:
            parse_rule(text)
        except ValueError:
            ctx.reply(ctx.t(N_("I cannot read “{value}” as a recurring date.")).format(value=text[:80]) + "\n"
                      + ctx.t(DIALOG_QUESTIONS["when"]))
            return
        following = "reminders" if dues else "length"
    elif step == "length":
        if text != "-" and _length_minutes(text) is None:
            ctx.reply(ctx.t(BAD_LENGTH).format(value=text[:30]) + "\n" + ctx.t(DIALOG_QUESTIONS["length"]))
            return
        following = "place"
    elif step == "place":
        if len(text) > 100:
            ctx.reply(ctx.t(N_("The place may be at most {limit} characters long.")).format(limit=100))
            return
        following = "who"
    elif step == "reminders":
        if not _reminders_ok("" if text == "-" else text):
            ctx.reply(ctx.t(BAD_REMINDERS).format(value=text[:80]) + "\n" + ctx.t(DIALOG_QUESTIONS["reminders"]))
            return
        following = "done"
    else:
        ctx.reply(ctx.t(N_("Please use the buttons above, or send /cancel.")))
        return
    await dialog.advance(ctx, conv, following, **{step: "" if text == "-" else text})
    if following == "done":
        await _confirm(ctx, branch, conv)
    elif following == "who":
        groups = sorted({m.party_group for m in await member_store.roster(ctx.session, branch.id) if m.party_group})
        rows = [[button(ctx.t(N_("Whole branch")), RuleWho("全体")), button(ctx.t(N_("Branch committee")), RuleWho("支委"))]]
        rows += [[button(g, who)] for g in groups if (who := RuleWho.make(g)) is not None]
        ctx.reply(ctx.t(DIALOG_QUESTIONS["who"]), rows)
    else:
        ctx.reply(ctx.t(DIALOG_QUESTIONS[following]))


def _dialog_parts(data: dict) -> list[str]:
    if data.get("kind") == "党费":
        return [data["kind"], data["when"], data.get("reminders", "")]
    return [data["kind"], data["when"], data.get("length", ""), data.get("place", ""), data.get("who", ""),
            data.get("reminders", "")]


async def _confirm(ctx: Context, branch: Branch, conv) -> None:
    """Every answer has been checked at its step: show the rule and ask before saving it."""
    plan = await _read_rule(ctx, branch, _dialog_parts(conv.data))
    if plan is None:  # cannot happen after the checks at each step; the dialog stays open
        return
    ctx.reply(_preview(ctx, branch, plan),
              [[button(ctx.t(N_("Save")), RuleConfirm("ok")), button(ctx.t(N_("Cancel")), RuleConfirm("no"))]])


@router.callback(RuleConfirm, can=Can.MANAGE_ACTIVITIES)
async def dialog_confirm(ctx: Context, pressed: RuleConfirm) -> None:
    conv = await dialog.pressed_at(ctx, "rule", "done")
    if conv is None:
        return
    await dialog.end(ctx)
    if pressed.choice == "no":
        dialog.stopped(ctx)
        return
    await _save_rule(ctx, ctx.actor, ctx.branch, _dialog_parts(conv.data))


@router.callback(RuleWho, can=Can.MANAGE_ACTIVITIES)
async def dialog_who(ctx: Context, pressed: RuleWho) -> None:
    conv = await dialog.pressed_at(ctx, "rule", "who")
    if conv is None:
        return
    who = pressed.who
    await dialog.advance(ctx, conv, "reminders", who=who[:50])
    ctx.reply(ctx.t(DIALOG_QUESTIONS["reminders"]))
