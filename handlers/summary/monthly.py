"""The monthly summary on the day the branch set: aggregates and a chart in the group, the detail
privately to the officers entitled. Implements ``schedules.engine.SummaryNotifier``.

The calendar claims the month's key in the same transaction as these messages, so the summary
goes out once, whatever restarts or instances: ``summary:<branch>:<YYYY-MM>``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from handlers.kit import charts, offload
from handlers.kit.access import ALLOWED, Can, may
from handlers.kit.api import Upload
from handlers.kit.context import AsyncSession, Outgoing, queue_messages, readers_gettext
from handlers.kit.i18n import Catalogs, Gettext
from handlers.summary.render import chart, chart_note, detail_text, group_text, publicity
from storage import updates as update_store
from storage.models import Branch
from storage.roster import members as member_store
from storage.rules.periods import Period as Span
from storage.summary import summary as summaries
from storage.summary.summary import Summary

log = logging.getLogger(__name__)
PURPOSE = "summary"


async def draw(t: Gettext, summary: Summary, filename: str) -> Upload | None:
    """The summary's chart as an upload, drawn in the worker process; None (text only) if it fails."""
    title, panels = chart(t, summary)
    try:
        png = await offload.run(charts.render, title, panels, chart_note(t))
    except Exception:  # a chart is a picture of the text: the text still goes
        log.exception("the chart of %s could not be drawn; the summary goes without it", filename)
        return None
    return Upload(filename, png)


class Summaries:
    def __init__(self, catalogs: Catalogs, now: Callable[[], datetime]) -> None:
        self.catalogs = catalogs
        self.now = now

    async def monthly_summary(self, session: AsyncSession, branch: Branch, span: Span, key: str) -> None:
        now = self.now()
        summary = await summaries.compute(session, branch, span, now)
        gt = self.catalogs.gettext(branch.locale)
        picture = await draw(gt, summary, f"summary-{branch.id}-{span.label}.png")
        messages = [Outgoing(f"{key}:group", branch.chat_id, group_text(gt, summary, named=publicity(branch)),
                                photo=picture)]
        officers = await member_store.officers(session, branch.id, ALLOWED[Can.VIEW_SUMMARY])
        ids = [o.telegram_user_id for o in officers if o.telegram_user_id]
        reachable = await update_store.private_chat_open(session, ids)
        readers = await readers_gettext(session, self.catalogs, ids, branch.locale)
        for officer in officers:
            if officer.telegram_user_id in reachable:
                t = readers[officer.telegram_user_id]
                messages.append(Outgoing(f"{key}:{officer.telegram_user_id}", officer.telegram_user_id,
                                         detail_text(t, summary, with_dues=may(officer, Can.MANAGE_DUES)),
                                         photo=picture))
        await queue_messages(session, now, PURPOSE, messages)
