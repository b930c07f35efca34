"""Activity summaries: the monthly post (aggregates and a chart in the group, the detail to the
officers entitled) and /summary for any month, quarter or year."""

from handlers.summary import commands
from handlers.summary.monthly import Summaries, draw
from handlers.summary.render import chart, chart_note, detail_text, group_text, own_text

router = commands.router

__all__ = ["Summaries", "chart", "chart_note", "detail_text", "draw", "group_text", "own_text", "router"]
