"""From a neutral request to the actions to perform: one transaction per update."""

from __future__ import annotations

import logging

from handlers.kit import inbound
from handlers.kit.api import Action, Event, Request, Send, Toast
from handlers.kit.context import Context, Env, locale_from
from handlers.kit.i18n import N_
from handlers.kit.router import Router, prepare, route
from storage import branches as branch_store
from storage import updates as update_store

log = logging.getLogger(__name__)

FAILED = N_("Sorry, something went wrong on my side and nothing was changed. Please try again in a minute.")


async def handle(router: Router, env: Env, request: Request) -> list[Action]:
    """Run the handler for ``request``; a redelivered update (same update_id) does nothing.

    The update id is claimed in the handler's own transaction, so an update is either
    handled and remembered, or neither. Actions are returned for sending after commit.
    """
    request = inbound.clean(request)  # nothing a database would refuse reaches a handler
    now = env.clock()
    locale = env.catalogs.default_locale
    try:
        prepared = await prepare(router, env, request)  # slow work, before the writer's turn
        async with env.db.session() as session:
            if not await update_store.claim_update(session, request.update_id, now):
                log.info("update %s already handled, dropped", request.update_id)
                return []
            user = request.user
            pref = None
            if user is not None:
                pref = await update_store.note_user(
                    session, user.id, user.language_code, now, private_chat=request.chat.is_private
                )
            locale = locale_from(pref, env.catalogs, locale)
            if request.chat.is_group and request.event == Event.MESSAGE:
                branch = await branch_store.by_chat(session, request.chat.id)
                if branch is not None:
                    locale = branch.locale
            ctx = Context(request=request, session=session, env=env, now=now, locale=locale, prepared=prepared)
            await route(router, ctx)
        return ctx.actions
    except Exception:
        log.exception("handling update %s failed", request.update_id)
        text = env.catalogs.gettext(locale)(FAILED)
        if request.callback_id:
            return [Toast(request.callback_id, text, alert=True)]
        if request.event == Event.MESSAGE and request.chat.is_private:
            return [Send(request.chat.id, text)]
        return []
