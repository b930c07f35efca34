"""The branch calendar at work: rules become activities, reminders go out once, gaps are noticed.

Everything timed is claimed in ``scheduled_events`` under a unique key in the same transaction
as the messages it queues, so a reminder is sent exactly once across restarts and instances.
A reminder found overdue by more than the grace period (the bot was down) is not sent late:
it is recorded as missed and the secretary is told instead.

Each branch is one transaction and one error boundary: a branch whose rule or settings cannot
be read is logged and left for the next tick, and the other branches' work still commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.activities import activities as activity_store
from storage.activities.activities import ActivityPlan
from storage.branches import BranchSettings
from storage.calendar import events
from storage.calendar import holidays as holiday_store
from storage.calendar import rules as calendar
from storage.dues import totals as dues_totals
from storage.db import Database
from storage.models import Activity, Branch, ScheduleRule
from storage.roster import members as member_store
from storage.rules import holidays, meetings
from storage.rules.meetings import Requirement
from storage.rules.periods import Period, last_month
from storage.rules.recurrence import Offset, Rule, occurrences
from storage.rules.vocabulary import PARTY_MEMBERS, ActivityKind
from storage.service import reviews as service_reviews

log = logging.getLogger(__name__)

FOLLOW_UP_LOOKBACK = timedelta(days=2)  # each tick looks this far back for ended activities
# After a start (the bot may have been down for long) the first tick looks much further back:
# a record up to FOLLOW_UP_LATE late is still sent; older ones are listed to the officers instead.
FOLLOW_UP_SCAN = timedelta(days=400)
FOLLOW_UP_LATE = timedelta(days=7)
HOLIDAY_NOTICE = timedelta(days=30)  # a date on a public holiday is pointed out this far ahead
UNVISITED_HOUR = 9  # the monthly mention of households not visited goes out from this local hour
# The group's post about last month's volunteer service: from 09:00 local on the 1st, during the first week.
RECOGNITION_HOUR = 9
RECOGNITION_DAYS = 7


class Notifier(Protocol):
    """What the calendar asks for; the bot implements it (texts, languages, the outbox)."""

    async def announce(self, session: AsyncSession, activity: Activity) -> None: ...

    async def activity_reminder(self, session: AsyncSession, activity: Activity, key: str) -> None: ...

    async def dues_reminder(self, session: AsyncSession, rule: ScheduleRule, deadline: datetime, key: str) -> None: ...

    async def missed(self, session: AsyncSession, rule: ScheduleRule, due_at: datetime, occurrence: datetime) -> None: ...

    async def compliance(self, session: AsyncSession, branch: Branch, requirement: Requirement, last_day: date,
                         key: str, group: str | None = None) -> None: ...

    async def follow_up(self, session: AsyncSession, activity: Activity) -> None: ...

    def opened(self, activity: Activity) -> None:
        """Check-in of ``activity`` has opened: what is posted about it should say so."""

    async def missed_follow_ups(self, session: AsyncSession, branch: Branch, activities: list[Activity]) -> None: ...

    def activity_title(self, branch: Branch, rule: ScheduleRule, day: date) -> str: ...

    async def holiday(self, session: AsyncSession, branch: Branch, rule: ScheduleRule, key: date, at: datetime,
                      name: str, instead: datetime | None) -> None: ...

    async def lapses(self, session: AsyncSession, branch: Branch) -> None: ...

    async def dues_daily(self, session: AsyncSession, branch: Branch) -> None: ...

    async def unvisited(self, session: AsyncSession, branch: Branch) -> None:
        """Once a month: households (联系户) not visited lately, each mentioned to its member."""


class ServiceNotifier(Protocol):
    """What volunteer service (志愿服务) asks of the calendar: reminders to reviewers, the monthly post."""

    async def review_reminder(self, session: AsyncSession, branch: Branch, report, key: str, now: datetime) -> None: ...

    async def recognition(self, session: AsyncSession, branch: Branch, span: Period, key: str, now: datetime) -> bool: ...


class SummaryNotifier(Protocol):
    """The monthly summary, posted by the bot (handlers.summary) on the day the branch set."""

    async def monthly_summary(self, session: AsyncSession, branch: Branch, span: Period, key: str) -> None: ...


class Calendar:
    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        clock: Callable[[], datetime],
        *,
        grace: timedelta = timedelta(minutes=60),
        horizon: timedelta = timedelta(days=14),
        service: ServiceNotifier | None = None,
        summaries: SummaryNotifier | None = None,
    ) -> None:
        self.db = db
        self.notifier = notifier
        self.service = service
        self.summaries = summaries
        self.clock = clock
        self.grace = grace
        self.horizon = horizon  # scheduled activities are created and announced this far ahead
        self._scanned: set[int] = set()  # branches whose follow-ups were looked for far back since start

    async def tick(self) -> None:
        """One pass; run it every minute or so. Safe to run again at any time."""
        now = self.clock()
        async with self.db.read() as session:
            branch_ids = list(await session.scalars(select(Branch.id).order_by(Branch.id)))
        for branch_id in branch_ids:
            try:
                async with self.db.session() as session:
                    await self._branch(session, branch_id, now)
            except Exception:
                log.exception("the calendar of branch %s failed; nothing of it was kept, retried next tick", branch_id)
        try:
            await dues_totals.refresh(self.db, now)
        except Exception:
            log.exception("keeping the dues totals failed; retried next tick")

    async def _branch(self, session: AsyncSession, branch_id: int, now: datetime) -> None:
        branch = await session.get(Branch, branch_id)
        if branch is None:
            return
        for rule in await calendar.rules(session, branch.id):
            await self._rule(session, rule, now)
        await self._open(session, branch, now)
        await self._compliance(session, branch, now)
        await self._lapses(session, branch, now)
        await self._unvisited(session, branch, now)
        await self._dues(session, branch, now)
        await self._follow_ups(session, branch, now)
        await self._service(session, branch, now)
        await self._summary(session, branch, now)

    async def _service(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Volunteer service: reports waiting too long are reminded to their reviewers, once per report and
        reminder period (a resubmitted report starts again); last month's post goes to the group once."""
        if self.service is None:
            return
        days = BranchSettings.of(branch).review_reminder_days
        if days:
            period = timedelta(days=days)
            for report in await service_reviews.pending(session, branch.id, submitted_before=now - period):
                waited = (now - report.updated_at) // period
                key = f"service-remind:{report.id}:{int(report.updated_at.timestamp())}:{waited}"
                if await events.claim_event(session, key, due_at=report.updated_at + waited * period, now=now,
                                            branch_id=branch.id):
                    await self.service.review_reminder(session, branch, report, key, now)
        local = now.astimezone(ZoneInfo(branch.timezone))
        if local.day > RECOGNITION_DAYS or local.hour < RECOGNITION_HOUR:
            return
        month = last_month(local.date())
        if branch.created_at.astimezone(ZoneInfo(branch.timezone)).date() >= month.end:
            return  # the branch did not exist yet that month
        key = f"service-month:{branch.id}:{month.label}"
        if await events.claim_event(session, key, due_at=now, now=now, branch_id=branch.id):
            await self.service.recognition(session, branch, month, key, now)

    async def _open(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Fix who is expected at every activity whose check-in has opened, even if nobody checks in."""
        for activity in await activity_store.opened_unfrozen(session, branch.id, now):
            await activity_store.freeze(session, activity, now)
            self.notifier.opened(activity)

    async def _lapses(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Once a day per branch: who is nearing the six-month line."""
        today = now.astimezone(ZoneInfo(branch.timezone)).date()
        if await events.claim_event(session, f"lapses:{branch.id}:{today.isoformat()}", due_at=now, now=now,
                                    branch_id=branch.id):
            await self.notifier.lapses(session, branch)

    async def _unvisited(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Once a month per branch, from UNVISITED_HOUR local time on: the monthly mention of households
        not visited lately (the notifier claims each member's mention too)."""
        local = now.astimezone(ZoneInfo(branch.timezone))
        if local.hour >= UNVISITED_HOUR and await events.claim_event(
                session, f"unvisited-month:{branch.id}:{local:%Y-%m}", due_at=now, now=now, branch_id=branch.id):
            await self.notifier.unvisited(session, branch)

    async def _summary(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Last month's summary, once, from the day and hour the branch set (the 1st, 09:00).

        After downtime it still goes out up to ``FOLLOW_UP_LATE`` late; later it is only recorded
        as missed (``/summary`` gives it on demand). A branch set up after the moment gets its
        first one the month after.
        """
        if self.summaries is None:
            return
        settings = BranchSettings.of(branch)
        zone = ZoneInfo(branch.timezone)
        today = now.astimezone(zone).date()
        due = datetime.combine(today.replace(day=settings.summary_day), time(settings.summary_hour), zone)
        if now < due or branch.created_at > due:
            return
        span = last_month(today)
        key = f"summary:{branch.id}:{span.label}"
        late = now - due > FOLLOW_UP_LATE
        if await events.claim_event(session, key, due_at=due, now=now, branch_id=branch.id,
                                    outcome="missed" if late else "done"):
            if late:
                log.warning("branch %s: the summary of %s was due at %s, during downtime: not sent", branch.id,
                            span.label, due)
            else:
                await self.summaries.monthly_summary(session, branch, span, key)

    async def _dues(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Once a day per branch: dues in arrears (2, 4, 6 months) and, in its month, the yearly basis question."""
        today = now.astimezone(ZoneInfo(branch.timezone)).date()
        if await events.claim_event(session, f"dues:{branch.id}:{today.isoformat()}", due_at=now, now=now,
                                    branch_id=branch.id):
            await self.notifier.dues_daily(session, branch)

    async def _rule(self, session: AsyncSession, rule: ScheduleRule, now: datetime) -> None:
        branch = await session.get(Branch, rule.branch_id)
        recurrence = Rule.from_json(rule.recurrence)
        offsets = [Offset.from_json(o) for o in rule.offsets]
        moved, skipped = await calendar.exceptions(session, rule.id)
        lead = max((now - o.moment(now, ZoneInfo(branch.timezone)) for o in offsets), default=timedelta(0))
        start = max(rule.created_at, now - self.grace - lead - timedelta(days=1))
        await self._holidays(session, branch, rule, recurrence, moved, skipped, now)
        for occ in occurrences(recurrence, branch.timezone, start, now + self.horizon + lead,
                               moved=moved, skipped=skipped):
            activity = None
            if rule.purpose == "activity":
                activity = await self._materialize(session, rule, branch, occ.key, occ.at, now)
            for index, offset in enumerate(offsets):
                due = offset.moment(occ.at, ZoneInfo(branch.timezone))
                if due > now or due < rule.created_at:
                    continue
                key = f"remind:{rule.id}:{occ.key.isoformat()}:{index}"
                if now - due > self.grace:
                    if await events.claim_event(session, key, due_at=due, now=now, branch_id=branch.id, outcome="missed"):
                        log.warning("reminder %s was due at %s, during downtime: not sent", key, due)
                        await self.notifier.missed(session, rule, due, occ.at)
                    continue
                if not await events.claim_event(session, key, due_at=due, now=now, branch_id=branch.id):
                    continue
                if activity is not None:
                    await self.notifier.activity_reminder(session, activity, key)
                elif rule.purpose == "dues":
                    await self.notifier.dues_reminder(session, rule, occ.at, key)

    async def _holidays(self, session: AsyncSession, branch: Branch, rule: ScheduleRule, recurrence: Rule,
                        moved: dict, skipped: set, now: datetime) -> None:
        """Tell the secretary, once and ahead, of a date that falls on a public holiday, with the
        next working day at the same time to move it to; a date moved or skipped already is meant."""
        zone = ZoneInfo(branch.timezone)
        table = holiday_store.corrections(branch)
        for occ in occurrences(recurrence, zone, now, now + HOLIDAY_NOTICE, moved=moved, skipped=skipped):
            local = occ.at.astimezone(zone)
            name = None if occ.moved else holidays.public_holiday(local.date(), table)
            if name is None:
                continue
            if not await events.claim_event(session, f"holiday:{rule.id}:{occ.key.isoformat()}", due_at=now, now=now,
                                              branch_id=branch.id):
                continue
            day = holidays.next_working_day(local.date(), table)
            instead = datetime.combine(day, local.time(), zone).astimezone(ZoneInfo("UTC")) if day else None
            await self.notifier.holiday(session, branch, rule, occ.key, occ.at, name, instead)

    async def _materialize(
        self, session: AsyncSession, rule: ScheduleRule, branch: Branch, key: date, at: datetime, now: datetime
    ) -> Activity | None:
        """The activity for this occurrence, created and announced the first time it comes in sight."""
        existing = await calendar.activity_of(session, rule.id, key)
        if existing is not None:
            return existing
        ends = at + timedelta(minutes=rule.duration_minutes)
        if ends <= now or at > now + self.horizon:
            return None
        if not await events.claim_event(session, f"activity:{rule.id}:{key.isoformat()}", due_at=at, now=now,
                                          branch_id=branch.id):
            return await calendar.activity_of(session, rule.id, key)
        settings = BranchSettings.of(branch)
        activity = await activity_store.create(
            session, branch.id,
            ActivityPlan(rule.kind or ActivityKind.OTHER, self.notifier.activity_title(branch, rule, key)[:100], at,
                         ends, rule.place, rule.audience, rule.audience_group),
            opens_before_minutes=settings.checkin_before_minutes,
            closes_after_minutes=settings.checkin_after_minutes,
            created_by=rule.created_by, now=now,
        )
        activity.rule_id, activity.occurrence = rule.id, key
        await session.flush()
        await self.notifier.announce(session, activity)
        return activity

    async def _compliance(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """Near the end of each requirement's period: the officers are told of each meeting not held in it yet."""
        zone = ZoneInfo(branch.timezone)
        today = now.astimezone(zone).date()
        try:
            required = meetings.requirements((branch.settings or {}).get(meetings.SETTINGS_KEY))
        except ValueError as exc:  # a hand-edited setting: the Party's defaults rather than silence
            log.warning("branch %s: %s; the default meeting requirements apply", branch.id, exc)
            required = meetings.requirements()
        due = {r: meetings.period_containing(today, r.period) for r in required if meetings.warn_now(today, r.period)}
        held: list[meetings.Held] = []
        for requirement, (start, end) in due.items():
            held += await self._held(session, branch.id, requirement, start, end, zone, now)
        groups: list[str] = []
        if any(r.per_group for r in due):  # party groups with active Party members; none: nothing to hold
            groups = sorted({m.party_group for m in await member_store.roster(session, branch.id)
                             if m.party_group and m.status in PARTY_MEMBERS})
        for found in meetings.standing(due, lambda r: [due[r]], groups, held):
            if found.met:
                continue
            key = f"compliance:{branch.id}:{found.requirement.kind.value}:{found.start.isoformat()}"
            if found.group is not None:
                key += f":{found.group}"
            await self._tell_compliance(session, branch, found.requirement, now, found.end, key, found.group)

    @staticmethod
    async def _held(session: AsyncSession, branch_id: int, requirement: Requirement, start: date, end: date,
                    zone: ZoneInfo, now: datetime) -> list[meetings.Held]:
        """The meetings of the requirement's kind held in [start, end), each dated ``start``."""
        found = await activity_store.held_by_audience(
            session, branch_id, requirement.kind, datetime.combine(start, time.min, zone),
            datetime.combine(end, time.min, zone), now)
        return [meetings.Held(requirement.kind, audience, group, start, count) for audience, group, count in found]

    async def _tell_compliance(self, session: AsyncSession, branch: Branch, requirement: Requirement, now: datetime,
                               end: date, key: str, group: str | None = None) -> None:
        if await events.claim_event(session, key, due_at=now, now=now, branch_id=branch.id):
            await self.notifier.compliance(session, branch, requirement, end - timedelta(days=1), key, group)

    async def _follow_ups(self, session: AsyncSession, branch: Branch, now: datetime) -> None:
        """The record of every activity whose check-in has closed, once; none is dropped silently.

        After downtime a record up to ``FOLLOW_UP_LATE`` late still goes out; the officers are
        told in one message about older ones, which would only be noise one by one.
        """
        lookback = FOLLOW_UP_LOOKBACK if branch.id in self._scanned else FOLLOW_UP_SCAN
        ended = await session.scalars(
            select(Activity).where(
                Activity.branch_id == branch.id, ~Activity.cancelled, Activity.checkin_closes_at <= now,
                Activity.checkin_closes_at > now - lookback,
            ).order_by(Activity.checkin_closes_at)
        )
        missed = []
        for activity in list(ended):
            late = now - activity.checkin_closes_at > FOLLOW_UP_LATE
            if await events.claim_event(session, f"followup:{activity.id}", due_at=activity.checkin_closes_at,
                                          now=now, branch_id=activity.branch_id, outcome="missed" if late else "done"):
                if late:
                    missed.append(activity)
                else:
                    await self.notifier.follow_up(session, activity)
        if missed:
            log.warning("branch %s: %d records were due during downtime; the officers are told", branch.id, len(missed))
            await self.notifier.missed_follow_ups(session, branch, missed)
        self._scanned.add(branch.id)
