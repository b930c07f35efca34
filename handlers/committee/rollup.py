"""/rollup: one line per linked branch for a month, quarter or year, to the committee's officers, privately.

Aggregates only: no names, no leave reasons, no income figures. Long roll-ups come in pages
that fit one Telegram message each, with buttons to turn them and to show only the branches
that fall short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from zoneinfo import ZoneInfo

from handlers.committee.common import acting, log
from handlers.kit.callbacks import Callback, Flag, Int, Text
from handlers.kit.context import Context
from handlers.kit.examples import examples
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR, local_time
from handlers.kit.router import PRIVATE, Router, button
from handlers.kit.textfit import MAX_TEXT
from storage.committee import rollup as rollup_store
from storage.committee.rollup import Rollup, Row
from storage.rules import rollup as rules
from storage.rules.periods import last_month, parse_period
from storage.rules.rollup import Cell
from storage.rules.vocabulary import ActivityKind

router = Router()

SHORT_MARK = "⚠️"
PAGE_ROOM = MAX_TEXT - 400  # a page's lines; the head and the foot take the rest


class RollupPage(Callback, prefix="cmr"):
    page: Annotated[int, Int(1, 999)]  # from 1
    only_short: Annotated[bool, Flag()]
    period: Annotated[str, Text(20)]  # as parse_period reads it: 2026-11, 2026Q4, 2026


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
    return f"{head}\n\n{body}\n\n{foot}", [row for row in (nav, [toggle]) if row]


async def _show(ctx: Context, label: str, page: int, only_short: bool) -> None:
    found = await acting(ctx)
    if found is None:
        return
    _officer, committee = found
    today_date = ctx.now.astimezone(ZoneInfo(committee.timezone)).date()
    period = parse_period(label, today_date) if label else last_month(today_date)
    if period is None:
        ctx.answer(ctx.t(N_("I cannot read “{text}” as a period. Write a month, a quarter or a year: "
                            "/rollup {month}, /rollup {quarter} or /rollup {year}.")).format(
            text=label[:20], **examples(ctx.t, ctx.now, committee.timezone)), alert=True)
        return
    if period.start > today_date:
        ctx.answer(ctx.t(N_("{period} has not begun yet.")).format(period=period.label), alert=True)
        return
    result = await rollup_store.compute(ctx.session, committee, period, ctx.now)
    text, buttons = render(ctx.t, result, page, only_short)
    await log(ctx, committee, "committee.rollup", period=period.label, branches=len(result.rows))
    if ctx.request.callback_id and ctx.request.message_id is not None:
        ctx.edit(ctx.request.message_id, text, buttons or None)
    else:
        ctx.reply(text, buttons or None)


@router.command("rollup", chats=PRIVATE, menu=N_("committee: one line per branch"),
                help=N_("committee officers: one line per linked branch (members, activities, 三会一课, attendance, dues, "
                        "volunteering) "
                        "for a month, quarter or year: /rollup {month}, /rollup {quarter}, /rollup {year}"))
async def rollup(ctx: Context) -> None:
    await _show(ctx, ctx.request.args.strip(), 0, False)


@router.callback(RollupPage)
async def turn(ctx: Context, pressed: RollupPage) -> None:
    await _show(ctx, pressed.period, pressed.page - 1, pressed.only_short)
