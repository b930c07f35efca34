"""Charts as PNG bytes: horizontal bars with Chinese labels, drawn headless (Agg) with a bundled font.

Pure: figures in, bytes out; nothing of storage, the bot or pyplot's global state. Any feature
draws with it (the monthly summary: attendance per activity; a committee: one bar per branch)::

    png = charts.render("第一党支部 2026-11", [charts.Bars("出勤率", ("11-06 主题党日", ...), (92.5, ...),
                                                       unit="%", high=100)])

``render`` is CPU-bound (a few hundred ms): call it through ``handlers.kit.offload.run`` from a
handler or the calendar, so that the event loop keeps serving others. Its arguments pickle.

The text is drawn with "Branchbot Sans SC" (a subset of Noto Sans CJK SC, see fonts/README.md),
then whatever else of ``FALLBACK`` the machine has for a character the subset lacks;
``missing(text)`` says which characters no available font can draw.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FONT_FILE = Path(__file__).resolve().parent / "fonts" / "BranchbotSansSC-Regular.otf"
FAMILY = "Branchbot Sans SC"
FALLBACK = (FAMILY, "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "DejaVu Sans")

WIDTH_INCHES = 8.0
DPI = 120
ROW_INCHES = 0.32  # per bar
MAX_BARS = 60  # per panel; a longer list is cut (the text carries the whole of it)

COLOUR = "#c0392b"  # the bars
SHORT = "#7f8c8d"  # bars marked as falling short
LINE = "#2c3e50"


@dataclass(frozen=True)
class Bars:
    """One panel: a bar per label. ``high``: the axis end (100 for a rate); ``short``: bars to mark
    as falling short (drawn grey, their label starred); ``line``: a reference value (a target)."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    unit: str = ""  # after each value: "%", " h"
    high: float | None = None
    short: tuple[bool, ...] = ()
    line: float | None = None

    def __post_init__(self) -> None:
        if len(self.labels) != len(self.values):
            raise ValueError("one value per label")
        if self.short and len(self.short) != len(self.values):
            raise ValueError("short marks one flag per bar")


@cache
def _fonts() -> tuple[str, ...]:
    """The families of FALLBACK this machine has, the bundled one registered first."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(FONT_FILE))
    have = {entry.name for entry in font_manager.fontManager.ttflist}
    return tuple(name for name in FALLBACK if name in have)


@cache
def _faces() -> tuple:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    faces = []
    for name in _fonts():
        path = font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
        faces.append(FT2Font(path))
    return tuple(faces)


def missing(text: str) -> set[str]:
    """The characters of ``text`` that no font of FALLBACK on this machine can draw (shown as boxes)."""
    faces = _faces()
    return {c for c in set(text) if not c.isspace() and not any(face.get_char_index(ord(c)) for face in faces)}


def _number(value: float, unit: str) -> str:
    shown = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{shown}{unit}"


def render(title: str, panels: Sequence[Bars], note: str | None = None) -> bytes:
    """A PNG of ``panels`` stacked under ``title``; ``note`` is a line of small print at the bottom."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    families = list(_fonts())
    panels = [p for p in panels if p.labels] or [Bars("", ("—",), (0.0,))]
    rows = [min(len(p.labels), MAX_BARS) for p in panels]
    height = 0.9 + sum(0.7 + ROW_INCHES * n for n in rows) + (0.3 if note else 0)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontfamily=families, fontsize=14)
    grid = figure.add_gridspec(len(panels), 1, height_ratios=[0.7 + ROW_INCHES * n for n in rows])
    for index, (panel, count) in enumerate(zip(panels, rows, strict=True)):
        axes = figure.add_subplot(grid[index])
        labels, values = list(panel.labels[:count]), list(panel.values[:count])
        short = list(panel.short[:count]) if panel.short else [False] * count
        positions = list(range(count))
        axes.barh(positions, values, color=[SHORT if s else COLOUR for s in short], height=0.6)
        axes.set_yticks(positions, [f"{label} *" if s else label for label, s in zip(labels, short, strict=True)],
                        fontfamily=families, fontsize=9)
        axes.invert_yaxis()  # the first label on top
        top = panel.high if panel.high is not None else max([*values, 1.0]) * 1.15
        axes.set_xlim(0, top * 1.08 if panel.high is not None else top)
        for position, value in zip(positions, values, strict=True):
            axes.text(value, position, " " + _number(value, panel.unit), va="center", fontsize=8,
                      fontfamily=families)
        if panel.line is not None:
            axes.axvline(panel.line, color=LINE, linewidth=1, linestyle="--")
        axes.set_title(panel.title, fontfamily=families, fontsize=11, loc="left")
        if all(float(v).is_integer() for v in values):  # counts: whole-number ticks
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="x", labelsize=8)
    if note:
        figure.text(0.01, 0.005, note, fontfamily=families, fontsize=8, color=LINE, va="bottom")
    figure.tight_layout(rect=(0, 0.03 if note else 0, 1, 0.97))
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
