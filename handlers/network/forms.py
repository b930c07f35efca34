"""What a member types about a household or a post, read and checked: pure, no database.

The one-line forms split on | (or the full-width ｜); a label keeps the brackets it was typed with
(王奶奶（空巢）) and loses only invisible characters and extra spaces.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from handlers.kit.i18n import N_, LazyText
from handlers.kit.sheets import fold
from handlers.roster import normalize_phone
from storage.network.households import HouseholdData
from storage.rules.vocabulary import HouseholdKind

MAX_LABEL = 100  # Household.label
MAX_ADDRESS = 200  # Household.address
MAX_POST_NAME = 50  # ServicePost.name
MAX_AREA = 200  # ServicePost.area
MAX_DESCRIPTION = 1000
MAX_TASK = 200  # PostTask.text

#: How the kinds are named to people (the README lists the words understood).
KIND_LABEL = {
    HouseholdKind.EMPTY_NEST: N_("empty-nest elderly"),
    HouseholdKind.LEFT_BEHIND: N_("left-behind children"),
    HouseholdKind.HARDSHIP: N_("household in hardship"),
    HouseholdKind.OTHER: N_("other"),
}

#: The words understood for each kind, in Chinese and English.
KIND_WORDS: dict[HouseholdKind, tuple[str, ...]] = {
    HouseholdKind.EMPTY_NEST: ("空巢老人", "空巢", "独居老人", "empty-nest elderly", "empty nest", "elderly"),
    HouseholdKind.LEFT_BEHIND: ("留守儿童", "留守", "left-behind children", "left-behind child", "left behind"),
    HouseholdKind.HARDSHIP: ("困难户", "困难群众", "困难家庭", "困难", "household in hardship", "hardship"),
    HouseholdKind.OTHER: ("其他", "其它", "other"),
}
_KINDS = {fold(word): kind for kind, words in KIND_WORDS.items() for word in words}


def parse_kind(text: str) -> HouseholdKind | None:
    """The kind written in ``text`` (空巢老人, 留守, hardship, …); None if not understood."""
    return _KINDS.get(fold(text or ""))


def clean_text(text: str | None) -> str:
    """``text`` without invisible characters, with single spaces; "" for none."""
    if not text:
        return ""
    visible = "".join(c for c in str(text) if c.isspace() or unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    return " ".join(visible.split())


def split_fields(args: str) -> list[str]:
    """The fields of a one-line form: split on | or ｜, each cleaned."""
    return [clean_text(p) for p in args.replace("｜", "|").split("|")]


def blank(value: str) -> bool:
    return value in ("", "-", "—", "无")


BAD_LABEL_EMPTY = N_("The household needs a name, such as 王奶奶（空巢）.")
BAD_LABEL_LONG = N_("The household's name has {length} characters; at most {limit} are allowed. Shorten it.")
BAD_KIND = N_("“{value}” is not a kind of household. Write one of 空巢老人, 留守儿童, 困难户, 其他.")
BAD_ADDRESS = N_("The address has {length} characters; at most {limit} are allowed. Shorten it.")
BAD_PHONE = N_("“{value}” is not a phone number. Write an 11-digit mobile number such as 13800138000, or a "
               "landline number with its area code.")


def _quoted(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


@dataclass(frozen=True)
class Checked:
    data: HouseholdData | None
    problems: list[LazyText]


def household(label: str, kind: str = "", address: str = "", phone: str = "") -> Checked:
    """A household's fields checked: the data, or every problem found (each a sentence that says what to fix).

    An empty kind is 其他; empty (or -) address and phone are none.
    """
    problems: list[LazyText] = []
    label, kind, address, phone = (clean_text(v) for v in (label, kind, address, phone))
    if blank(label):
        problems.append(LazyText(BAD_LABEL_EMPTY, {}))
    elif len(label) > MAX_LABEL:
        problems.append(LazyText(BAD_LABEL_LONG, {"length": len(label), "limit": MAX_LABEL}))
    found = HouseholdKind.OTHER if blank(kind) else parse_kind(kind)
    if found is None:
        problems.append(LazyText(BAD_KIND, {"value": _quoted(kind)}))
    if len(address) > MAX_ADDRESS:
        problems.append(LazyText(BAD_ADDRESS, {"length": len(address), "limit": MAX_ADDRESS}))
    number = None
    if not blank(phone):
        try:
            number = normalize_phone(phone)
        except ValueError:
            problems.append(LazyText(BAD_PHONE, {"value": _quoted(phone)}))
    if problems or found is None:
        return Checked(None, problems)
    return Checked(HouseholdData(label, found, None if blank(address) else address, number), [])
