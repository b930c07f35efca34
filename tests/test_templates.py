"""The roster templates shipped in templates/ import cleanly, and the README tells every allowed value."""

from __future__ import annotations

import csv
import runpy
from pathlib import Path

from openpyxl import load_workbook

from handlers.roster.import_file import parse_dues_category, parse_status
from storage.rules.vocabulary import DuesCategory, PartyStatus
from tests.test_flow import setup_branch

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "templates"
maker = runpy.run_path(str(TEMPLATES / "make_roster_xlsx.py"))


def csv_rows() -> list[list[str]]:
    with (TEMPLATES / "roster.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_workbook_is_the_csv_with_drop_down_lists(tmp_path):
    shipped = load_workbook(TEMPLATES / "roster.xlsx").active
    rows = [[("" if c is None else str(c)) for c in row] for row in shipped.iter_rows(values_only=True)]
    assert [r for r in rows if any(r)] == csv_rows()  # regenerate with templates/make_roster_xlsx.py
    lists = {str(v.sqref): v.formula1 for v in shipped.data_validations.dataValidation}
    assert any("积极分子" in f for f in lists.values()) and any("低保" in f for f in lists.values())


def test_every_allowed_value_is_understood_listed_in_the_template_maker_and_in_the_readme():
    assert {parse_status(v) for v in maker["STATUSES"]} == set(PartyStatus)
    assert {parse_dues_category(v) for v in maker["DUES_CATEGORIES"]} == set(DuesCategory)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for value in (*maker["STATUSES"], *maker["DUES_CATEGORIES"]):
        assert f"`{value}`" in readme, value
    assert "templates/roster.csv" in readme and "templates/roster.xlsx" in readme


def test_readme_examples_can_be_copied_as_they_stand():
    """A table cell cannot hold a bare |, and an escaped one is copied as \\| and breaks the command."""
    assert "\\|" not in (ROOT / "README.md").read_text(encoding="utf-8")


async def test_both_templates_import_every_example_row(bot):
    sec = await setup_branch(bot)
    for name in ("roster.csv", "roster.xlsx"):
        report = (await bot.upload(sec, name, (TEMPLATES / name).read_bytes()))[-1].text
        expected = "4 added" if name.endswith("csv") else "4 unchanged"  # the same people again
        assert expected in report and "Row" not in report, report
