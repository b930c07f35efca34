"""Committees (党委/党总支): set-up, officers, branch links, the roll-up and notices to every branch."""

from handlers.committee import notices, rollup, setup
from handlers.committee.rollup import WORDING
from handlers.kit.router import Router

router = Router()
for _part in (setup, rollup, notices):
    router.include(_part.router)

__all__ = ["WORDING", "router"]
