"""Volunteer service (志愿服务): members report it (dialog or one line, photos, teammates, from an activity),
edit or withdraw it until reviewed; the secretary keeps the branch's kinds of service."""

from handlers.kit.router import Router
from handlers.service import categories, report
from handlers.service.report import ServeEdit, ServeWithdraw, describe_report, invite_after, summary

router = Router()
for _part in (report, categories):
    router.include(_part.router)

__all__ = ["ServeEdit", "ServeWithdraw", "describe_report", "invite_after", "router", "summary"]
