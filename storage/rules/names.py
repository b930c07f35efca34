"""People's names as typed or as Telegram supplies them: one normal form, and when two are alike.

NFKC folds full-width letters and compatibility forms (Ｌｉ, ℌ) into their plain ones; format
characters (zero-width spaces and joiners, bidi controls such as U+202E, the BOM) and control
characters are invisible and only make two equal-looking names differ, so they are removed;
runs of white space become one space. A name that is empty after this is no name.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}  # controls, format (zero-width, bidi), surrogates, private, unassigned


def normalize_name(text: str | None) -> str:
    """The name as it is kept: NFKC, without invisible characters, single spaces; "" for none."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    visible = "".join(" " if c.isspace() else c for c in folded
                      if c.isspace() or unicodedata.category(c) not in _INVISIBLE)
    return " ".join(visible.split())


def name_key(text: str | None) -> str:
    """What two names must share to be the same name: the normal form, case-folded (which changes
    Latin, Greek and Cyrillic letters and leaves Chinese alone)."""
    return normalize_name(text).casefold()
