"""The branch calendar, set by the secretary: recurring rules, moved and skipped dates, /paid."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from handlers.activities import refresh_announcement
from handlers.kit import access, dialog
from handlers.kit.access import Can
from handlers.kit.callbacks import Callback, Choice, Text
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import AUDIENCE_WORDS, KIND, KIND_WORDS, LIST_SEPARATOR, local_time, lookup
from handlers.kit.router import PRIVATE, Router, button
from handlers.kit.when import parse_end, parse_start
from storage.activities import activities as activity_store
from storage.branches import BranchSettings
from storage.calendar import rules as calendar
from storage.dues import marks as dues_marks
from storage.models import Branch, ScheduleRule
from storage.roster import members as member_store
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
from storage.rules.dates import plausible
from storage.rules.numbers import FULL_WIDTH_DIGITS, row_id, whole
from storage.rules.vocabulary import ActivityKind, Audience

router = Router()


class RuleKind(Callback, prefix="rk"):
    kind: Annotated[str, Choice("dues", *ActivityKind)]


class RuleWho(Callback, prefix="rw"):
    who: Annotated[str, Text(61)]  # 全体, 支委 or a party group's name


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


@router.command("rule", chats=PRIVATE, menu=N_("add a recurring date"), can=Can.MANAGE_ACTIVITIES)
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


async def _save_rule(ctx: Context, officer, branch: Branch, parts: list[str]) -> bool:
    """Check the one-line form's fields and save the rule; answers and returns False on bad input."""
    t = ctx.t
    if len(parts) < 2 or not parts[0]:
        ctx.reply(t(RULE_USAGE))
        return False
    dues = parts[0].lower() in DUES_WORDS
    kind = None if dues else lookup(KIND_WORDS, parts[0])
    if not dues and kind is None:
        ctx.reply(t(N_("“{value}” is not a kind of activity I know. Kinds: 主题党日, 支部党员大会, 支委会, 党小组会, 党课, 组织生活会, 其他.")).format(value=parts[0][:50]) + "\n\n" + t(RULE_USAGE))
        return False
    try:
        recurrence = parse_rule(parts[1])
    except ValueError:
        ctx.reply(t(N_("I cannot read “{value}” as a recurring date.")).format(value=parts[1][:80]) + "\n\n" + t(RULE_USAGE))
        return False
    fields = parts[2:] if not dues else ["", "", "", *parts[2:3]]
    if not dues and len(fields) < 4:
        ctx.reply(t(RULE_USAGE))
        return False
    minutes = 120
    if fields[0]:
        start = datetime(2000, 1, 3, 9, 0, tzinfo=ZoneInfo("UTC"))
        end = parse_end(fields[0], start, "UTC", start)
        if end is None or not timedelta(minutes=10) <= end - start <= timedelta(hours=12):
            ctx.reply(t(N_("I cannot read the length “{value}”. Write it like 2h or 90分钟 (at most 12 hours).")).format(value=fields[0][:30]))
            return False
        minutes = int((end - start).total_seconds() // 60)
    place = fields[1][:100] if len(fields) > 1 and fields[1] not in ("", "-", "无") else None
    audience, group = Audience.BRANCH, None
    if len(fields) > 2 and fields[2]:
        audience = lookup(AUDIENCE_WORDS, fields[2])
        if audience is None:
            audience, group = Audience.GROUP, fields[2][:50]
    try:
        offsets = parse_offsets(fields[3]) if len(fields) > 3 else []
    except ValueError:
        ctx.reply(t(N_("I cannot read the reminders “{value}”. Write them like 提前3天 09:00, 提前2小时.")).format(value=fields[3][:80]))
        return False
    title = t(N_("Party dues deadline")) if dues else (parts[7] if len(parts) > 7 and parts[7] else ctx.t_branch(branch)(KIND[kind]))
    rule = await calendar.add_rule(
        ctx.session, branch_id=branch.id, purpose="dues" if dues else "activity", kind=kind, title=title[:100],
        recurrence=recurrence.to_json(), offsets=[o.to_json() for o in offsets], now=ctx.now,
        duration_minutes=minutes, place=place, audience=audience, audience_group=group, created_by=officer.id,
    )
    await access.log(ctx, officer, "rule.add", target=f"#{rule.id} {title}", recurrence=rule.recurrence)
    upcoming = [local_time(o.at, branch.timezone) for o in await _next(ctx, branch, rule, 3)]
    ctx.reply(t(N_("Saved: {rule}\nNext: {dates}\nActivities are announced in the group {days} days ahead.")).format(
        rule=_describe(t, ctx.locale, rule), dates=t(LIST_SEPARATOR).join(upcoming) or "-", days=14))
    return True


@router.command("rules", chats=PRIVATE, menu=N_("the branch's recurring dates"), can=Can.VIEW_RECORDS)
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


@router.command("upcoming", chats=PRIVATE, menu=N_("the next dates of the branch calendar"), can=Can.VIEW_RECORDS)
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
        ctx.reply(ctx.t(N_("Give a date the rule falls on, like /skip {number} 2027-01-01. /upcoming shows them.")).format(number=rule.id))
        return None
    return rule, day


@router.command("skip", chats=PRIVATE, can=Can.MANAGE_ACTIVITIES)
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


@router.command("move", chats=PRIVATE, can=Can.MANAGE_ACTIVITIES)
async def move(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    words = ctx.request.args.split()
    target = await _rule_and_date(ctx, branch, words[:2])
    if target is None:
        return
    rule, day = target
    new = parse_start(" ".join(words[2:]), branch.timezone, ctx.now) if len(words) > 2 else None
    if new is None or new <= ctx.now:
        ctx.reply(ctx.t(N_("Write the new date and time, in the future: /move {number} {date} 2027-01-08 09:00")).format(
            number=rule.id, date=day.isoformat()))
        return
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
    ctx.reply(ctx.t(N_("#{number}: {date} moves to {new}.")).format(
        number=rule.id, date=day.isoformat(), new=local_time(new, branch.timezone)))


@router.command("stoprule", chats=PRIVATE, can=Can.MANAGE_ACTIVITIES)
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


@router.command("paid", chats=PRIVATE, menu=N_("mark this month's Party dues as paid"), member=True)
async def paid(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    arg = ctx.request.args.strip()
    year, dash, number = arg.translate(FULL_WIDTH_DIGITS).partition("-")
    parsed = (whole(year, 2000, 9999), whole(number, 1, 12)) if dash and len(year) == 4 else (None, None)
    if arg and (None in parsed or not plausible(date(parsed[0], parsed[1], 1), ctx.now.date())):
        ctx.reply(ctx.t(N_("Write the month like /paid 2026-11, or just /paid for this month.")))
        return
    month = f"{parsed[0]:04d}-{parsed[1]:02d}" if arg else local_time(ctx.now, branch.timezone)[:7]
    if await dues_marks.mark_paid(ctx.session, member.id, month, ctx.now):
        ctx.reply(ctx.t(N_("Noted: your Party dues for {month} are paid. Thank you!")).format(month=month))
    else:
        ctx.reply(ctx.t(N_("You had already marked {month} as paid.")).format(month=month))


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
    conv = await dialog.current(ctx, "rule")
    if conv is None or ctx.request.text is None:
        return
    found = await access.officer(ctx, Can.MANAGE_ACTIVITIES)
    if found is None:
        await dialog.end(ctx)
        return
    officer, branch = found
    text = " ".join(ctx.request.text.split())
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
        following = "place"
    elif step == "place":
        following = "who"
    elif step == "reminders":
        try:
            parse_offsets("" if text == "-" else text)
        except ValueError:
            ctx.reply(ctx.t(N_("I cannot read the reminders “{value}”. Write them like 提前3天 09:00, 提前2小时.")).format(value=text[:80]))
            return
        following = "done"
    else:
        ctx.reply(ctx.t(N_("Please use the buttons above, or send /cancel.")))
        return
    await dialog.advance(ctx, conv, following, **{step: "" if text == "-" else text})
    if following == "done":
        data = conv.data
        parts = [data["kind"], data["when"], data.get("reminders", "")] if dues else \
            [data["kind"], data["when"], data.get("length", ""), data.get("place", ""), data.get("who", ""),
             data.get("reminders", "")]
        await dialog.end(ctx)
        await _save_rule(ctx, officer, branch, parts)
    elif following == "who":
        groups = sorted({m.party_group for m in await member_store.roster(ctx.session, branch.id) if m.party_group})
        rows = [[button(ctx.t(N_("Whole branch")), RuleWho("全体")), button(ctx.t(N_("Branch committee")), RuleWho("支委"))]]
        rows += [[button(g, who)] for g in groups if (who := RuleWho.make(g)) is not None]
        ctx.reply(ctx.t(DIALOG_QUESTIONS["who"]), rows)
    else:
        ctx.reply(ctx.t(DIALOG_QUESTIONS[following]))


@router.callback(RuleWho, can=Can.MANAGE_ACTIVITIES)
async def dialog_who(ctx: Context, pressed: RuleWho) -> None:
    conv = await dialog.pressed_at(ctx, "rule", "who")
    if conv is None:
        return
    who = pressed.who
    await dialog.advance(ctx, conv, "reminders", who=who[:50])
    ctx.reply(ctx.t(DIALOG_QUESTIONS["reminders"]))
