"""A branch's own table of holidays and working days, kept in its settings JSON.

Per branch rather than global: each secretary corrects only what their branch sees, and a
correction never changes another branch's calendar. The rules are in storage.rules.holidays.
"""

from __future__ import annotations

from datetime import date

from storage.models import Branch
from storage.rules.holidays import SETTINGS_KEY, Corrections


def corrections(branch: Branch) -> Corrections:
    return Corrections.from_json((branch.settings or {}).get(SETTINGS_KEY))


def mark(branch: Branch, day: date, *, off: bool) -> Corrections:
    """Mark ``day`` a holiday (``off``) or a working day for this branch; returns the new table."""
    table = corrections(branch).mark(day, off=off)
    branch.settings = {**(branch.settings or {}), SETTINGS_KEY: table.to_json()}
    return table
