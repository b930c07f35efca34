"""/rollup: one line per linked branch for a month, quarter or year, to the committee's officers, privately.

Aggregates only: no names, no leave reasons, no income figures. Long roll-ups come in pages
that fit one Telegram message each, with buttons to turn them and to show only the branches
that fall short.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from handlers.committee import files
from handlers.committee.common import acting, log
from handlers.kit import charts, offload, workbook
from handlers.kit.api import Event, Request, Upload
from handlers.kit.callbacks import Callback, Flag, Int, Text, decode
from handlers.kit.context import AsyncSession, Context, Env, Prepared, user_locale
from handlers.kit.examples import examples
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR, local_time
from handlers.kit.router import PRIVATE, Router, button
from handlers.kit.textfit import MAX_TEXT
from storage.committee import committees as committee_store
from storage.committee import rollup as rollup_store
from storage.committee.rollup import Rollup, Row
from storage.rules import rollup as rules
from storage.models import Committee
from storage.rules.periods import Period, last_month, parse_period
from storage.rules.rollup import Cell
from storage.rules.vocabulary import ActivityKind

router = Router()

SHORT_MARK = "⚠️"
PAGE_ROOM = MAX_TEXT - 400  # a page's lines; the head and the foot take the rest


class RollupPage(Callback, prefix="cmr"):
    page: Annotated[int, Int(1, 999)]  # from 1
    only_short: Annotated[bool, Flag()]
    period: Annotated[str, Text(20)]  # as parse_period reads it: 2026-11, 2026Q4, 2026


class RollupFile(Callback, prefix="cmf"):
    """The roll-up as a file: 0 the chart, 1 the .xlsx."""

    kind: Annotated[int, Int(0, 1)]
    period: Annotated[str, Text(20)]


CHART, XLSX = "chart", "xlsx"
#: The last word of /rollup that asks for a file instead of the text.
FILE_WORDS = {"chart": CHART, "png": CHART, "图表": CHART, "图": CHART,
              "xlsx": XLSX, "excel": XLSX, "表格": XLSX, "表": XLSX}
FILE_TIMEOUT = 60.0  # seconds to draw or write one in the worker


def _members(t: Gettext, cell: Cell) -> str:
    v = cell.values
    return t(N_("members {party} (full {full}, probationary {probationary}), activists {activist}")).format(**v)


def _activities(t: Gettext, cell: Cell) -> str:
    v = cell.values
    kinds = [f"{t(rules.KIND_SHORT[kind])} {v[kind.value]}" for kind in ActivityKind if v.get(kind.value)]
    head = t(N_("activities {total}")).format(total=v["total"])
    return head + (": " + t(LIST_SEPARATOR).join(kinds) if kinds else "")


def _meetings(t: Gettext, cell: Cell) -> str:
    v = cell.values
    text = t(N_("三会一课 {met}/{required}")).format(met=v["met"], required=v["required"])
    if cell.missing:
        text += " " + t(N_("(missing: {kinds})")).format(
            kinds=t(LIST_SEPARATOR).join(t(rules.KIND_SHORT[ActivityKind(k)]) for k in cell.missing))
    return text


def _attendance(t: Gettext, cell: Cell) -> str:
    v = cell.values
    if v["rate"] is None:
        return t(N_("attendance: no record"))
    return t(N_("attendance {rate}% ({present}/{expected})")).format(**v)


def _dues(t: Gettext, cell: Cell) -> str:
    v = cell.values
    if v["rate"] is None:
        return t(N_("dues —"))
    return t(N_("dues {rate}%")).format(rate=v["rate"])


def _service(t: Gettext, cell: Cell) -> str:
    return t(N_("volunteering {hours} h, {people_served} served")).format(**cell.values)


#: How each indicator reads in a branch's line; one without an entry shows its label and headline figure.
WORDING: dict[str, Callable[[Gettext, Cell], str]] = {
    rules.MEMBERS.key: _members,
    rules.ACTIVITIES.key: _activities,
    rules.MEETINGS.key: _meetings,
    rules.ATTENDANCE.key: _attendance,
    rules.DUES.key: _dues,
    rules.SERVICE.key: _service,
}


def cell_text(t: Gettext, indicator: rules.Indicator, cell: Cell) -> str:
    wording = WORDING.get(indicator.key)
    if wording is not None:
        return wording(t, cell)
    value = cell.values.get(indicator.headline)
    return f"{t(indicator.label)} {'-' if value is None else value}"


def line(t: Gettext, rollup: Rollup, row: Row) -> str:
    parts = [cell_text(t, i, row.cells[i.key]) + (" " + SHORT_MARK if row.cells[i.key].short else "")
             for i in rollup.indicators]
    return (SHORT_MARK + " " if row.short else "") + f"#{row.branch_id} {row.branch_name}: " + "; ".join(parts)


def pages(lines: list[str], room: int = PAGE_ROOM) -> list[list[str]]:
    """The lines in pages of at most ``room`` characters; a page holds at least one line."""
    found: list[list[str]] = [[]]
    size = 0
    for text in lines:
        text = text[:room]
        if found[-1] and size + len(text) + 1 > room:
            found.append([])
            size = 0
        found[-1].append(text)
        size += len(text) + 1
    return found


def render(t: Gettext, rollup: Rollup, page: int, only_short: bool) -> tuple[str, list]:
    rows = [r for r in rollup.rows if r.short] if only_short else rollup.rows
    short = sum(1 for r in rollup.rows if r.short)
    head = t(N_("Roll-up of “{committee}” for {period}, as of {date}: {count} branches, {short} falling short ({mark}).")).format(
        committee=rollup.committee.name, period=rollup.period.label,
        date=local_time(rollup.as_of, rollup.committee.timezone)[:10], count=len(rollup.rows), short=short,
        mark=SHORT_MARK)
    if not rollup.rows:
        return head + "\n" + t(N_("No branch is linked yet. Give branch secretaries the join code (/committee).")), []
    book = pages([line(t, rollup, r) for r in rows])
    page = min(page, len(book) - 1)
    body = "\n".join(book[page]) if rows else t(N_("No branch falls short."))
    foot = t(N_("Page {page} of {pages}. Figures are aggregates; names and reasons stay with each branch.")).format(
        page=page + 1, pages=len(book))
    label = rollup.period.label
    nav = []
    if page > 0:
        nav.append(button(t(N_("◀ Previous")), RollupPage(page, only_short, label)))
    if page + 1 < len(book):
        nav.append(button(t(N_("Next ▶")), RollupPage(page + 2, only_short, label)))
    toggle = button(t(N_("All branches")) if only_short else t(N_("Only those falling short")),
                    RollupPage(1, not only_short, label))
    as_files = [button(t(N_("📊 Chart")), RollupFile(0, label)), button(t(N_("📄 Excel file")), RollupFile(1, label))]
    return f"{head}\n\n{body}\n\n{foot}", [row for row in (nav, [toggle], as_files) if row]


@dataclass(frozen=True)
class Asked:
    """What a /rollup, or one of the buttons under it, asks for."""

    period: str  # as typed or carried by the button; "" for last month
    page: int = 0  # from 0
    only_short: bool = False
    as_file: str | None = None  # CHART or XLSX instead of the text


def asked(request: Request) -> Asked | None:
    if request.event == Event.CALLBACK:
        pressed = decode(request.callback_data)
        if isinstance(pressed, RollupPage):
            return Asked(pressed.period, pressed.page - 1, pressed.only_short)
        if isinstance(pressed, RollupFile):
            return Asked(pressed.period, as_file=(CHART, XLSX)[pressed.kind])
        return None
    words = request.args.split()
    as_file = FILE_WORDS.get(words[-1].casefold()) if words else None
    return Asked(" ".join(words[:-1] if as_file else words), as_file=as_file)


def period_of(label: str, committee: Committee, now: datetime) -> Period | None:
    today = now.astimezone(ZoneInfo(committee.timezone)).date()
    return parse_period(label, today) if label else last_month(today)


@dataclass(frozen=True)
class Made:
    """A roll-up, and the file asked for (None: none asked, or it took too long to draw)."""

    rollup: Rollup
    data: bytes | None = None


async def make(session: AsyncSession, t: Gettext, committee: Committee, period: Period, now: datetime,
               as_file: str | None) -> Made:
    """The roll-up, and the file if one is asked, drawn in the worker process."""
    result = await rollup_store.compute(session, committee, period, now)
    data = None
    if as_file is not None:
        try:
            if as_file == CHART:
                data = await offload.run(charts.render, *files.chart(t, result), timeout=FILE_TIMEOUT)
            else:
                data = await offload.run(workbook.write, files.book(t, result), timeout=FILE_TIMEOUT)
        except offload.Failed:
            pass
    return Made(result, data)


async def prepare_rollup(env: Env, request: Request) -> Prepared | None:
    """The roll-up read in a read session, for a committee officer (checked quietly here, and again
    with a refusal audited in the transaction): a year of a thousand branches takes a second or two,
    and drawing its file longer, which would otherwise hold SQLite's one writer for everyone."""
    wanted = asked(request)
    if wanted is None or request.user is None:
        return None
    now = env.clock()
    async with env.db.read() as session:
        found = await committee_store.roles_of(session, request.user.id)
        if not found:
            return None
        committee = found[0][1]
        period = period_of(wanted.period, committee, now)
        if period is None or period.start > now.astimezone(ZoneInfo(committee.timezone)).date():
            return None
        locale = await user_locale(session, env.catalogs, request.user.id, env.catalogs.default_locale)
        made = await make(session, env.catalogs.gettext(locale), committee, period, now, wanted.as_file)
        return Prepared((request.user.id, committee.id, period.label, locale, wanted.as_file), made)


async def _show(ctx: Context) -> None:
    wanted = asked(ctx.request)
    found = await acting(ctx)
    if found is None or wanted is None:
        return
    _officer, committee = found
    period = period_of(wanted.period, committee, ctx.now)
    if period is None:
        ctx.answer(ctx.t(N_("I cannot read “{text}” as a period. Write a month, a quarter or a year: "
                            "/rollup {month}, /rollup {quarter} or /rollup {year}.")).format(
            text=wanted.period[:20], **examples(ctx.t, ctx.now, committee.timezone)), alert=True)
        return
    if period.start > ctx.now.astimezone(ZoneInfo(committee.timezone)).date():
        ctx.answer(ctx.t(N_("{period} has not begun yet.")).format(period=period.label), alert=True)
        return
    # Not prepared for this (made an officer meanwhile): made here, in the transaction.
    made = (ctx.prepared_for(ctx.user_id, committee.id, period.label, ctx.locale, wanted.as_file)
            or await make(ctx.session, ctx.t, committee, period, ctx.now, wanted.as_file))
    if wanted.as_file is not None:
        await _send_file(ctx, committee, made, wanted.as_file)
        return
    text, buttons = render(ctx.t, made.rollup, wanted.page, wanted.only_short)
    await log(ctx, committee, "committee.rollup", period=period.label, branches=len(made.rollup.rows))
    if ctx.request.callback_id and ctx.request.message_id is not None:
        ctx.edit(ctx.request.message_id, text, buttons or None)
    else:
        ctx.reply(text, buttons or None)


async def _send_file(ctx: Context, committee: Committee, made: Made, kind: str) -> None:
    """The chart or the .xlsx, queued privately to the asker; audited."""
    result = made.rollup
    if made.data is None:
        ctx.answer(ctx.t(N_("The file took too long to make. Try again in a while, or a shorter period.")),
                   alert=True)
        return
    name = files.filename(ctx.t, result, "png" if kind == CHART else "xlsx")
    await log(ctx, committee, "committee.rollup_export", period=result.period.label, branches=len(result.rows),
              format=kind, filename=name, size=len(made.data))
    caption = ctx.t(N_("Roll-up of “{committee}” for {period}: per-branch aggregates.")).format(
        committee=committee.name, period=result.period.label)
    upload = Upload(name, made.data)
    await ctx.enqueue(f"rollup:{kind}:{ctx.user_id}:{ctx.request.update_id}", ctx.user_id, caption,
                      purpose="export", **({"photo": upload} if kind == CHART else {"document": upload}))
    if ctx.request.callback_id:
        ctx.answer(ctx.t(N_("Sent to you in a moment.")))


@router.command("rollup", chats=PRIVATE, prepare=prepare_rollup, menu=N_("committee: one line per branch"),
                help=N_("committee officers: one line per linked branch (members, activities, 三会一课, attendance, dues, "
                        "volunteering) "
                        "for a month, quarter or year: /rollup {month}, /rollup {quarter}, /rollup {year}; "
                        "add chart or xlsx for a picture or an Excel file: /rollup {quarter} xlsx"))
async def rollup(ctx: Context) -> None:
    await _show(ctx)


@router.callback(RollupFile, prepare=prepare_rollup)
async def send_file(ctx: Context, _pressed: RollupFile) -> None:
    await _show(ctx)


@router.callback(RollupPage, prepare=prepare_rollup)
async def turn(ctx: Context, _pressed: RollupPage) -> None:
    await _show(ctx)
