"""Volunteer service (志愿服务): review of reports, hours and totals, the monthly recognition post."""

from handlers.kit.router import Router
from handlers.service import review, totals
from handlers.service.review import on_reported

router = Router()
for _part in (review, totals):
    router.include(_part.router)

__all__ = ["Notices", "on_reported", "router"]


class Notices:
    """What the calendar asks of volunteer service (``schedules.engine.ServiceNotifier``)."""

    def __init__(self, catalogs) -> None:
        self.catalogs = catalogs

    async def review_reminder(self, session, branch, report, key, now) -> None:
        await review.remind(session, self.catalogs, now, branch, report, key)

    async def recognition(self, session, branch, span, key, now) -> bool:
        return await totals.recognition(session, self.catalogs, now, branch, span, key)
