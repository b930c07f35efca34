"""The branch itself: /setup when the bot is added, settings, language, help, one's own profile."""

from handlers.branch import setup

router = setup.router
