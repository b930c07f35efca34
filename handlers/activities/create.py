"""Activities: creating and announcing them, check-in, QR codes, proxies and the record."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Annotated

from handlers.kit import access, dialog
from handlers.kit.access import Can
from handlers.kit.api import Edit, Keyboard
from handlers.kit.callbacks import ID, INDEX, AnyOf, Callback, Choice
from handlers.kit.context import AsyncSession, Context, Env, queue_message
from handlers.kit.examples import examples
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.labels import AUDIENCE_WORDS, KIND, KIND_WORDS, audience_text, local_time, lookup
from handlers.kit.renderers import refresh_key
from handlers.kit.router import PRIVATE, Router, button
from handlers.kit.when import parse_end, parse_start
from storage import outbox
from storage.activities import activities as activity_store
from storage.activities.activities import ActivityPlan
from storage.branches import BranchSettings
from storage.models import Activity, Branch, Member
from storage.roster import members as member_store
from storage.rules import attendance as attendance_rules
from storage.rules import meetings
from storage.rules.vocabulary import ActivityKind, Audience

router = Router()


class CheckIn(Callback, prefix="ci"):
    activity: Annotated[int, ID]


class AskLeave(Callback, prefix="lv"):
    activity: Annotated[int, ID]


class NewKind(Callback, prefix="nk"):
    kind: Annotated[ActivityKind, Choice(*ActivityKind)]


class NewAudience(Callback, prefix="na"):
    pick: Annotated[str | int, AnyOf(Choice("b", "c"), INDEX)]  # branch, committee, or a party group's index


class NewConfirm(Callback, prefix="nc"):
    choice: Annotated[str, Choice("ok", "no")]


class NewAnyway(Callback, prefix="nd"):  # an identical activity exists: create it anyway?
    choice: Annotated[str, Choice("ok", "no")]


CHECK_IN = N_("Check in")
ASK_LEAVE = N_("Ask for leave")
NO_SUCH_ACTIVITY = N_("There is no activity number {number} in your branch. /activities lists them.")
MAX_TITLE = 100
MAX_PLACE = 100


# --- the announcement ------------------------------------------------------------------------


def describe(t: Gettext, activity: Activity, branch: Branch) -> str:
    start = local_time(activity.starts_at, branch.timezone)
    end = local_time(activity.ends_at, branch.timezone)
    end = end[11:] if end[:10] == start[:10] else end
    lines = [
        f"【{t(KIND[activity.kind])}】{activity.title}  #{activity.id}",
        t(N_("Time: {start}–{end}")).format(start=start, end=end),
    ]
    if activity.place:
        lines.append(t(N_("Place: {place}")).format(place=activity.place))
    lines.append(t(N_("For: {audience}")).format(audience=audience_text(t, activity.audience, activity.audience_group)))
    return "\n".join(lines)


def checkin_window(t: Gettext, activity: Activity, branch: Branch, now: datetime) -> str:
    """When check-in is open, as it stands at ``now``: an announcement is redrawn by its live count,
    so what it says about the window is true whenever it was last drawn."""
    opens = local_time(activity.checkin_opens_at, branch.timezone)
    closes = local_time(activity.checkin_closes_at, branch.timezone)
    closes = closes[11:] if closes[:10] == opens[:10] else closes
    if now >= activity.checkin_closes_at:
        return t(N_("Check-in closed at {closes}.")).format(closes=closes)
    if now >= activity.checkin_opens_at:
        if activity.onsite:
            return t(N_("Check-in is open now, on site with the QR code in the room, until {closes}.")).format(closes=closes)
        return t(N_("Check-in is open now, until {closes}.")).format(closes=closes)
    if activity.onsite:
        return t(N_("Check-in on site with the QR code in the room, from {opens} to {closes}.")).format(opens=opens, closes=closes)
    return t(N_("Check-in is open from {opens} to {closes}.")).format(opens=opens, closes=closes)


async def announcement(
    session: AsyncSession, activity: Activity, branch: Branch, t: Gettext, now: datetime
) -> tuple[str, Keyboard]:
    counts = await activity_store.counts(session, activity)
    lines = [describe(t, activity, branch), checkin_window(t, activity, branch, now)]
    lines.append(t(N_("Checked in {present}/{expected} · on leave {leave}")).format(
        present=counts.present, expected=counts.expected, leave=counts.on_leave))
    buttons = [[button(t(CHECK_IN), CheckIn(activity.id)), button(t(ASK_LEAVE), AskLeave(activity.id))]]
    return "\n".join(lines), buttons


def announcement_key(activity_id: int) -> str:
    """The outbox key of an activity's group announcement; its row holds where the message is."""
    return f"announce:{activity_id}"


async def announce(session: AsyncSession, now: datetime, activity: Activity, branch: Branch, catalogs: Catalogs) -> bool:
    """Post the announcement in the branch's group, through the outbox: /new and the calendar alike.

    False if it was queued before. The sender wakes on the commit (``Queued``), so it goes at once.
    """
    text, buttons = await announcement(session, activity, branch, catalogs.gettext(branch.locale), now)
    return await queue_message(session, now, announcement_key(activity.id), branch.chat_id, text, buttons,
                               purpose="announce")


async def announcement_at(session: AsyncSession, activity_id: int) -> tuple[int, int] | None:
    """Where an activity's announcement is, (chat id, message id), once it has been posted.

    A group that became a supergroup takes its outbox rows along (storage.branches.move_chat).
    """
    return await outbox.message_id_of(session, announcement_key(activity_id))


ANNOUNCEMENT = "announcement"  # the kind of Refresh that redraws an announcement's live count


def refresh_announcement(ctx: Context, activity_id: int) -> None:
    """Ask for the live count to be redrawn; bursts of check-ins become one edit."""
    ctx.refresh(refresh_key(ANNOUNCEMENT, activity_id))


async def render_announcement(session: AsyncSession, env: Env, arg: str) -> Edit | None:
    """The announcement as it reads now, as an edit of the posted message (none before it is posted)."""
    activity = await activity_store.get(session, int(arg))
    if activity is None:
        return None
    where = await announcement_at(session, activity.id)
    if where is None:
        return None
    branch = await session.get(Branch, activity.branch_id)
    text, buttons = await announcement(session, activity, branch, env.catalogs.gettext(branch.locale), env.clock())
    return Edit(where[0], where[1], text, buttons)


# --- creating an activity --------------------------------------------------------------------

NEW_USAGE = N_(
    "Create an activity step by step with /new, or in one line:\n"
    "/new kind | title | start | end | place | who\n"
    "for example: /new 主题党日 | {title} | {start} | 11:00 | 三楼会议室 | 全体\n"
    "Kinds: 主题党日, 支部党员大会, 支委会, 党小组会, 党课, 组织生活会, 其他. "
    "Who: 全体, 支委, or the name of a Party group. "
    "Add “| 现场” for on-site check-in with a QR code (mobile members may still check in remotely), "
    "or “| 仅现场” for everyone on site."
)


def _usage(ctx: Context, branch: Branch) -> str:
    return ctx.t(NEW_USAGE).format(**examples(ctx.t, ctx.now, branch.timezone))


@dataclass
class Draft:
    """An activity being written, field by field or from one line."""

    kind: ActivityKind | None = None
    title: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = None
    audience: Audience | None = None
    audience_group: str | None = None
    onsite: bool = False
    allow_remote: bool = True


ONSITE_WORDS = ("现场", "现场签到", "onsite", "on-site")
STRICT_WORDS = ("仅现场", "仅限现场", "onsite-only", "strict")


async def _check_field(ctx: Context, branch: Branch, draft: Draft, field: str, text: str) -> str | None:
    """Put ``text`` into ``field`` of ``draft``; returns the sentence to say when it does not fit."""
    t = ctx.t
    text = " ".join(text.split())
    if field == "kind":
        draft.kind = lookup(KIND_WORDS, text)
        if draft.kind is None:
            return t(N_("“{value}” is not a kind of activity I know. Kinds: 主题党日, 支部党员大会, 支委会, 党小组会, 党课, 组织生活会, 其他.")).format(value=text[:50])
    elif field == "title":
        if not text or len(text) > MAX_TITLE:
            return t(N_("The title must be 1 to {limit} characters long.")).format(limit=MAX_TITLE)
        draft.title = text
    elif field == "start":
        start = parse_start(text, branch.timezone, ctx.now)
        if start is None:
            return t(N_("I cannot read the start “{value}”. Write it like {start}.")).format(
                value=text[:50], start=examples(t, ctx.now, branch.timezone)["start"])
        if start < ctx.now - timedelta(days=1):
            return t(N_("The start {value} is in the past.")).format(value=local_time(start, branch.timezone))
        draft.starts_at = start
    elif field == "end":
        assert draft.starts_at is not None
        end = parse_end(text, draft.starts_at, branch.timezone, ctx.now)
        if end is None:
            return t(N_("I cannot read the end “{value}”. Write a time like 11:00 or a length like 2h.")).format(value=text[:50])
        if end <= draft.starts_at:
            return t(N_("The end must come after the start ({start}).")).format(start=local_time(draft.starts_at, branch.timezone))
        if end - draft.starts_at > timedelta(days=3):
            return t(N_("An activity may last at most 3 days."))
        if end <= ctx.now:
            return t(N_("The end {value} is already past.")).format(value=local_time(end, branch.timezone))
        draft.ends_at = end
    elif field == "place":
        if len(text) > MAX_PLACE:
            return t(N_("The place must be at most {limit} characters long.")).format(limit=MAX_PLACE)
        draft.place = None if text in ("", "-", "无", "none") else text
    elif field == "audience":
        audience = lookup(AUDIENCE_WORDS, text)
        if audience is not None:
            draft.audience, draft.audience_group = audience, None
        else:
            groups = await _party_groups(ctx, branch)
            if text not in groups:
                known = ", ".join(groups) or "-"
                return t(N_("“{value}” is neither 全体, 支委 nor a Party group. Party groups: {groups}.")).format(value=text[:50], groups=known)
            draft.audience, draft.audience_group = Audience.GROUP, text
    elif field == "flags":
        word = text.lower()
        if word not in ONSITE_WORDS and word not in STRICT_WORDS:
            return t(N_("The last field may only be 现场 (on-site check-in with a QR code; mobile members may still check in remotely) or 仅现场 (everyone on site)."))
        draft.onsite = True
        draft.allow_remote = word not in STRICT_WORDS
    return None


async def _party_groups(ctx: Context, branch: Branch) -> list[str]:
    return sorted({m.party_group for m in await member_store.roster(ctx.session, branch.id) if m.party_group})


ONE_LINE_FIELDS = ("kind", "title", "start", "end", "place", "audience", "flags")


@router.command("new", chats=PRIVATE, menu=N_("create an activity"), can=Can.MANAGE_ACTIVITIES, help=N_("create an activity step by step, or in one line:\n/new 主题党日 | {title} | {start} | 11:00 | 三楼会议室 | 全体"))
async def new_activity(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    args = ctx.request.args.strip()
    if not args:
        await dialog.begin(ctx, "new_activity", "kind", {})
        ctx.reply(ctx.t(N_("What kind of activity? (Send /cancel to stop.)")), _kind_buttons(ctx.t))
        return
    parts = [p.strip() for p in args.replace("｜", "|").split("|")]
    if len(parts) < 6 or len(parts) > 7:
        ctx.reply(_usage(ctx, branch))
        return
    draft = Draft()
    for field, text in zip(ONE_LINE_FIELDS, parts):
        problem = await _check_field(ctx, branch, draft, field, text)
        if problem:
            ctx.reply(problem + "\n\n" + _usage(ctx, branch))
            return
    await _create(ctx, officer, branch, draft)


async def _create(ctx: Context, officer: Member, branch: Branch, draft: Draft, *, anyway: bool = False) -> Activity | None:
    settings = BranchSettings.of(branch)
    assert draft.kind and draft.title and draft.starts_at and draft.ends_at and draft.audience
    scope = attendance_rules.party_group_scope(officer.role_set, officer.party_group)
    if scope is not None and (draft.audience != Audience.GROUP or draft.audience_group != scope):
        ctx.reply(ctx.t(N_("As a Party group leader you can create activities only for your own group ({group}).")).format(
            group=scope or "-"))
        return None
    if draft.kind in meetings.WHOLE_BRANCH_KINDS and draft.audience != Audience.BRANCH:
        ctx.reply(ctx.t(N_("A {kind} is for the whole branch: choose 全体 as who should come.")).format(
            kind=ctx.t(KIND[draft.kind])))
        return None
    plan = ActivityPlan(**asdict(draft))  # a finished draft is a plan: the same fields
    same = None if anyway else await activity_store.same_as(ctx.session, branch.id, plan)
    if same is not None:  # a second /new of the same thing (a double send, two officers): ask first
        await dialog.begin(ctx, "new_activity", "duplicate", _draft_data(draft))
        ctx.reply(ctx.t(N_("#{number} {title} already exists: the same kind, start and audience. Create another one anyway?")).format(
            number=same.id, title=same.title),
            [[button(ctx.t(N_("Create anyway")), NewAnyway("ok")), button(ctx.t(N_("Cancel")), NewAnyway("no"))]])
        return None
    activity = await activity_store.create(
        ctx.session,
        branch.id,
        plan,
        opens_before_minutes=settings.checkin_before_minutes,
        closes_after_minutes=settings.checkin_after_minutes,
        created_by=officer.id,
        now=ctx.now,
    )
    await access.log(ctx, officer, "activity.create", target=f"#{activity.id} {activity.title}")
    if await announce(ctx.session, ctx.now, activity, branch, ctx.env.catalogs):
        ctx.queued()
    hint = (N_("Created and announced in the group as #{number}. /qr {number} gives the check-in QR code for the room.")
            if activity.onsite else
            N_("Created and announced in the group as #{number}. /record {number} shows who came."))
    ctx.reply(describe(ctx.t, activity, branch) + "\n\n" + ctx.t(hint).format(number=activity.id))
    return activity


def _kind_buttons(t: Gettext) -> Keyboard:
    kinds = list(ActivityKind)
    return [[button(t(KIND[k]), NewKind(k)) for k in kinds[i:i + 2]] for i in range(0, len(kinds), 2)]


# The guided dialog: one question per step, answers kept in the conversation row.
STEPS = ("kind", "title", "start", "end", "place", "audience", "confirm")
QUESTIONS = {
    "title": N_("The title? For example: {title}"),
    "start": N_("When does it start? For example: {start}"),
    "end": N_("When does it end? A time like 11:00, or a length like 2h."),
    "place": N_("Where? Send - if there is no place."),
    "audience": N_("Who should come?"),
}


def _draft_from(data: dict) -> Draft:
    return Draft(
        kind=ActivityKind(data["kind"]) if data.get("kind") else None,
        title=data.get("title"),
        starts_at=datetime.fromisoformat(data["start"]) if data.get("start") else None,
        ends_at=datetime.fromisoformat(data["end"]) if data.get("end") else None,
        place=data.get("place"),
        audience=Audience(data["audience"]) if data.get("audience") else None,
        audience_group=data.get("group"),
    )


def _draft_data(draft: Draft) -> dict:
    return {
        "kind": draft.kind.value if draft.kind else None,
        "title": draft.title,
        "start": draft.starts_at.isoformat() if draft.starts_at else None,
        "end": draft.ends_at.isoformat() if draft.ends_at else None,
        "place": draft.place,
        "audience": draft.audience.value if draft.audience else None,
        "group": draft.audience_group,
    }


async def _ask(ctx: Context, branch: Branch, step: str, data: dict) -> None:
    """Pose the question for ``step``."""
    t = ctx.t
    if step == "audience":
        groups = data.get("groups", [])
        rows = [[button(t(N_("Whole branch")), NewAudience("b")), button(t(N_("Branch committee")), NewAudience("c"))]]
        rows += [[button(g, NewAudience(i))] for i, g in enumerate(groups)]
        ctx.reply(t(QUESTIONS["audience"]), rows)
    elif step == "confirm":
        draft = _draft_from(data)
        summary = "\n".join([
            f"【{t(KIND[draft.kind])}】{draft.title}",
            t(N_("Time: {start}–{end}")).format(start=local_time(draft.starts_at, branch.timezone), end=local_time(draft.ends_at, branch.timezone)),
            t(N_("Place: {place}")).format(place=draft.place or "-"),
            t(N_("For: {audience}")).format(audience=audience_text(t, draft.audience, draft.audience_group)),
        ])
        ctx.reply(summary + "\n\n" + t(N_("Create it and announce it in the group?")),
                  [[button(t(N_("Create and announce")), NewConfirm("ok")), button(t(N_("Cancel")), NewConfirm("no"))]])
    else:
        ctx.reply(t(QUESTIONS[step]).format(**examples(t, ctx.now, branch.timezone)))


async def _dialog_branch(ctx: Context) -> tuple[Member, Branch] | None:
    found = await access.officer(ctx, Can.MANAGE_ACTIVITIES)
    if found is None:
        await dialog.end(ctx)
    return found


@router.callback(NewKind, can=Can.MANAGE_ACTIVITIES)
async def dialog_kind(ctx: Context, pressed: NewKind) -> None:
    conv = await dialog.pressed_at(ctx, "new_activity", "kind")
    if conv is None:
        return
    kind = pressed.kind
    await dialog.advance(ctx, conv, "title", kind=kind.value)
    ctx.toast(ctx.t(KIND[kind]))
    await _ask(ctx, ctx.branch, "title", conv.data)


@router.text
async def dialog_answer(ctx: Context) -> None:
    conv = await dialog.current(ctx, "new_activity")
    if conv is None or ctx.request.text is None:
        return
    found = await _dialog_branch(ctx)
    if found is None:
        return
    _officer, branch = found
    if conv.step not in ("title", "start", "end", "place", "audience"):
        ctx.reply(ctx.t(N_("Please use the buttons above, or send /cancel.")))
        return
    draft = _draft_from(conv.data)
    problem = await _check_field(ctx, branch, draft, conv.step, ctx.request.text)
    if problem:
        ctx.reply(problem)
        return
    following = STEPS[STEPS.index(conv.step) + 1]
    extra = {"groups": await _party_groups(ctx, branch)} if following == "audience" else {}
    await dialog.advance(ctx, conv, following, **_draft_data(draft), **extra)
    await _ask(ctx, branch, following, conv.data)


@router.callback(NewAudience, can=Can.MANAGE_ACTIVITIES)
async def dialog_audience(ctx: Context, pressed: NewAudience) -> None:
    conv = await dialog.pressed_at(ctx, "new_activity", "audience")
    if conv is None:
        return
    groups = conv.data.get("groups", [])
    code = pressed.pick
    if code == "b":
        choice = {"audience": Audience.BRANCH.value, "group": None}
    elif code == "c":
        choice = {"audience": Audience.COMMITTEE.value, "group": None}
    elif isinstance(code, int) and code < len(groups):
        choice = {"audience": Audience.GROUP.value, "group": groups[code]}
    else:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    await dialog.advance(ctx, conv, "confirm", **choice)
    await _ask(ctx, ctx.branch, "confirm", conv.data)


@router.callback(NewConfirm, can=Can.MANAGE_ACTIVITIES)
async def dialog_confirm(ctx: Context, pressed: NewConfirm) -> None:
    conv = await dialog.pressed_at(ctx, "new_activity", "confirm")
    if conv is None:
        return
    choice = pressed.choice
    officer, branch = ctx.actor, ctx.branch
    await dialog.end(ctx)
    if choice == "no":
        dialog.stopped(ctx)
        return
    draft = _draft_from(conv.data)
    if draft.ends_at <= ctx.now:
        ctx.reply(ctx.t(N_("The end {value} is already past.")).format(value=local_time(draft.ends_at, branch.timezone)))
        return
    await _create(ctx, officer, branch, draft)


@router.callback(NewAnyway, can=Can.MANAGE_ACTIVITIES)
async def create_anyway(ctx: Context, pressed: NewAnyway) -> None:
    conv = await dialog.pressed_at(ctx, "new_activity", "duplicate")
    if conv is None:
        return
    await dialog.end(ctx)
    if pressed.choice == "no":
        dialog.stopped(ctx)
        return
    await _create(ctx, ctx.actor, ctx.branch, _draft_from(conv.data), anyway=True)
