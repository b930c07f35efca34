"""Reviewing volunteer-service reports (志愿服务): the card, Approve / Reject / Ask for a change, /reviews.

The card goes privately, through the outbox, to the officers who may review the report: by the
permission table (``Can.REVIEW_SERVICE``), a 党小组长 only for their own party group, never the
reporter themself. Photos are re-sent by their Telegram file ids, never downloaded.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo

from handlers.kit import access, dialog
from handlers.kit.access import ALLOWED, Can
from handlers.kit.api import Keyboard
from handlers.kit.callbacks import ID, Callback
from handlers.kit.context import AsyncSession, Context, Outgoing, queue_messages, user_locale
from handlers.kit.events import ServiceReported
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.router import PRIVATE, Router, button
from storage import updates as update_store
from storage.models import Branch, Member, ServiceReport
from storage.roster import members as member_store
from storage.rules import periods
from storage.rules.attendance import party_group_scope
from storage.rules.vocabulary import ServiceStatus, TeammateStatus
from storage.service import reviews
from storage.service import totals as totals_store

router = Router()
PURPOSE = "service-review"
MAX_NOTE = 500


class ApproveReport(Callback, prefix="vap"):
    report: Annotated[int, ID]


class RejectReport(Callback, prefix="vrj"):
    report: Annotated[int, ID]


class ChangeReport(Callback, prefix="vch"):
    report: Annotated[int, ID]


class OpenReport(Callback, prefix="vop"):
    report: Annotated[int, ID]


STATUS = {
    ServiceStatus.PENDING: N_("waiting for review"),
    ServiceStatus.CHANGES: N_("a change was asked for"),
    ServiceStatus.APPROVED: N_("approved"),
    ServiceStatus.REJECTED: N_("not approved"),
    ServiceStatus.WITHDRAWN: N_("withdrawn"),
}
ALREADY = N_("This report has already been decided: {status}.")
STALE = N_("This button is no longer valid.")


def hours(minutes: int) -> str:
    """Minutes as hours people read: 3, 2.5."""
    return f"{minutes / 60:g}"


def local_today(branch: Branch, now: datetime):
    return now.astimezone(ZoneInfo(branch.timezone)).date()


def may_review(officer: Member, reporter: Member) -> bool:
    """Whether ``officer`` may decide ``reporter``'s reports: by role, in the same branch, a 党小组长
    only for their own group, and nobody their own report."""
    if not access.may(officer, Can.REVIEW_SERVICE) or officer.branch_id != reporter.branch_id or officer.id == reporter.id:
        return False
    scope = party_group_scope(officer.role_set, officer.party_group)
    return scope is None or (bool(scope) and reporter.party_group == scope)  # "": a leader of no group, of nobody


async def _entitled(session: AsyncSession, branch: Branch, reporter: Member) -> list[Member]:
    """The active officers who may decide ``reporter``'s reports, whether the bot can write to them or not."""
    officers = await member_store.officers(session, branch.id, ALLOWED[Can.REVIEW_SERVICE])
    return [o for o in officers if may_review(o, reporter)]


async def _reachable(session: AsyncSession, officers: list[Member]) -> list[Member]:
    """Those of ``officers`` the bot may write to: linked to Telegram, with a private chat opened."""
    open_ = await update_store.private_chat_open(session, [o.telegram_user_id for o in officers if o.telegram_user_id])
    return [o for o in officers if o.telegram_user_id in open_]


async def reviewers(session: AsyncSession, branch: Branch, reporter: Member) -> list[Member]:
    """The officers a report of ``reporter`` goes to, who can be messaged privately."""
    return await _reachable(session, await _entitled(session, branch, reporter))


class Reach(Enum):
    """Where a report of a member stands with its reviewers, as the member is told on submitting it."""

    ASKED = "asked"  # its card goes to at least one reviewer
    LATER = "later"  # some may review it, none can be messaged privately yet: they find it with /reviews
    NOBODY = "nobody"  # nobody in the branch may review it until someone is given the role


async def reach(session: AsyncSession, branch: Branch, reporter: Member) -> tuple[Reach, list[Member]]:
    """Whether a report of ``reporter`` reaches its reviewers, by the same rule as its card; with those
    who may review it but cannot be messaged yet (for ``Reach.LATER``)."""
    entitled = await _entitled(session, branch, reporter)
    if not entitled:
        return Reach.NOBODY, []
    if await _reachable(session, entitled):
        return Reach.ASKED, []
    return Reach.LATER, entitled


def card_text(t: Gettext, card: reviews.Card, month_minutes: int, month: str) -> str:
    r = card.report
    lines = [t(N_("Volunteer service report #{number} from {name}")).format(number=r.id, name=card.member.name),
             t(N_("Date: {date} · {hours} hours · {category}")).format(
                 date=r.served_on.isoformat(), hours=hours(r.minutes), category=card.category),
             t(N_("Place: {place} · People served: {count}")).format(place=r.place, count=r.people_served)]
    if card.teammates:
        state = {TeammateStatus.CONFIRMED: t(N_("confirmed")), TeammateStatus.INVITED: t(N_("not confirmed yet")),
                 TeammateStatus.DECLINED: t(N_("declined"))}
        lines.append(t(N_("Team (the hours count for each who confirmed): {names}")).format(
            names=", ".join(f"{m.name} ({state[s]})" for m, s in card.teammates)))
    if card.photos:
        lines.append(t(N_("Photos: {count}, above.")).format(count=len(card.photos)))
    lines.append(t(N_("What was done: {text}")).format(text=r.description))
    lines.append(t(N_("{name}'s approved hours in {month}: {hours}")).format(
        name=card.member.name, month=month, hours=hours(month_minutes)))
    lines.append(t(N_("Status: {status}")).format(status=t(STATUS[r.status])))
    return "\n".join(lines)


def card_buttons(t: Gettext, report_id: int) -> Keyboard:
    return [[button(t(N_("Approve")), ApproveReport(report_id))],
            [button(t(N_("Reject")), RejectReport(report_id)), button(t(N_("Ask for a change")), ChangeReport(report_id))]]


async def _card_for(session: AsyncSession, t: Gettext, branch: Branch, report: ServiceReport, now: datetime) -> tuple[str, list[str]]:
    card = await reviews.card(session, report)
    month = periods.month_of(local_today(branch, now))
    minutes = await totals_store.member_minutes(session, branch.id, card.member.id, month.start, month.end)
    return card_text(t, card, minutes, month.label), card.photos


async def queue_cards(session: AsyncSession, catalogs: Catalogs, now: datetime, report: ServiceReport,
                      officers: list[Member], key: str) -> int:
    """The card of ``report`` to each of ``officers``, privately, photos first; keys ``<key>:<officer>``."""
    branch = await session.get(Branch, report.branch_id)
    messages = []
    for officer in officers:
        t = catalogs.gettext(await user_locale(session, catalogs, officer.telegram_user_id, branch.locale))
        text, photos = await _card_for(session, t, branch, report, now)
        messages.append(Outgoing(f"{key}:{officer.id}", officer.telegram_user_id, text, card_buttons(t, report.id),
                                 album=tuple(photos)))
    return await queue_messages(session, now, PURPOSE, messages)


async def on_reported(ctx: Context, event: ServiceReported) -> None:
    """A report was submitted (or resubmitted after an edit): its card goes to its reviewers."""
    report = await reviews.get(ctx.session, event.report_id)
    if report is None or report.status != ServiceStatus.PENDING:
        return
    branch = await ctx.session.get(Branch, report.branch_id)
    reporter = await member_store.get(ctx.session, report.member_id)
    stamp = int(report.updated_at.timestamp())  # a resubmission is a new card
    if await queue_cards(ctx.session, ctx.env.catalogs, ctx.now, report, await reviewers(ctx.session, branch, reporter),
                         f"{PURPOSE}:{report.id}:{stamp}"):
        ctx.queued()


# --- deciding ------------------------------------------------------------------------------------


async def _reviewable(ctx: Context, officer: Member, branch: Branch, report_id: int | None) -> tuple[ServiceReport, Member] | None:
    """The pending report ``officer`` may decide, or None once the answer is given (and a refusal audited)."""
    report = await reviews.get(ctx.session, report_id) if report_id else None
    if report is None or report.branch_id != branch.id:  # forged, or another branch's report
        if report is not None:
            await access.log(ctx, officer, "refused", target=f"service:{report.id}", reason="other_branch",
                             attempt=access.attempted(ctx))
        ctx.answer(ctx.t(STALE), alert=True)
        return None
    reporter = await member_store.get(ctx.session, report.member_id)
    if not may_review(officer, reporter):
        await access.log(ctx, officer, "refused", target=f"service:{report.id}", reason="scope",
                         attempt=access.attempted(ctx))
        text = (N_("You cannot review your own report; another officer will.") if reporter.id == officer.id else
                N_("As a Party group leader you can review only the reports of your own group ({group})."))
        ctx.answer(ctx.t(text).format(group=officer.party_group or "-"), alert=True)
        return None
    if report.status != ServiceStatus.PENDING:
        ctx.answer(ctx.t(ALREADY).format(status=ctx.t(STATUS[report.status])), alert=True)
        return None
    return report, reporter


async def _decide(ctx: Context, officer: Member, branch: Branch, report: ServiceReport, reporter: Member,
                  decision: ServiceStatus, note: str | None, card_message: int | None) -> None:
    review = await reviews.decide(ctx.session, report.id, officer.id, decision, note, ctx.now)
    if review is None:  # someone else was quicker, or this is the second tap
        await ctx.session.refresh(report)
        ctx.answer(ctx.t(ALREADY).format(status=ctx.t(STATUS[report.status])), alert=True)
        return
    await ctx.session.refresh(report)
    await access.log(ctx, officer, f"service.{decision.value}", target=reporter.name, report=report.id, reason=note)
    t = ctx.t
    verdict = {
        ServiceStatus.APPROVED: N_("Approved by {officer}."),
        ServiceStatus.REJECTED: N_("Rejected by {officer}: {note}"),
        ServiceStatus.CHANGES: N_("{officer} asked for a change: {note}"),
    }[decision]
    verdict_text = t(verdict).format(officer=officer.name, note=note or "")
    if card_message:
        text, _ = await _card_for(ctx.session, t, branch, report, ctx.now)
        ctx.edit(card_message, text + "\n\n" + verdict_text)  # the card, in this private chat
    ctx.answer(verdict_text)
    await _tell_member(ctx, branch, report, reporter, officer, decision, note, review.id)


async def _tell_member(ctx: Context, branch: Branch, report: ServiceReport, reporter: Member, officer: Member,
                       decision: ServiceStatus, note: str | None, review_id: int) -> None:
    """The reporter hears each decision privately in their language; on approval, confirmed teammates too."""
    card = await reviews.card(ctx.session, report)
    month = periods.month_of(local_today(branch, ctx.now))
    messages = []
    people = [reporter]
    if decision == ServiceStatus.APPROVED:
        people += [m for m, s in card.teammates if s == TeammateStatus.CONFIRMED and m.id != reporter.id]
    for person in people:
        if person.telegram_user_id is None:
            continue
        t = await ctx.t_user(person.telegram_user_id, branch)
        what = t(N_("your volunteer service of {date} ({hours} hours, {category})")).format(
            date=report.served_on.isoformat(), hours=hours(report.minutes), category=card.category)
        if decision == ServiceStatus.APPROVED:
            minutes = await totals_store.member_minutes(ctx.session, branch.id, person.id, month.start, month.end)
            text = t(N_("{officer} approved {what}. Your approved hours in {month}: {total}. Thank you!")).format(
                officer=officer.name, what=what, month=month.label, total=hours(minutes))
        elif decision == ServiceStatus.REJECTED:
            text = t(N_("{officer} did not approve {what}. Reason: {note}. It does not count; if you think this is "
                        "wrong, talk to {officer}.")).format(officer=officer.name, what=what, note=note)
        else:
            text = t(N_("{officer} asks you to change {what}: {note}. Please edit the report and submit it again; "
                        "it counts once approved.")).format(officer=officer.name, what=what, note=note)
        messages.append(Outgoing(f"service-decided:{review_id}:{person.id}", person.telegram_user_id, text))
    await ctx.enqueue_many("service-decided", messages)


@router.callback(ApproveReport, can=Can.REVIEW_SERVICE)
async def approve(ctx: Context, pressed: ApproveReport) -> None:
    found = await _reviewable(ctx, ctx.actor, ctx.branch, pressed.report)
    if found is not None:
        await _decide(ctx, ctx.actor, ctx.branch, *found, ServiceStatus.APPROVED, None, ctx.request.message_id)


ASK = {
    "reject": N_("Why is report #{number} from {name} rejected? Reply with the reason (at most {limit} characters); "
                 "{name} will read it. Or send /cancel."),
    "change": N_("What should {name} change in report #{number}? Reply in a sentence (at most {limit} characters); "
                 "{name} will read it. Or send /cancel."),
}


async def _ask_note(ctx: Context, report_id: int, step: str) -> None:
    found = await _reviewable(ctx, ctx.actor, ctx.branch, report_id)
    if found is None:
        return
    report, reporter = found
    await dialog.begin(ctx, "service-review", step, {"report": report.id, "card": ctx.request.message_id})
    ctx.toast()
    ctx.send(ctx.user_id, ctx.t(ASK[step]).format(number=report.id, name=reporter.name, limit=MAX_NOTE))


@router.callback(RejectReport, can=Can.REVIEW_SERVICE)
async def reject(ctx: Context, pressed: RejectReport) -> None:
    await _ask_note(ctx, pressed.report, "reject")


@router.callback(ChangeReport, can=Can.REVIEW_SERVICE)
async def ask_change(ctx: Context, pressed: ChangeReport) -> None:
    await _ask_note(ctx, pressed.report, "change")


@router.text
async def note_text(ctx: Context) -> None:
    answer = await dialog.officer_answer(ctx, "service-review", Can.REVIEW_SERVICE, limit=MAX_NOTE)
    if answer is None:
        return
    conv, officer, branch, note = answer
    await dialog.end(ctx)
    reviewable = await _reviewable(ctx, officer, branch, conv.data.get("report"))
    if reviewable is None:
        return
    decision = ServiceStatus.REJECTED if conv.step == "reject" else ServiceStatus.CHANGES
    await _decide(ctx, officer, branch, *reviewable, decision, note, conv.data.get("card"))


# --- what waits ----------------------------------------------------------------------------------


async def waiting_for(session: AsyncSession, officer: Member, branch: Branch) -> list[ServiceReport]:
    """The pending reports ``officer`` may review, oldest first."""
    scope = party_group_scope(officer.role_set, officer.party_group)
    found = await reviews.pending(session, branch.id, party_group=scope)
    return [r for r in found if r.member_id != officer.id]


@router.command("reviews", chats=PRIVATE, can=Can.REVIEW_SERVICE, menu=N_("volunteer-service reports to review"),
                help=N_("the volunteer-service reports waiting for your review, each with a button to open it"))
async def reviews_command(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    waiting = await waiting_for(ctx.session, officer, branch)
    if not waiting:
        ctx.reply(ctx.t(N_("No volunteer-service report is waiting for your review.")))
        return
    t = ctx.t
    lines = [t(N_("{count} volunteer-service reports wait for your review, oldest first:")).format(count=len(waiting))]
    rows = []
    for report in waiting[:30]:
        card = await reviews.card(ctx.session, report)
        days = (ctx.now - report.updated_at).days
        lines.append(t(N_("#{number} {name} · {date} · {hours} hours · {category} · waiting {days} days")).format(
            number=report.id, name=card.member.name, date=report.served_on.isoformat(), hours=hours(report.minutes),
            category=card.category, days=days))
        rows.append([button(t(N_("Open #{number} {name}")).format(number=report.id, name=card.member.name),
                            OpenReport(report.id))])
    if len(waiting) > 30:
        lines.append(t(N_("… and {count} more; decide these first.")).format(count=len(waiting) - 30))
    ctx.reply("\n".join(lines), rows)


@router.callback(OpenReport, can=Can.REVIEW_SERVICE)
async def open_report(ctx: Context, pressed: OpenReport) -> None:
    found = await _reviewable(ctx, ctx.actor, ctx.branch, pressed.report)
    if found is None:
        return
    report, _ = found
    await queue_cards(ctx.session, ctx.env.catalogs, ctx.now, report, [ctx.actor],
                      f"service-open:{report.id}:{ctx.request.update_id}")
    ctx.queued()
    ctx.toast(ctx.t(N_("Here is report #{number}.")).format(number=report.id))


# --- reminders, from the calendar ----------------------------------------------------------------


async def remind(session: AsyncSession, catalogs: Catalogs, now: datetime, branch: Branch, report: ServiceReport,
                 key: str) -> None:
    """Tell the reviewers of ``report`` that it has waited long, with a button to open it."""
    reporter = await member_store.get(session, report.member_id)
    card = await reviews.card(session, report)
    messages = []
    for officer in await reviewers(session, branch, reporter):
        t = catalogs.gettext(await user_locale(session, catalogs, officer.telegram_user_id, branch.locale))
        text = t(N_("Reminder: volunteer-service report #{number} from {name} ({date}, {hours} hours, {category}) "
                    "has waited {days} days for review. Send /reviews for everything waiting.")).format(
            number=report.id, name=reporter.name, date=report.served_on.isoformat(), hours=hours(report.minutes),
            category=card.category, days=(now - report.updated_at).days)
        messages.append(Outgoing(f"{key}:{officer.id}", officer.telegram_user_id, text,
                                 [[button(t(N_("Open #{number} {name}")).format(number=report.id, name=reporter.name),
                                          OpenReport(report.id))]]))
    await queue_messages(session, now, "service-remind", messages)
