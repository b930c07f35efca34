"""Hours of volunteer service: a member's own (/hours), the officers' totals (/hours 2026-11), and
the monthly recognition post in the group. Only approved hours count, anywhere."""

from __future__ import annotations

from datetime import datetime

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import AsyncSession, Context, Outgoing, queue_messages
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.router import PRIVATE, Router
from handlers.service.review import STATUS, hours, local_today
from storage.branches import BranchSettings
from storage.models import Branch, Member
from storage.roster import members as member_store
from storage.rules import periods
from storage.rules.attendance import party_group_scope
from storage.rules.vocabulary import ServiceStatus
from storage.service import reviews
from storage.service import totals as totals_store

router = Router()
TOP = 5  # members named in the group post, when the branch's publicity is on
MAX_LISTED = 40  # reports listed in /hours


def _by(t: Gettext, amounts: dict[str, int]) -> str:
    ordered = sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0]))
    return " · ".join(t(N_("{name} {hours}h")).format(name=k or t(N_("(no party group)")), hours=hours(v))
                      for k, v in ordered) or "-"


async def _own(ctx: Context, member: Member, branch: Branch) -> str:
    t = ctx.t
    today = local_today(branch, ctx.now)
    month, year = periods.month_of(today), periods.year_of(today)
    mine = await totals_store.reports_of(ctx.session, branch.id, member.id, year.start, year.end)
    approved = [r for r in mine if r.report.status == ServiceStatus.APPROVED]
    in_month = sum(r.report.minutes for r in approved if month.start <= r.report.served_on < month.end)
    by_category: dict[str, int] = {}
    for r in approved:
        by_category[r.category] = by_category.get(r.category, 0) + r.report.minutes
    lines = [t(N_("Your volunteer service (only approved hours count):")),
             t(N_("This month ({month}): {hours} hours")).format(month=month.label, hours=hours(in_month)),
             t(N_("This year ({year}): {hours} hours")).format(year=year.label,
                                                              hours=hours(sum(r.report.minutes for r in approved))),
             t(N_("By category this year: {list}")).format(list=_by(t, by_category))]
    if mine:
        lines.append(t(N_("Your reports this year:")))
        for r in mine[-MAX_LISTED:]:
            line = t(N_("#{number} {date} · {hours} hours · {category} — {status}")).format(
                number=r.report.id, date=r.report.served_on.isoformat(), hours=hours(r.report.minutes),
                category=r.category, status=t(STATUS[r.report.status]))
            if r.report.review_note and r.report.status in (ServiceStatus.REJECTED, ServiceStatus.CHANGES):
                line += t(N_(" ({note})")).format(note=r.report.review_note)
            if r.team:
                line += t(N_(" (in a team)"))
            if r.household:
                line += " · " + r.household
            if r.post:
                line += " · " + r.post
            lines.append(line)
    else:
        lines.append(t(N_("You have no reports this year.")))
    return "\n".join(lines)


def _in_scope(member: Member, scope: str | None) -> bool:
    """Whether an officer acting on ``scope`` (None: the whole branch; "": nobody) sees ``member``."""
    return scope is None or (bool(scope) and member.party_group == scope)


async def _branch(ctx: Context, officer: Member, branch: Branch, span: periods.Period) -> str:
    t = ctx.t
    scope = party_group_scope(officer.role_set, officer.party_group)  # a 党小组长 sees their own group's members
    totals = await totals_store.branch_totals(ctx.session, branch.id, span.start, span.end)
    roster = {m.id: m for m in await member_store.roster(ctx.session, branch.id, active_only=False)}
    shown = {mid: v for mid, v in totals.by_member.items()
             if mid in roster and _in_scope(roster[mid], scope)}
    lines = [t(N_("Volunteer service in {period} (approved hours only):")).format(period=span.label),
             t(N_("Total: {hours} hours from {reports} reports; {people} people served.")).format(
                 hours=hours(totals.minutes), reports=totals.reports, people=totals.people_served),
             t(N_("By member: {list}")).format(list=_by(t, {roster[mid].name: v for mid, v in shown.items()})),
             t(N_("By party group: {list}")).format(list=_by(t, totals.by_group)),
             t(N_("By category: {list}")).format(list=_by(t, totals.by_category))]
    waiting = await reviews.pending(ctx.session, branch.id, party_group=scope)
    if waiting:
        lines.append(t(N_("Waiting for review, not counted: {count} reports (/reviews).")).format(count=len(waiting)))
    quarter = periods.quarter_of(local_today(branch, ctx.now))
    nothing = [m for m in await totals_store.without_service(ctx.session, branch.id, quarter.start, quarter.end)
               if _in_scope(m, scope)]
    lines.append(t(N_("No approved service this quarter ({quarter}): {names}")).format(
        quarter=quarter.label, names=", ".join(m.name for m in nothing) or "-"))
    return "\n".join(lines)


@router.command("hours", chats=PRIVATE, member=True, menu=N_("your volunteer-service hours"),
                help=N_("your approved volunteer-service hours and reports; officers add a month, a quarter or a year "
                        "for the branch's totals: /hours {month}"))
async def hours_command(ctx: Context) -> None:
    args = ctx.request.args.strip()
    if not args:
        ctx.reply(await _own(ctx, ctx.actor, ctx.branch))
        return
    found = await access.officer(ctx, Can.VIEW_SERVICE_TOTALS)  # refuses and audits
    if found is None:
        return
    officer, branch = found
    today = local_today(branch, ctx.now)
    span = periods.parse_period(args, today)
    if span is None or span.start > today:  # a period not begun has no service yet
        ctx.reply(ctx.t(N_("I cannot read “{text}” as a period. Write a month (/hours {month}), a quarter "
                           "(/hours {quarter}) or a year (/hours {year}).")).format(
            text=args[:40], month=periods.month_of(today).label, quarter=periods.quarter_of(today).label,
            year=today.year))
        return
    await access.log(ctx, officer, "service.totals", target=span.label)
    ctx.reply(await _branch(ctx, officer, branch, span))


# --- the monthly post, from the calendar ---------------------------------------------------------


def recognition_text(t: Gettext, span: periods.Period, totals: totals_store.Totals, names: dict[int, str],
                     publicity: bool) -> str:
    lines = [t(N_("Volunteer service in {month}: {hours} hours by {members} members, {people} people served. "
                  "Thank you all!")).format(month=span.label, hours=hours(totals.minutes),
                                            members=len(totals.by_member), people=totals.people_served)]
    if publicity:
        top = sorted(totals.by_member.items(), key=lambda kv: (-kv[1], names.get(kv[0], "")))[:TOP]
        lines.append(t(N_("Most hours: {list}")).format(
            list=" · ".join(f"{i}. {names.get(mid, '-')} {hours(v)}" for i, (mid, v) in enumerate(top, start=1))))
    return "\n".join(lines)


async def recognition(session: AsyncSession, catalogs: Catalogs, now: datetime, branch: Branch, span: periods.Period,
                      key: str) -> bool:
    """The group's post about a month's approved service; nothing when nothing was approved."""
    totals = await totals_store.branch_totals(session, branch.id, span.start, span.end)
    if totals.minutes == 0:
        return False
    names = {m.id: m.name for m in await member_store.roster(session, branch.id, active_only=False)}
    text = recognition_text(catalogs.gettext(branch.locale), span, totals, names, bool(BranchSettings.of(branch).publicity))
    return await queue_messages(session, now, "service-month", [Outgoing(key, branch.chat_id, text)]) > 0
