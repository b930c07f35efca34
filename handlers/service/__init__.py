"""Volunteer service (志愿服务): members report it (dialog or one line, photos, teammates, from an activity),
edit or withdraw it until reviewed; officers review it; hours and totals of approved service, the
monthly recognition post; the secretary keeps the branch's kinds of service."""

from handlers.kit.router import Router
from handlers.service import categories, report, review, totals
from handlers.service.report import ServeEdit, ServeWithdraw, describe_report, invite_after, summary
from handlers.service.review import on_reported

router = Router()
for _part in (report, categories, review, totals):
    router.include(_part.router)

__all__ = ["Notices", "ServeEdit", "ServeWithdraw", "describe_report", "invite_after", "on_reported", "router",
           "summary"]


class Notices:
    """What the calendar asks of volunteer service (``schedules.engine.ServiceNotifier``)."""

    def __init__(self, catalogs) -> None:
        self.catalogs = catalogs

    async def review_reminder(self, session, branch, report, key, now) -> None:
        await review.remind(session, self.catalogs, now, branch, report, key)

    async def recognition(self, session, branch, span, key, now) -> bool:
        return await totals.recognition(session, self.catalogs, now, branch, span, key)
