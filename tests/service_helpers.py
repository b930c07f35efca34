"""Volunteer-service reports made directly in the tables, as the reporting dialog would leave them,
and the event it publishes on submit: review and totals are tested without the dialog."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from handlers.kit.api import Chat, ChatType, Event, Request
from handlers.kit.context import Context
from handlers.kit.events import ServiceReported, publish
from storage.models import Branch, Member, ServiceCategory, ServicePhoto, ServiceReport, ServiceTeammate
from storage.rules.vocabulary import ServiceStatus, TeammateStatus


async def make_report(bot_or_db, name: str, *, served_on: date = date(2026, 11, 26), minutes: int = 180,
                      category: str = "关爱空巢老人", people: int = 5, photos: int = 0,
                      teammates: dict[str, TeammateStatus] | None = None,
                      status: ServiceStatus = ServiceStatus.PENDING, at: datetime | None = None,
                      description: str = "打扫卫生、陪老人聊天", photo_ids: list[str] | None = None) -> int:
    db = getattr(bot_or_db, "db", bot_or_db)  # the in-memory harness, or a bot process's database
    async with db.session() as s:
        member = await s.scalar(select(Member).where(Member.name == name))
        branch = await s.get(Branch, member.branch_id)
        now = at or bot_or_db.clock()
        cat = await s.scalar(select(ServiceCategory).where(ServiceCategory.branch_id == branch.id,
                                                           ServiceCategory.name == category))
        if cat is None:
            cat = ServiceCategory(branch_id=branch.id, name=category, position=0, created_at=now)
            s.add(cat)
            await s.flush()
        report = ServiceReport(branch_id=branch.id, member_id=member.id, served_on=served_on, minutes=minutes,
                               category_id=cat.id, place="幸福村", people_served=people, description=description,
                               status=status, fingerprint=f"fp-{member.id}-{served_on}-{minutes}-{now.timestamp()}",
                               created_at=now, updated_at=now)
        s.add(report)
        await s.flush()
        for i, file_id in enumerate(photo_ids or [f"AgACAgUAAx{report.id}p{i}" for i in range(photos)]):
            s.add(ServicePhoto(report_id=report.id, position=i, file_id=file_id,
                               file_unique_id=f"AQAD{report.id}u{i}", size=1000 + i, mime_type="image/jpeg"))
        for mate, mate_status in (teammates or {}).items():
            other = await s.scalar(select(Member).where(Member.name == mate))
            s.add(ServiceTeammate(report_id=report.id, member_id=other.id, status=mate_status, decided_at=now))
        return report.id


async def publish_submitted(db, env, report_id: int, now: datetime, update_id: int = 0) -> None:
    """What the reporting pipeline does on submit or resubmit: publish ServiceReported in the
    update's transaction (its subscribers queue what they send in the outbox)."""
    async with db.session() as s:
        report = await s.get(ServiceReport, report_id)
        member = await s.get(Member, report.member_id)
        request = Request(update_id, Event.MESSAGE, Chat(member.telegram_user_id or 1, ChatType.PRIVATE), None)
        ctx = Context(request=request, session=s, env=env, now=now, locale="zh_CN")
        await publish(ctx, ServiceReported(branch_id=report.branch_id, at=ctx.now, report_id=report.id,
                                             member_id=report.member_id))


def process_env(db):
    """The handlers' environment as a bot process has it (for publishing from outside the process)."""
    from bot.i18n import Catalogs
    from handlers.app import build_events
    from handlers.kit.context import Env

    async def nothing(*_):
        raise AssertionError("not used")

    return Env(db=db, catalogs=Catalogs("zh_CN"), clock=lambda: datetime.now().astimezone(), bot_username="test_bot",
               default_timezone="Asia/Shanghai", download=nothing, is_chat_admin=nothing, events=build_events())


async def submitted(bot, report_id: int) -> list:
    """A report submitted in the in-memory bot: the event, then whatever was queued goes out."""
    before = len(bot.transport.sent)
    await publish_submitted(bot.db, bot.core.env, report_id, bot.clock(), next(bot.update_ids))
    while await bot.core.sender.drain_once():
        pass
    return bot.transport.sent[before:]


async def resubmit(bot, report_id: int) -> list:
    """The member edited a report sent back for a change and submitted it again."""
    async with bot.db.session() as s:
        report = await s.get(ServiceReport, report_id)
        report.status = ServiceStatus.PENDING
        report.updated_at = bot.clock()
    return await submitted(bot, report_id)
