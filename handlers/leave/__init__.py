"""Leave (请假): the reason asked privately, an officer's decision, the answer, and the catch-up (补课) owed."""

from handlers.kit.router import Router
from handlers.leave import makeup, requests
from handlers.leave.makeup import CaughtUp

router = Router()
for _part in (requests, makeup):
    router.include(_part.router)

__all__ = ["CaughtUp", "router"]
