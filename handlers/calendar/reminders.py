"""What the branch calendar says, and to whom: announcements, reminders, notices to officers.

Implements ``schedules.engine.Notifier``. Every message goes to the outbox in the caller's
transaction, under a key derived from the calendar's own once-only key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.activities import AskLeave, announcement, announcement_key, describe, render_record
from handlers.kit.access import ALLOWED, Can
from handlers.kit.context import queue_message, user_locale
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.labels import KIND, local_time
from handlers.kit.router import button
from storage import updates as update_store
from storage.activities import activities as activity_store
from storage.dues import marks as dues_marks
from storage.models import Activity, Branch, Member, ScheduleRule
from storage.roster import members as member_store
from storage.rules.vocabulary import PARTY_MEMBERS, ActivityKind

RECENT_ACTIVITIES = 6  # how far back absences in a row are counted
ABSENCE_STREAK = 2  # tell the secretary from this many absences without leave in a row


class Reminders:
    def __init__(self, catalogs: Catalogs, now) -> None:
        self.catalogs = catalogs
        self.now = now  # the clock: messages are stamped with the calendar's time

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
        text, buttons = await announcement(session, activity, branch, self.catalogs.gettext(branch.locale))
        activity.announce_chat_id = branch.chat_id
        await self._queue(session, announcement_key(activity.id), branch.chat_id, text, buttons)

    async def activity_reminder(self, session: AsyncSession, activity: Activity, key: str) -> None:
        branch = await session.get(Branch, activity.branch_id)
        gt = self.catalogs.gettext(branch.locale)
        await self._queue(session, f"{key}:group", branch.chat_id,
                          gt(N_("Reminder:")) + "\n" + describe(gt, activity, branch))
        record = await activity_store.record(session, activity)
        pending = [line.member for line in record.absent]  # neither checked in nor on leave
        await self._privately(
            session, branch, pending, key,
            lambda t, m: t(N_("Reminder, {name}: you are expected at")).format(name=m.name) + "\n"
            + describe(t, activity, branch) + "\n" + t(N_("If you cannot come, ask for leave.")),
            lambda t: [[button(t(N_("Ask for leave")), AskLeave(activity.id))]],
        )

    async def dues_reminder(self, session: AsyncSession, rule: ScheduleRule, deadline: datetime, key: str) -> None:
        branch = await session.get(Branch, rule.branch_id)
        month = local_time(deadline, branch.timezone)[:7]
        members = [m for m in await member_store.roster(session, branch.id) if m.status in PARTY_MEMBERS]
        done = await dues_marks.paid(session, [m.id for m in members], month)
        unpaid = [m for m in members if m.id not in done]
        when = local_time(deadline, branch.timezone)
        gt = self.catalogs.gettext(branch.locale)
        # The group hears only the aggregate; names go privately to each person.
        await self._queue(session, f"{key}:group", branch.chat_id, gt(N_(
            "Party dues for {month} are due by {deadline}; {unpaid} of {total} have not marked them paid yet. "
            "After paying, send /paid to me in a private chat.")).format(
            month=month, deadline=when, unpaid=len(unpaid), total=len(members)))
        await self._privately(session, branch, unpaid, key, lambda t, m: t(N_(
            "Reminder, {name}: your Party dues for {month} are due by {deadline}. After paying, send /paid.")).format(
            name=m.name, month=month, deadline=when))

    async def missed(self, session: AsyncSession, rule: ScheduleRule, due_at: datetime, occurrence: datetime) -> None:
        branch = await session.get(Branch, rule.branch_id)
        await self._officers(session, branch, f"missed:{rule.id}:{due_at.isoformat()}", lambda t: t(N_(
            "I was not running at {due}, when a reminder for “{title}” ({when}) was due, so it was not sent. "
            "Please remind people yourself if it still matters.")).format(
            due=local_time(due_at, branch.timezone), title=rule.title, when=local_time(occurrence, branch.timezone)))

    async def compliance(self, session: AsyncSession, branch: Branch, kind: ActivityKind, months: int, last_day: date) -> None:
        message = (N_("No {kind} has been held or scheduled this month (the month ends {end}).") if months == 1
                   else N_("No {kind} has been held or scheduled this quarter (the quarter ends {end})."))
        await self._officers(session, branch, f"compliance:{branch.id}:{kind.value}:{last_day.isoformat()}",
                             lambda t: t(message).format(kind=t(KIND[kind]), end=last_day.isoformat()))

    async def follow_up(self, session: AsyncSession, activity: Activity) -> None:
        """After check-in closes: the record to the officers, make-up reminders, absences in a row."""
        branch = await session.get(Branch, activity.branch_id)
        record = await activity_store.record(session, activity)
        await self._officers(session, branch, f"record:{activity.id}", lambda t: t(N_(
            "The activity has ended. Its attendance record:")) + "\n\n" + render_record(t, record, branch, with_reasons=True))
        excused = [line.member for line in record.on_leave]
        await self._privately(session, branch, excused, f"makeup:{activity.id}", lambda t, m: t(N_(
            "{name}, you were on leave from “{title}”. Please catch up on it (补课): ask the secretary for the "
            "materials.")).format(name=m.name, title=activity.title))
        recent = [a for a in await activity_store.recent(session, branch.id, RECENT_ACTIVITIES * 2)
                  if a.checkin_closes_at <= activity.checkin_closes_at][:RECENT_ACTIVITIES]
        for line in record.absent:
            expected_at = [a for a in recent if await activity_store.is_expected(session, a, line.member)]
            streak = await activity_store.absence_streak(session, line.member.id, expected_at)
            if streak >= ABSENCE_STREAK:
                await self._officers(session, branch, f"absent:{activity.id}:{line.member.id}", lambda t, n=line.member.name, k=streak: t(N_(
                    "{name} has missed {count} activities in a row without leave (the latest: “{title}”). "
                    "Six months without taking part counts as leaving the Party: please talk with them.")).format(
                    name=n, count=k, title=activity.title))
