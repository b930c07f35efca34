"""The branch itself: /setup when the bot is added, settings, language, help, one's own profile,
and which branch someone on several rosters acts for."""

from handlers.branch import acting, setup
from handlers.kit.router import Router

router = Router()
router.include(setup.router)
router.include(acting.router)
