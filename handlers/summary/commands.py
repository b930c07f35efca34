"""/summary [period], privately: the branch's figures and their chart for an officer entitled, one's
own figures for a member.

The summary is read, and its chart drawn, before the update's transaction (``prepare_summary``): a
year of a large branch takes a while, and drawing longer, which would otherwise hold SQLite's one
writer for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.api import Request, Upload
from handlers.kit.context import AsyncSession, Context, Env, Prepared, user_locale
from handlers.kit.i18n import N_, Gettext
from handlers.kit.router import PRIVATE, Router
from handlers.summary.monthly import draw
from handlers.summary.render import detail_text, group_text, own_text, period_name
from storage.models import Branch, Member
from storage.rules import periods
from storage.rules.periods import Period
from storage.summary import summary as summaries
from storage.summary.summary import Summary

router = Router()

BAD_PERIOD = N_("“{text}” is not a period I can read. Give a month, a quarter or a year, for example "
                "/summary {month}, /summary {quarter} or /summary {year}; /summary alone is last month.")
NOT_BEGUN = N_("{period} has not begun yet: there is nothing to sum up. /summary alone gives last month.")
CHART_CAPTION = N_("{branch}, {period}: the summary's chart (aggregates only).")


def asked(args: str, today) -> Period | None:
    text = args.strip()
    return periods.parse_period(text, today) if text else periods.last_month(today)


@dataclass(frozen=True)
class Made:
    """A summary, and its chart for an officer entitled (None for a member, or if it could not be drawn)."""

    summary: Summary
    chart: Upload | None


async def make(session: AsyncSession, t: Gettext, member: Member, branch: Branch, span: Period, now: datetime) -> Made:
    summary = await summaries.compute(session, branch, span, now)
    chart = (await draw(t, summary, f"summary-{branch.id}-{span.label}.png")
             if access.may(member, Can.VIEW_SUMMARY) else None)
    return Made(summary, chart)


async def prepare_summary(env: Env, request: Request) -> Prepared | None:
    now = env.clock()
    async with env.db.read() as session:
        probe = Context(request=request, session=session, env=env, now=now, locale=env.catalogs.default_locale)
        found = await access.me(probe, quiet=True)
        if found is None or request.user is None:
            return None
        member, branch = found
        today = now.astimezone(ZoneInfo(branch.timezone)).date()
        span = asked(request.args, today)
        if span is None or span.start > today:
            return None  # the handler says why
        locale = await user_locale(session, env.catalogs, request.user.id, env.catalogs.default_locale)
        made = await make(session, env.catalogs.gettext(locale), member, branch, span, now)
        return Prepared((member.id, branch.id, span.label, locale), made)


@router.command("summary", chats=PRIVATE, menu=N_("activity summary of a month, quarter or year"), member=True,
                prepare=prepare_summary,
                help=N_("the activity summary, last month or any month, quarter or year: /summary {month}, "
                        "/summary 2026Q4, /summary 2026 (a member sees their own figures, the secretary, deputy and "
                        "organisation committee member the branch's)"))
async def show_summary(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    today = ctx.now.astimezone(ZoneInfo(branch.timezone)).date()
    span = asked(ctx.request.args, today)
    if span is None:
        ctx.reply(ctx.t(BAD_PERIOD).format(text=ctx.request.args.strip(), month=periods.last_month(today).label,
                                           quarter=periods.quarter_of(periods.months_after(today, -3)).label, year=today.year - 1))
        return
    if span.start > today:
        ctx.reply(ctx.t(NOT_BEGUN).format(period=span.label))
        return
    made = (ctx.prepared_for(member.id, branch.id, span.label, ctx.locale)
            or await make(ctx.session, ctx.t, member, branch, span, ctx.now))  # a role given meanwhile
    result = made.summary
    if not access.may(member, Can.VIEW_SUMMARY):
        ctx.reply(own_text(ctx.t, result, member.id, member.name))
        return
    await access.log(ctx, member, "summary.view", target=span.label)
    ctx.reply(group_text(ctx.t, result) + "\n\n" + detail_text(ctx.t, result,
                                                              with_dues=access.may(member, Can.MANAGE_DUES)))
    if made.chart is not None:
        await ctx.enqueue(f"summary-chart:{ctx.user_id}:{ctx.request.update_id}", ctx.user_id,
                          ctx.t(CHART_CAPTION).format(branch=branch.name, period=period_name(ctx.t, span)),
                          purpose="summary", photo=made.chart)
