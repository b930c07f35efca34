"""Reporting volunteer service (志愿服务): the guided dialog, the one-line form, photos, teammates, edits.

The dialog ("serve") keeps its draft in the conversation row, so it survives restarts. It asks, in
order, for what is still missing: date, hours, category, place, people served, what was done,
photos, teammates, and a household or post when the member has any; then shows a preview with
Submit, Change and Cancel. The one-line form (``/serve 2026-11-27 | 3h | ...``) and an activity's
invitation fill the draft first, so the dialog asks only what is left.

Photos go through the album buffer (storage.service.albums): an album is answered once, at its
first photo, and its photos join the draft in one step when the member taps Done (or at the
preview), each file once, at most ten.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from handlers.kit import access, dialog, events
from handlers.kit.access import Can
from handlers.kit.api import Keyboard
from handlers.kit.callbacks import ID, AnyOf, Callback, Choice, Flag, Tagged
from handlers.kit.context import AsyncSession, Context, queue_message, user_locale
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.router import PRIVATE, Router, button
from handlers.service import review
from storage import updates as update_store
from storage.activities import activities as activity_store
from storage.branches import BranchSettings
from storage.calendar import events as timed
from storage.models import Activity, Branch, Member, ServiceReport
from storage.network import households as household_store
from storage.network import posts as post_store
from storage.roster import members as member_store
from storage.rules import service as rules
from storage.rules.names import normalize_name
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, ServiceStatus, TeammateStatus
from storage.service import albums, categories, reports
from storage.service.reports import EDITABLE, Photo, ReportData

router = Router()
KIND = "serve"


class ServeCategory(Callback, prefix="svc"):
    category: Annotated[int, ID]


class ServePhotos(Callback, prefix="svp"):
    choice: Annotated[str, Choice("done", "skip")]


class ServeAlone(Callback, prefix="sva"):
    choice: Annotated[str, Choice("alone")]


class ServeLink(Callback, prefix="svl"):
    pick: Annotated[str | tuple[str, int], AnyOf(Choice("none"), Tagged("hp", ID))]  # a household, a post, none


class ServePreview(Callback, prefix="svk"):
    choice: Annotated[str, Choice("ok", "change", "photos", "no")]


FIELDS = ("date", "hours", "category", "place", "people", "text", "photos", "team", "link")


class ServeChange(Callback, prefix="svx"):
    field: Annotated[str, Choice(*FIELDS)]


class ServeTeammate(Callback, prefix="svm"):
    teammate: Annotated[int, ID]
    confirm: Annotated[bool, Flag()]


class ServeEdit(Callback, prefix="sve"):
    report: Annotated[int, ID]


class ServeWithdraw(Callback, prefix="svw"):
    report: Annotated[int, ID]


class ServeFrom(Callback, prefix="svf"):
    """From an activity's invitation: report it (or, for its organiser, one team report for everyone present)."""

    activity: Annotated[int, ID]
    team: Annotated[bool, Flag()]


USAGE = N_(
    "Report volunteer service step by step with /serve, or in one line:\n"
    "/serve date | hours | category | place | people served | what you did\n"
    "for example: /serve {day} | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫卫生、陪老人聊天\n"
    "Hours in half-hour steps (3h, 3.5小时, 半小时) or as times (14:00-17:30). "
    "Add “| 张三、李四” for the teammates who served with you. Photos can be added at the preview."
)
QUESTIONS = {
    "date": N_("On which day did you serve? For example {day}, 11-27 or 今天. (Send /cancel to stop.)"),
    "hours": N_("How long did you serve? In half-hour steps: 3h, 3.5小时, 半小时, or the times 14:00-17:30."),
    "category": N_("What kind of service was it?"),
    "place": N_("Where was it? For example 幸福村."),
    "people": N_("How many people did you serve? For example 5人."),
    "text": N_("What did you do? A few sentences (at most {limit} characters)."),
    "photos": N_("Send up to {limit} photos, as an album or one by one, then tap Done. No photos? Tap Skip."),
    "team": N_("Did other members serve with you? Send their names as on the roster, separated by 、 "
               "(for example 张三、李四); each is asked to confirm. Or tap Just me."),
    "link": N_("Was it a visit to one of your households (走访), or work for a post you hold? Tap it, or None."),
}
FIELD_LABELS = {
    "date": N_("Date"), "hours": N_("Hours"), "category": N_("Category"), "place": N_("Place"),
    "people": N_("People served"), "text": N_("What was done"), "photos": N_("Photos"), "team": N_("Teammates"),
    "link": N_("Household or post"),
}
HOURS_PROBLEMS = {
    rules.HoursProblem.UNREADABLE: N_("I cannot read the hours “{value}”. Write 3h, 3.5小时, 半小时 or the times 14:00-17:30."),
    rules.HoursProblem.NOT_POSITIVE: N_("The hours must be more than 0. Write how long you served, for example 2h."),
    rules.HoursProblem.NOT_HALF_HOUR: N_("Hours are reported in half-hour steps: write for example 2h or 2.5h, not “{value}”."),
    rules.HoursProblem.TOO_LONG: N_("A day has 24 hours: write at most 24h for one day, and report other days separately."),
    rules.HoursProblem.END_BEFORE_START: N_("The end must come after the start: write for example 14:00-17:30."),
}
STALE = N_("This button is no longer valid.")
NOBODY = ("无", "没有", "只有我", "-", "none", "no", "nobody")
USE_BUTTONS = N_("Please use the buttons above, or send /cancel.")


# --- the draft --------------------------------------------------------------------------------


def _today(ctx: Context, branch: Branch) -> date:
    return ctx.now.astimezone(ZoneInfo(branch.timezone)).date()


def _next_step(data: dict) -> str:
    if data.get("returning"):
        return "preview"
    missing = {
        "date": data.get("date") is None, "hours": data.get("minutes") is None,
        "category": data.get("category") is None, "place": data.get("place") is None,
        "people": data.get("people") is None, "text": data.get("text") is None,
        "photos": not data.get("photos_done"), "team": not data.get("team_done"), "link": not data.get("link_done"),
    }
    return next((f for f in FIELDS if missing[f]), "preview")


def _too_long(ctx: Context, value: str, limit: int) -> str:
    return ctx.t(N_("That is {length} characters; please keep it to at most {limit}.")).format(length=len(value), limit=limit)


async def _check(ctx: Context, branch: Branch, member: Member, data: dict, field: str, text: str) -> str | None:
    """Put ``text`` into ``field`` of the draft; the sentence to say when it does not fit."""
    t = ctx.t
    value = " ".join(text.split())
    if field == "date":
        max_age = BranchSettings.of(branch).service_max_age_days
        day = rules.parse_day(value, _today(ctx, branch), max_age)
        if day == rules.DateProblem.FUTURE:
            return t(N_("{value} has not come yet: report service on the day it was done or after.")).format(value=value[:30])
        if day == rules.DateProblem.TOO_OLD:
            return t(N_("Service can be reported up to {days} days back; {value} is older. Talk to the branch secretary "
                        "about older service.")).format(days=max_age, value=value[:30])
        if not isinstance(day, date):
            return t(N_("I cannot read the date “{value}”. Write it like {day}, 11-27 or 今天.")).format(
                value=value[:30], day=_today(ctx, branch).isoformat())
        data["date"] = day.isoformat()
    elif field == "hours":
        hours = rules.parse_hours(value)
        if isinstance(hours, rules.HoursProblem):
            return t(HOURS_PROBLEMS[hours]).format(value=value[:30])
        data["minutes"] = hours.minutes
        data["start"] = hours.start.strftime("%H:%M") if hours.start else None
        data["end"] = hours.end.strftime("%H:%M") if hours.end else None
    elif field == "category":
        await categories.ensure(ctx.session, branch.id, ctx.now)
        found = await categories.by_name(ctx.session, branch.id, value)
        if found is None or found.retired_at is not None:
            names = "、".join(c.name for c in await categories.ensure(ctx.session, branch.id, ctx.now))
            return t(N_("“{value}” is not one of the branch's kinds of service: {names}.")).format(value=value[:50], names=names)
        data["category"] = found.id
    elif field == "place":
        if not value:
            return t(N_("Please write where it was."))
        if len(value) > rules.MAX_PLACE:
            return _too_long(ctx, value, rules.MAX_PLACE)
        data["place"] = value
    elif field == "people":
        people = rules.parse_people(value)
        if people is None:
            return t(N_("I cannot read “{value}” as a number of people. Write for example 5人, or 0.")).format(value=value[:30])
        data["people"] = people
    elif field == "text":
        body = text.strip()
        if not body:
            return t(N_("Please write in a few words what you did."))
        if len(body) > rules.MAX_DESCRIPTION:
            return _too_long(ctx, body, rules.MAX_DESCRIPTION)
        data["text"] = body
    elif field == "team":
        if value.lower() in NOBODY:
            data["teammates"], data["team_done"] = [], True
            return None
        if len(value) > 1000:
            return _too_long(ctx, value, 1000)
        ids, problem = await _teammates(ctx, branch, member, rules.split_names(value))
        if problem:
            return problem
        data["teammates"], data["team_done"] = ids, True
    return None


async def _teammates(ctx: Context, branch: Branch, member: Member, names: list[str]) -> tuple[list[int], str | None]:
    """Roster entries for the names typed (normal form, then case-folded, as other features look them up)."""
    ids: list[int] = []
    unknown: list[str] = []
    for typed in names[:30]:
        name = normalize_name(typed)
        found = await member_store.by_name(ctx.session, branch.id, name) if name else None
        if found is None and name:
            found = await member_store.lookalike(ctx.session, branch.id, name)
        if found is None or not found.active:
            unknown.append(name[:50])
        elif found.id == member.id:
            return [], ctx.t(N_("You are the one reporting: name only the others who served with you."))
        elif found.id not in ids:
            ids.append(found.id)
    if unknown:
        return [], ctx.t(N_("There is nobody called {names} on the roster. Write the names as on the roster, "
                            "separated by 、.")).format(names="、".join(f"“{n}”" for n in unknown))
    if len(names) > 30:
        return [], ctx.t(N_("Name at most 30 teammates in one report."))
    return ids, None


# --- asking ------------------------------------------------------------------------------------


async def _ask(ctx: Context, branch: Branch, member: Member, conv: Any) -> None:
    """Move the dialog to the next question (or the preview) and pose it."""
    data = conv.data
    step = _next_step(data)
    if step == "link" and not data.get("returning"):
        households = await household_store.of_member(ctx.session, member.id)
        posts = await post_store.posts_of(ctx.session, member.id)
        if not households and not posts:  # nothing to link: not asked
            await dialog.advance(ctx, conv, "link", link_done=True)
            step = _next_step(conv.data)
    await dialog.advance(ctx, conv, step)
    t = ctx.t
    if step == "category":
        cats = await categories.ensure(ctx.session, branch.id, ctx.now)
        rows = [[button(c.name, ServeCategory(c.id)) for c in cats[i:i + 2]] for i in range(0, len(cats), 2)]
        ctx.reply(t(QUESTIONS["category"]), rows)
    elif step == "photos":
        ctx.reply(t(QUESTIONS["photos"]).format(limit=rules.MAX_PHOTOS), _photo_buttons(t))
    elif step == "team":
        ctx.reply(t(QUESTIONS["team"]), [[button(t(N_("Just me")), ServeAlone("alone"))]])
    elif step == "link":
        ctx.reply(t(QUESTIONS["link"]), await _link_buttons(ctx, member))
    elif step == "preview":
        await _preview(ctx, branch, member, conv)
    else:
        ctx.reply(t(QUESTIONS[step]).format(day=_today(ctx, branch).isoformat(), limit=rules.MAX_DESCRIPTION))


def _photo_buttons(t: Gettext) -> Keyboard:
    return [[button(t(N_("Done")), ServePhotos("done")), button(t(N_("Skip")), ServePhotos("skip"))]]


async def _link_buttons(ctx: Context, member: Member) -> Keyboard:
    t = ctx.t
    rows = [[button(t(N_("Visit: {label}")).format(label=h.label[:40]), ServeLink(("h", h.id)))]
            for h in await household_store.of_member(ctx.session, member.id)]
    rows += [[button(t(N_("Post: {name}")).format(name=p.name[:40]), ServeLink(("p", p.id)))]
             for p in await post_store.posts_of(ctx.session, member.id)]
    rows.append([button(t(N_("None")), ServeLink("none"))])
    return rows


async def summary(ctx: Context, t: Gettext, branch: Branch, data: dict, member: Member | None = None) -> str:
    """The draft (or a report) as its reader sees it."""
    category = await categories.get(ctx.session, branch.id, data["category"]) if data.get("category") else None
    hours = rules.hours_text(data["minutes"]) if data.get("minutes") else "-"
    if data.get("start") and data.get("end"):
        hours += f" ({data['start']}–{data['end']})"
    lines = [
        t(N_("Date: {value}")).format(value=data.get("date") or "-"),
        t(N_("Hours: {value}")).format(value=hours),
        t(N_("Category: {value}")).format(value=category.name if category else "-"),
        t(N_("Place: {value}")).format(value=data.get("place") or "-"),
        t(N_("People served: {value}")).format(value=data.get("people") if data.get("people") is not None else "-"),
        t(N_("What was done: {value}")).format(value=data.get("text") or "-"),
        t(N_("Photos: {count}")).format(count=len(data.get("photos") or [])),
    ]
    if data.get("activity"):
        activity = await activity_store.get(ctx.session, data["activity"])
        if activity is not None:
            lines.append(t(N_("Activity: {title}")).format(title=activity.title))
    if data.get("teammates"):
        names = [m.name for m in [await member_store.get(ctx.session, i) for i in data["teammates"]] if m]
        lines.append(t(N_("Teammates: {names}")).format(names="、".join(names)))
    owner = member.id if member else None
    if data.get("household") and owner:
        household = await household_store.visitable(ctx.session, owner, data["household"])
        if household:
            lines.append(t(N_("Visit to: {label}")).format(label=household.label))
    if data.get("post") and owner:
        post = await post_store.post_of(ctx.session, owner, data["post"])
        if post:
            lines.append(t(N_("For the post: {name}")).format(name=post.name))
    return "\n".join(lines)


async def _preview(ctx: Context, branch: Branch, member: Member, conv: Any) -> None:
    photos, dropped = await albums.attach(ctx.session, ctx.user_id, conv.data.get("photos") or [])
    await dialog.advance(ctx, conv, "preview", photos=photos, photos_done=True, returning=False)
    t = ctx.t
    head = t(N_("Your report, as it stands:")) if not conv.data.get("edit") else t(
        N_("Report #{number}, as it will be resubmitted:")).format(number=conv.data["edit"])
    text = head + "\n" + await summary(ctx, t, branch, conv.data, member)
    if dropped:
        text += "\n" + t(N_("A report takes at most {limit} photos; {count} more were left out.")).format(
            limit=rules.MAX_PHOTOS, count=dropped)
    ctx.reply(text, [
        [button(t(N_("Submit")), ServePreview("ok")), button(t(N_("Change")), ServePreview("change")),
         button(t(N_("Cancel")), ServePreview("no"))],
        [button(t(N_("Add photos")), ServePreview("photos"))],
    ])


# --- starting ----------------------------------------------------------------------------------


def _usage(ctx: Context, branch: Branch) -> str:
    return ctx.t(USAGE).format(day=_today(ctx, branch).isoformat())


async def _begin(ctx: Context, data: dict) -> Any:
    await albums.clear(ctx.session, ctx.user_id, ctx.now)
    await dialog.begin(ctx, KIND, "start", {"photos": [], "teammates": [], **data})
    return await dialog.current(ctx, KIND)


ONE_LINE = ("date", "hours", "category", "place", "people", "text", "team")


@router.command("serve", chats=PRIVATE, menu=N_("report volunteer service"), member=True,
                help=N_("report volunteer service (志愿服务) step by step, or in one line:\n"
                        "/serve 今天 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫卫生、陪老人聊天"))
async def serve(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    args = ctx.request.args.strip()
    if not args:
        conv = await _begin(ctx, {})
        await _ask(ctx, branch, member, conv)
        return
    parts = [p.strip() for p in args.replace("｜", "|").split("|")]
    if len(parts) not in (6, 7):
        ctx.reply(_usage(ctx, branch))
        return
    data: dict = {"photos": [], "teammates": []}
    for field, text in zip(ONE_LINE, parts):
        problem = await _check(ctx, branch, member, data, field, text)
        if problem:
            ctx.reply(problem + "\n\n" + _usage(ctx, branch))
            return
    conv = await _begin(ctx, {**data, "photos_done": True, "team_done": True, "link_done": True})
    await _ask(ctx, branch, member, conv)


# --- answers -----------------------------------------------------------------------------------


async def _mine(ctx: Context) -> tuple[Any, Member, Branch] | None:
    """The asker's open report dialog, with who and for which branch; ends a dialog whose reporter left."""
    conv = await dialog.current(ctx, KIND)
    if conv is None:
        return None
    found = await access.me(ctx)
    if found is None:
        await dialog.end(ctx)
        return None
    return conv, found[0], found[1]


@router.text
async def answer(ctx: Context) -> None:
    found = await _mine(ctx)
    if found is None:
        return
    conv, member, branch = found
    req, t = ctx.request, ctx.t
    if req.photo is not None:
        await _photo(ctx, conv)
        return
    if req.text is None:  # a sticker, a video, a voice message
        ctx.reply(t(N_("Only photos can go with a report: send the pictures as photos.")) if conv.step in ("photos", "preview")
                  else t(N_("Please answer in words, or send /cancel.")))
        return
    if len(req.text) > 4096:  # more than Telegram carries: not typed by a person
        ctx.reply(_too_long(ctx, req.text, rules.MAX_DESCRIPTION))
        return
    if conv.step == "photos":
        ctx.reply(t(N_("Send photos, or tap Done when they are all here (Skip for none).")), _photo_buttons(t))
        return
    if conv.step not in ("date", "hours", "category", "place", "people", "text", "team"):
        ctx.reply(t(USE_BUTTONS))
        return
    data = dict(conv.data)
    problem = await _check(ctx, branch, member, data, conv.step, req.text)
    if problem:
        ctx.reply(problem)
        return
    await dialog.advance(ctx, conv, conv.step, **data)
    await _ask(ctx, branch, member, conv)


@router.document(chats=PRIVATE, dialog=KIND)
async def file_sent(ctx: Context) -> None:
    found = await _mine(ctx)
    if found is None:
        return
    conv = found[0]
    if conv.step in ("photos", "preview"):
        ctx.reply(ctx.t(N_("That is a file, not a photo, so it was not added. Send the pictures as photos "
                           "(in Telegram: not “as a file”).")), _photo_buttons(ctx.t))
    else:
        ctx.reply(ctx.t(N_("Please answer in words, or send /cancel.")))


async def _photo(ctx: Context, conv: Any) -> None:
    t = ctx.t
    if conv.step not in ("photos", "preview"):
        ctx.reply(t(N_("I will ask for photos later; please answer the question above first.")))
        return
    photo = ctx.request.photo
    unique = photo.file_unique_id or photo.file_id
    drafted = conv.data.get("photos") or []
    if await albums.known(ctx.session, ctx.user_id, drafted, unique):
        ctx.quiet()  # the same photo again (a redelivered update, sent twice): nothing new
        return
    if await albums.count_with(ctx.session, ctx.user_id, drafted) >= rules.MAX_PHOTOS:
        ctx.reply(t(N_("A report takes at most {limit} photos; this one was not added. Tap Done to go on.")).format(
            limit=rules.MAX_PHOTOS), _photo_buttons(t))
        return
    first_of_album = await albums.take(ctx.session, ctx.user_id, ctx.request.media_group_id, file_id=photo.file_id,
                                       file_unique_id=unique, size=photo.size, mime_type=photo.mime_type, now=ctx.now)
    if ctx.request.media_group_id is None:
        count = await albums.count_with(ctx.session, ctx.user_id, drafted)
        ctx.reply(t(N_("Photo {count} of at most {limit} received. Send more, or tap Done.")).format(
            count=count, limit=rules.MAX_PHOTOS), _photo_buttons(t))
    elif first_of_album:
        ctx.reply(t(N_("Receiving your album. Tap Done when all its photos show here.")), _photo_buttons(t))
    else:
        ctx.quiet()  # the album was answered at its first photo


@router.callback(ServeCategory, member=True)
async def pick_category(ctx: Context, pressed: ServeCategory) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "category")
    if conv is None:
        return
    category = await categories.get(ctx.session, ctx.branch.id, pressed.category)
    if category is None or category.retired_at is not None:
        ctx.toast(ctx.t(STALE), alert=True)
        return
    await dialog.advance(ctx, conv, "category", category=category.id)
    ctx.toast(category.name)
    await _ask(ctx, ctx.branch, ctx.actor, conv)


@router.callback(ServePhotos, member=True)
async def photos_done(ctx: Context, pressed: ServePhotos) -> None:
    conv = await dialog.current(ctx, KIND)
    if conv is None or conv.step not in ("photos", "preview"):
        ctx.toast(ctx.t(STALE), alert=True)
        return
    if pressed.choice == "skip":
        await albums.clear(ctx.session, ctx.user_id, None)
    photos, dropped = await albums.attach(ctx.session, ctx.user_id, conv.data.get("photos") or [])
    await dialog.advance(ctx, conv, conv.step, photos=photos, photos_done=True)
    ctx.toast(ctx.t(N_("{count} photos attached.")).format(count=len(photos)))
    if dropped:
        ctx.reply(ctx.t(N_("A report takes at most {limit} photos; {count} more were left out.")).format(
            limit=rules.MAX_PHOTOS, count=dropped))
    await _ask(ctx, ctx.branch, ctx.actor, conv)


@router.callback(ServeAlone, member=True)
async def alone(ctx: Context, pressed: ServeAlone) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "team")
    if conv is None:
        return
    await dialog.advance(ctx, conv, "team", teammates=[], team_done=True)
    await _ask(ctx, ctx.branch, ctx.actor, conv)


@router.callback(ServeLink, member=True)
async def link(ctx: Context, pressed: ServeLink) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "link")
    if conv is None:
        return
    member = ctx.actor
    choice: dict[str, Any] = {"household": None, "post": None, "link_done": True}
    if pressed.pick != "none":
        kind, number = pressed.pick
        if kind == "h":
            if await household_store.visitable(ctx.session, member.id, number) is None:
                await access.log(ctx, member, "refused", target=f"household {number}", reason="not_yours")
                ctx.toast(ctx.t(N_("That household is not one of yours: a visit is reported by the member it is linked to.")),
                          alert=True)
                return
            choice["household"] = number
        else:
            if await post_store.post_of(ctx.session, member.id, number) is None:
                ctx.toast(ctx.t(N_("You do not hold that post.")), alert=True)
                return
            choice["post"] = number
    await dialog.advance(ctx, conv, "link", **choice)
    await _ask(ctx, ctx.branch, member, conv)


@router.callback(ServePreview, member=True)
async def preview_choice(ctx: Context, pressed: ServePreview) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "preview")
    if conv is None:
        return
    t = ctx.t
    if pressed.choice == "no":
        await albums.clear(ctx.session, ctx.user_id, None)
        await dialog.end(ctx)
        dialog.stopped(ctx)
        return
    if pressed.choice == "photos":
        await dialog.advance(ctx, conv, "photos", returning=True)
        ctx.reply(t(QUESTIONS["photos"]).format(limit=rules.MAX_PHOTOS), _photo_buttons(t))
        return
    if pressed.choice == "change":
        rows = [[button(t(FIELD_LABELS[f]), ServeChange(f)) for f in FIELDS[i:i + 3]] for i in range(0, len(FIELDS), 3)]
        ctx.reply(t(N_("What would you like to change?")), rows)
        return
    await _submit(ctx, conv)


@router.callback(ServeChange, member=True)
async def change(ctx: Context, pressed: ServeChange) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "preview")
    if conv is None:
        return
    field = pressed.field
    await dialog.advance(ctx, conv, field, returning=True)
    t = ctx.t
    if field == "category":
        cats = await categories.ensure(ctx.session, ctx.branch.id, ctx.now)
        ctx.reply(t(QUESTIONS["category"]), [[button(c.name, ServeCategory(c.id))] for c in cats])
    elif field == "photos":
        await dialog.advance(ctx, conv, field, photos=[])  # the photos are chosen again
        ctx.reply(t(N_("The photos so far are taken off.")) + " " + t(QUESTIONS["photos"]).format(limit=rules.MAX_PHOTOS),
                  _photo_buttons(t))
    elif field == "team":
        ctx.reply(t(QUESTIONS["team"]), [[button(t(N_("Just me")), ServeAlone("alone"))]])
    elif field == "link":
        ctx.reply(t(QUESTIONS["link"]), await _link_buttons(ctx, ctx.actor))
    else:
        ctx.reply(t(QUESTIONS[field]).format(day=_today(ctx, ctx.branch).isoformat(), limit=rules.MAX_DESCRIPTION))


# --- submitting --------------------------------------------------------------------------------


def _moment(day: date, hhmm: str | None, tz: str) -> datetime | None:
    if not hhmm:
        return None
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


async def _problem_at_submit(ctx: Context, branch: Branch, member: Member, data: dict) -> str | None:
    """What no longer holds when the draft is submitted (a dialog resumed days later, a category retired)."""
    t = ctx.t
    max_age = BranchSettings.of(branch).service_max_age_days
    day = rules.parse_day(data["date"], _today(ctx, branch), max_age)
    if not isinstance(day, date):
        return t(N_("Service can be reported up to {days} days back; {value} is older. Talk to the branch secretary "
                    "about older service.")).format(days=max_age, value=data["date"])
    category = await categories.get(ctx.session, branch.id, data["category"])
    if category is None or category.retired_at is not None:
        return t(N_("The kind of service chosen is no longer in use: tap Change and choose another."))
    if data.get("household") and await household_store.visitable(ctx.session, member.id, data["household"]) is None:
        return t(N_("That household is not one of yours: a visit is reported by the member it is linked to."))
    others = await reports.minutes_on(ctx.session, member.id, day, besides=data.get("edit"))
    if rules.over_the_day(data["minutes"], others):
        return t(N_("With this report you would have more than 24 hours of service on {day} ({others} h are reported "
                    "already). Check the hours, or the date.")).format(day=day.isoformat(), others=rules.hours_text(others))
    return None


def _report_data(branch: Branch, data: dict) -> ReportData:
    day = date.fromisoformat(data["date"])
    return ReportData(
        served_on=day, minutes=data["minutes"], category_id=data["category"], place=data["place"],
        people_served=data["people"], description=data["text"],
        starts_at=_moment(day, data.get("start"), branch.timezone), ends_at=_moment(day, data.get("end"), branch.timezone),
        activity_id=data.get("activity"), household_id=data.get("household"), post_id=data.get("post"),
        photos=tuple(Photo(p["file_id"], p["unique"], p.get("size"), p.get("mime")) for p in data.get("photos") or []),
        teammate_ids=tuple(data.get("teammates") or []),
    )


async def _submit(ctx: Context, conv: Any) -> None:
    member, branch, t = ctx.actor, ctx.branch, ctx.t
    data = dict(conv.data)
    problem = await _problem_at_submit(ctx, branch, member, data)
    if problem:
        ctx.toast(t(N_("Not submitted.")))
        ctx.reply(problem)
        return
    report_data = _report_data(branch, data)
    await dialog.end(ctx)
    if data.get("edit"):
        report = await reports.get(ctx.session, data["edit"])
        if report is None or report.member_id != member.id:
            ctx.toast(t(STALE), alert=True)
            return
        try:
            invited = await reports.edit(ctx.session, report, report_data, ctx.now)
        except reports.Refused as refused:
            ctx.reply(t(N_("You have another report with exactly this content; nothing was changed."))
                      if str(refused) == "duplicate" else _not_editable(t, report))
            return
        resubmitted = True
    else:
        submitted = await reports.submit(ctx.session, branch.id, member.id, report_data, ctx.now)
        report, invited = submitted.report, submitted.invited
        if not submitted.created:
            ctx.toast(t(N_("Already submitted.")))
            ctx.reply(t(N_("You have reported this already, as report #{number}; it was not filed twice.")).format(
                number=report.id), _own_buttons(t, report))
            return
        resubmitted = False
    await events.publish(ctx, events.ServiceReported(branch_id=branch.id, at=ctx.now, report_id=report.id,
                                                     member_id=member.id, resubmitted=resubmitted))
    unreachable = await _invite_teammates(ctx, branch, member, report, invited, data)
    reach, waiting_on = await review.reach(ctx.session, branch, member)
    ctx.toast(t(N_("Submitted.")))
    if resubmitted:
        text = t(N_("Report #{number} is changed and waits for review again."))
    elif reach == review.Reach.ASKED:
        text = t(N_("Submitted as report #{number}. The branch officers will review it; I will tell you their decision."))
    else:  # promise no review nobody is asked for: the next sentence says what it waits on
        text = t(N_("Submitted as report #{number}."))
    extra = ""
    if reach == review.Reach.NOBODY:  # e.g. the secretary, the only officer who reviews, reporting their own
        nobody = (N_("It is saved and waits: nobody else in the branch may review it yet. Give another member the "
                     "role to review it, for example /grant 张三 组织委员.") if access.may(member, Can.MANAGE_ROLES) else
                  N_("It is saved and waits: nobody in the branch may review it yet. The branch secretary can give a "
                     "member the role to review it, for example /grant 张三 组织委员."))
        extra = "\n" + t(nobody)
    elif reach == review.Reach.LATER:
        extra = "\n" + t(N_("It is saved, but {names} cannot be asked to review it yet: they have not opened their "
                            "invite link or a private chat with the bot. Once they do, they find it with /reviews.")).format(
            names="、".join(o.name for o in waiting_on))
    if invited:
        extra += "\n" + t(N_("Your teammates are asked to confirm; the hours count for each one who does."))
    if unreachable:
        extra += "\n" + t(N_("{names} cannot be asked yet: they have not opened their invite link to the bot. "
                             "Their hours count once they confirm.")).format(names="、".join(unreachable))
    ctx.reply(text.format(number=report.id) + extra, _own_buttons(t, report))


def _own_buttons(t: Gettext, report: ServiceReport) -> Keyboard:
    return [[button(t(N_("Edit")), ServeEdit(report.id)), button(t(N_("Withdraw")), ServeWithdraw(report.id))]]


async def _invite_teammates(ctx: Context, branch: Branch, reporter: Member, report: ServiceReport, invited: list,
                            data: dict) -> list[str]:
    """Ask each new teammate privately; the names of those the bot cannot write to yet."""
    unreachable = []
    for row in invited:
        mate = await member_store.get(ctx.session, row.member_id)
        if mate is None:
            continue
        if mate.telegram_user_id is None:
            unreachable.append(mate.name)
            continue
        mt = await ctx.t_user(mate.telegram_user_id, branch)
        text = (mt(N_("{name} reported volunteer service with you and named you as a teammate:")).format(name=reporter.name)
                + "\n" + await summary(ctx, mt, branch, {**data, "teammates": []}) + "\n"
                + mt(N_("Were you there? Your hours count once you confirm.")))
        await ctx.enqueue(f"serveteam:{row.id}", mate.telegram_user_id, text,
                          [[button(mt(N_("Confirm")), ServeTeammate(row.id, True)),
                            button(mt(N_("Decline")), ServeTeammate(row.id, False))]], purpose="serveteam")
    return unreachable


def _not_editable(t: Gettext, report: ServiceReport) -> str:
    if report.status == ServiceStatus.WITHDRAWN:
        return t(N_("Report #{number} was withdrawn; report it again with /serve if needed.")).format(number=report.id)
    return t(N_("Report #{number} has been reviewed already, so it can no longer be changed or withdrawn.")).format(
        number=report.id)


# --- teammates ---------------------------------------------------------------------------------


@router.callback(ServeTeammate)
async def teammate_answer(ctx: Context, pressed: ServeTeammate) -> None:
    t = ctx.t
    row = await reports.teammate(ctx.session, pressed.teammate)
    mate = await member_store.get(ctx.session, row.member_id) if row else None
    report = await reports.get(ctx.session, row.report_id) if row else None
    if row is None or mate is None or report is None or mate.telegram_user_id != ctx.user_id or not mate.active:
        ctx.toast(t(STALE), alert=True)
        return
    if row.status != TeammateStatus.INVITED:
        ctx.toast(t(N_("You have answered this already.")), alert=True)
        return
    if report.status not in reports.STANDING:
        ctx.toast(t(N_("This report was withdrawn or rejected; there is nothing to confirm.")), alert=True)
        return
    if pressed.confirm:
        others = await reports.minutes_on(ctx.session, mate.id, report.served_on)
        if rules.over_the_day(report.minutes, others):
            ctx.toast(t(N_("With this report you would have more than 24 hours of service on {day}; not confirmed. "
                           "Talk to the reporter about the hours.")).format(day=report.served_on.isoformat()), alert=True)
            return
    if not await reports.decide_teammate(ctx.session, row, pressed.confirm, ctx.now):
        ctx.toast(t(N_("You have answered this already.")), alert=True)
        return
    verdict = t(N_("Confirmed: the hours count for you too.")) if pressed.confirm else t(N_("Declined: the hours do not count for you."))
    ctx.toast(verdict)
    if ctx.request.message_id:
        ctx.edit(ctx.request.message_id, t(N_("Report #{number}")).format(number=report.id) + ": " + verdict)
    reporter = await member_store.get(ctx.session, report.member_id)
    if reporter is not None and reporter.telegram_user_id:
        branch = await ctx.session.get(Branch, report.branch_id)
        rt = await ctx.t_user(reporter.telegram_user_id, branch)
        said = (N_("{name} confirmed that they served with you (report #{number}).") if pressed.confirm else
                N_("{name} declined to be named on report #{number}; their hours do not count."))
        await ctx.enqueue(f"serveteamanswer:{row.id}", reporter.telegram_user_id,
                          rt(said).format(name=mate.name, number=report.id), purpose="serveteam")


# --- edit, withdraw, /myreports ------------------------------------------------------------------


async def _own_report(ctx: Context, report_id: int) -> ServiceReport | None:
    report = await reports.get(ctx.session, report_id)
    if report is None or report.member_id != ctx.actor.id:
        ctx.toast(ctx.t(STALE), alert=True)
        return None
    if report.status not in EDITABLE:
        ctx.answer(_not_editable(ctx.t, report), alert=True)
        return None
    return report


async def draft_of(ctx: Context, report: ServiceReport, branch: Branch) -> dict:
    """A stored report as the dialog's draft: what ``summary`` shows and an edit starts from."""
    photos = [{"file_id": p.file_id, "unique": p.file_unique_id, "size": p.size, "mime": p.mime_type}
              for p in await reports.photos(ctx.session, report.id)]
    mates = [r.member_id for r in await reports.teammates(ctx.session, report.id)]
    zone = ZoneInfo(branch.timezone)
    return {
        "date": report.served_on.isoformat(), "minutes": report.minutes,
        "start": report.starts_at.astimezone(zone).strftime("%H:%M") if report.starts_at else None,
        "end": report.ends_at.astimezone(zone).strftime("%H:%M") if report.ends_at else None,
        "category": report.category_id, "place": report.place, "people": report.people_served,
        "text": report.description, "photos": photos, "teammates": mates, "activity": report.activity_id,
        "household": report.household_id, "post": report.post_id,
        "photos_done": True, "team_done": True, "link_done": True,
    }


async def describe_report(ctx: Context, t: Gettext, report: ServiceReport) -> str:
    """A stored report in ``t``'s language (for a reviewer's card): the same lines as the preview."""
    branch = await ctx.session.get(Branch, report.branch_id)
    owner = await member_store.get(ctx.session, report.member_id)
    return await summary(ctx, t, branch, await draft_of(ctx, report, branch), owner)


@router.callback(ServeEdit, member=True)
async def edit_report(ctx: Context, pressed: ServeEdit) -> None:
    report = await _own_report(ctx, pressed.report)
    if report is None:
        return
    data = {**await draft_of(ctx, report, ctx.branch), "edit": report.id}
    conv = await _begin(ctx, data)
    ctx.toast()
    if report.status == ServiceStatus.CHANGES and report.review_note:
        ctx.reply(ctx.t(N_("The reviewer asked: {note}")).format(note=report.review_note))
    await _ask(ctx, ctx.branch, ctx.actor, conv)


@router.callback(ServeWithdraw, member=True)
async def withdraw_report(ctx: Context, pressed: ServeWithdraw) -> None:
    report = await _own_report(ctx, pressed.report)
    if report is None:
        return
    if not await reports.withdraw(ctx.session, report, ctx.now):
        ctx.answer(_not_editable(ctx.t, report), alert=True)
        return
    conv = await dialog.current(ctx, KIND)
    if conv is not None and conv.data.get("edit") == report.id:
        await dialog.end(ctx)
    ctx.toast(ctx.t(N_("Withdrawn.")))
    ctx.reply(ctx.t(N_("Report #{number} is withdrawn; it will not be reviewed or counted.")).format(number=report.id))


@router.command("myreports", chats=PRIVATE, menu=N_("my volunteer reports not yet reviewed"), member=True,
                help=N_("your volunteer-service reports that can still be edited or withdrawn"))
async def my_reports(ctx: Context) -> None:
    t = ctx.t
    found = await reports.of_member(ctx.session, ctx.actor.id)
    if not found:
        ctx.reply(t(N_("You have no reports waiting for review. /serve reports volunteer service.")))
        return
    ctx.reply(t(N_("Your reports not yet reviewed (or sent back for a change):")))
    for report in found:
        category = await categories.get(ctx.session, ctx.branch.id, report.category_id)
        state = t(N_("change asked: {note}")).format(note=report.review_note or "-") if report.status == ServiceStatus.CHANGES \
            else t(N_("waiting for review"))
        ctx.reply(f"#{report.id} {report.served_on.isoformat()} · {rules.hours_text(report.minutes)} h · "
                  f"{category.name if category else '-'} · {report.place}\n{state}", _own_buttons(t, report))


# --- from an activity ----------------------------------------------------------------------------


@router.callback(ServeFrom, member=True)
async def from_activity(ctx: Context, pressed: ServeFrom) -> None:
    member, branch, t = ctx.actor, ctx.branch, ctx.t
    activity = await activity_store.get(ctx.session, pressed.activity)
    if activity is None or activity.branch_id != branch.id or activity.kind != ActivityKind.THEME_DAY:
        ctx.toast(t(STALE), alert=True)
        return
    present = await reports.present_at(ctx.session, activity.id)
    data: dict = {
        "activity": activity.id, "date": activity.starts_at.astimezone(ZoneInfo(branch.timezone)).date().isoformat(),
        "place": activity.place,
    }
    if pressed.team:
        if activity.created_by != member.id and not access.may(member, Can.MANAGE_ACTIVITIES):
            ctx.toast(t(N_("Only the activity's organiser can file the team report.")), alert=True)
            return
        data["teammates"] = [m.id for m in present if m.id != member.id]
    else:
        row = await activity_store.attendance_of(ctx.session, activity.id, member.id)
        if row is None or row.status != AttendanceStatus.PRESENT:
            ctx.toast(t(N_("You did not check in to “{title}”; report your service with /serve.")).format(
                title=activity.title), alert=True)
            return
    data["team_done"] = pressed.team
    conv = await _begin(ctx, data)
    ctx.toast()
    ctx.reply(t(N_("Your report on “{title}”; the date and place are filled in.")).format(title=activity.title))
    await _ask(ctx, branch, member, conv)


async def invite_after(session: AsyncSession, now: datetime, catalogs: Catalogs, activity: Activity) -> None:
    """When a 主题党日 is over: those who checked in are invited, privately and once, to report their service;
    its organiser may file one team report for everyone present. Called by the calendar's follow-up."""
    if activity.kind != ActivityKind.THEME_DAY or activity.cancelled:
        return
    if not await timed.claim_event(session, f"serveinvite:{activity.id}", due_at=activity.ends_at, now=now,
                                   branch_id=activity.branch_id):
        return
    branch = await session.get(Branch, activity.branch_id)
    present = await reports.present_at(session, activity.id)
    ids = [m.telegram_user_id for m in present if m.telegram_user_id]
    organiser = await member_store.get(session, activity.created_by) if activity.created_by else None
    if organiser is not None and organiser.telegram_user_id:
        ids.append(organiser.telegram_user_id)
    reachable = await update_store.private_chat_open(session, ids)

    async def tr(user_id: int) -> Gettext:
        return catalogs.gettext(await user_locale(session, catalogs, user_id, branch.locale))

    for member in present:
        uid = member.telegram_user_id
        if uid not in reachable:
            continue
        t = await tr(uid)
        await queue_message(session, now, f"serveinvite:{activity.id}:{uid}", uid, t(N_(
            "Thank you for taking part in “{title}”. Did you do volunteer service there? Report it: the date and "
            "place are filled in.")).format(title=activity.title),
            [[button(t(N_("Report my service")), ServeFrom(activity.id, False))]], purpose="serveinvite")
    if present and organiser is not None and organiser.telegram_user_id in reachable:
        t = await tr(organiser.telegram_user_id)
        await queue_message(session, now, f"serveteamfrom:{activity.id}", organiser.telegram_user_id, t(N_(
            "“{title}” is over; {count} members checked in. You can file one team report for everyone present: "
            "each of them is asked to confirm.")).format(title=activity.title, count=len(present)),
            [[button(t(N_("One team report for everyone")), ServeFrom(activity.id, True))]], purpose="serveinvite")
