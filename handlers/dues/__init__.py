"""Party dues (党费): a member's account and self-reports; the 组织委员's views, payments, waivers, corrections.

What the calendar uses: ``notices.deadline`` (the dues-deadline reminder) and ``notices.daily``
(arrears at 2/4/6 months, the yearly basis question).
"""

from handlers.dues import member, officer
from handlers.dues.notices import daily, deadline
from handlers.kit.router import Router

router = Router()
for _part in (member, officer):
    router.include(_part.router)

__all__ = ["daily", "deadline", "router"]
