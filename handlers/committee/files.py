"""The roll-up as a chart (PNG) and as an .xlsx: per-branch aggregates only, privately, through the outbox.

Both take a computed ``Rollup`` (storage.committee.rollup) and hold no name of a member and no
personal figure: one bar or one row per branch. They are drawn and written in a worker process
(handlers.kit.offload), and the arguments given to it are plain (they pickle).

- The chart: one panel per indicator's headline figure, one bar per branch, those falling short
  marked. A committee of many branches gets, per panel, the ``CHART_BARS`` lowest and a note saying
  so (the .xlsx has them all). A branch with no figure (no dues kept here) has no bar.
- The .xlsx: one sheet per indicator, one row per branch, a title row with the committee's name,
  the indicator and the period, and a last column marking those falling short ("—" for no figure).
"""

from __future__ import annotations

import re
from decimal import Decimal

from handlers.kit import charts, workbook
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import local_time
from storage.committee.rollup import Rollup
from storage.rules import rollup as rules

#: Bars per panel of the chart; the lowest are shown when there are more branches.
CHART_BARS = 25

KINDS = {"count": workbook.INTEGER, "percent": workbook.PERCENT, "yuan": workbook.MONEY, "hours": workbook.MONEY}
UNITS = {"percent": "%", "hours": " h", "yuan": ""}

FALLS_SHORT = N_("falls short")
FILE_NAME = N_("Roll-up")
NO_FIGURE = "—"


def _as_of(rollup: Rollup) -> str:
    return local_time(rollup.as_of, rollup.committee.timezone)[:10]


def title(t: Gettext, rollup: Rollup) -> str:
    return t(N_("{committee}: roll-up for {period}")).format(committee=rollup.committee.name,
                                                            period=rollup.period.label)


def filename(t: Gettext, rollup: Rollup, extension: str) -> str:
    name = f"{t(FILE_NAME)}-{rollup.committee.name}-{rollup.period.label}.{extension}"
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name)[:200]


def book(t: Gettext, rollup: Rollup) -> workbook.Book:
    """One sheet per indicator, one row per branch (see the module's note)."""
    sheets = []
    note = t(N_("As of {date}. Per-branch aggregates only. {mark}: falls short of the committee's line; "
                "— : no figure (the branch keeps none here).")).format(date=_as_of(rollup), mark=t(FALLS_SHORT))
    for indicator in rollup.indicators:
        _indicator, table = rollup.sheet(indicator.key)
        columns = [workbook.Column(t(N_("Branch")))]
        columns += [workbook.Column(t(c.label), KINDS.get(c.unit, workbook.INTEGER)) for c in indicator.columns]
        columns.append(workbook.Column(t(N_("Note"))))
        rows = []
        for row, (name, values) in zip(rollup.rows, table, strict=True):
            cells = [_value(c.unit, v) for c, v in zip(indicator.columns, values, strict=True)]
            mark = t(FALLS_SHORT) if row.cells[indicator.key].short else (
                NO_FIGURE if all(v is None for v in values) else "")
            rows.append([name, *cells, mark])
        sheets.append(workbook.Sheet(
            t(indicator.label), f"{rollup.committee.name} {t(indicator.label)} {rollup.period.label}",
            columns, rows, notes=[note]))
    return workbook.Book(sheets, properties={"title": title(t, rollup), "author": rollup.committee.name})


def _value(unit: str, value: rules.Value):
    if value is None:
        return None
    if unit == "percent":
        return Decimal(value) / 100  # the sheet's percent kind takes a fraction
    if unit in ("yuan", "hours"):
        return Decimal(value)
    return int(value)


def chart(t: Gettext, rollup: Rollup) -> tuple[str, list[charts.Bars], str]:
    """What ``charts.render`` takes: the title, one panel per indicator, and the note."""
    panels = []
    cut = False
    for indicator in rollup.indicators:
        column = next(c for c in indicator.columns if c.key == indicator.headline)
        bars = [(row.branch_name, float(row.cells[indicator.key].values[column.key]), row.cells[indicator.key].short)
                for row in rollup.rows if row.cells[indicator.key].values.get(column.key) is not None]
        if len(bars) > CHART_BARS:
            cut = True
            bars = sorted(bars, key=lambda bar: (bar[1], bar[0]))[:CHART_BARS]
        panels.append(charts.Bars(
            f"{t(indicator.label)}: {t(column.label)}", tuple(b[0] for b in bars), tuple(b[1] for b in bars),
            unit=UNITS.get(column.unit, ""), high=100.0 if column.unit == "percent" else None,
            short=tuple(b[2] for b in bars)))
    note = t(N_("As of {date}. * falls short. Per-branch aggregates only.")).format(date=_as_of(rollup))
    if cut:
        note += " " + t(N_("{count} branches: each panel shows the {shown} lowest; the .xlsx has them all.")).format(
            count=len(rollup.rows), shown=CHART_BARS)
    return title(t, rollup), panels, note


def chart_text(title_text: str, panels: list[charts.Bars], note: str) -> str:
    """Every character the chart draws (for checking that the font has them)."""
    return title_text + note + "".join(p.title + "".join(p.labels) + p.unit for p in panels)
