"""/summary [period], privately: the branch's figures for an officer entitled, one's own for a member."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.router import PRIVATE, Router
from handlers.summary.render import detail_text, group_text, own_text
from storage.rules import periods
from storage.summary import summary as summaries

router = Router()

BAD_PERIOD = N_("“{text}” is not a period I can read. Give a month, a quarter or a year, for example "
                "/summary {month}, /summary {quarter} or /summary {year}; /summary alone is last month.")
NOT_BEGUN = N_("{period} has not begun yet: there is nothing to sum up. /summary alone gives last month.")


@router.command("summary", chats=PRIVATE, menu=N_("activity summary of a month, quarter or year"), member=True,
                help=N_("the activity summary, last month or any month, quarter or year: /summary {month}, "
                        "/summary 2026Q4, /summary 2026 (a member sees their own figures, the secretary, deputy and "
                        "organisation committee member the branch's)"))
async def show_summary(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    today = ctx.now.astimezone(ZoneInfo(branch.timezone)).date()
    text = ctx.request.args.strip()
    span = periods.parse_period(text, today) if text else periods.last_month(today)
    if span is None:
        ctx.reply(ctx.t(BAD_PERIOD).format(text=text, month=periods.last_month(today).label,
                                           quarter=periods.quarter_of(periods.months_after(today, -3)).label, year=today.year - 1))
        return
    if span.start > today:
        ctx.reply(ctx.t(NOT_BEGUN).format(period=span.label))
        return
    result = await summaries.compute(ctx.session, branch, span, ctx.now)
    if access.may(member, Can.VIEW_SUMMARY):
        await access.log(ctx, member, "summary.view", target=span.label)
        ctx.reply(group_text(ctx.t, result) + "\n\n" + detail_text(ctx.t, result,
                                                                  with_dues=access.may(member, Can.MANAGE_DUES)))
    else:
        ctx.reply(own_text(ctx.t, result, member.id, member.name))
