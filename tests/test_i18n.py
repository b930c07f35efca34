"""The Chinese catalog covers every message in the source, and keeps what the code relies on."""

from __future__ import annotations

import ast
import re
import string
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES_DIR, Catalogs

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("handlers", "bot")
KEYWORDS = {"N_": None}
METHOD_MAP = [("**.py", "python")]
LOCALE = "zh_CN"
PO_PATH = LOCALES_DIR / LOCALE / "LC_MESSAGES" / f"{DOMAIN}.po"
HINT = "run python3 dev.py translations and translate them"
# A command such as /add or /checkin_for, but not the slash in Asia/Shanghai or GB18030/GBK.
COMMAND = re.compile(r"(?<![\w/.])/[a-z][a-z_]*")


@cache
def extracted() -> dict[str, list[str]]:
    """Every message marked with N_ in the source tree, with where it occurs."""
    messages: dict[str, list[str]] = {}
    for directory in SOURCE_DIRS:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / directory, method_map=METHOD_MAP, keywords=KEYWORDS
        ):
            if isinstance(message, str) and message:
                messages.setdefault(message, []).append(f"{directory}/{filename}:{lineno}")
    return messages


@cache
def catalog() -> Catalog:
    with PO_PATH.open("rb") as fp:
        return read_po(fp, locale=LOCALE)


def translations() -> dict[str, str]:
    return {m.id: m.string for m in catalog() if m.id and isinstance(m.id, str)}


def fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def test_extraction_finds_the_messages():
    messages = extracted()
    assert "Check in" in messages
    # Implicitly concatenated over several lines inside N_(...).
    assert any(m.startswith("Create an activity step by step with /new, or in one line:\n") for m in messages)
    assert any(m.startswith("Row {row}: ") for m in messages)


def test_babel_cfg_matches_the_extraction_checked_here():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, _options = parse_mapping_cfg(fp)
    assert method_map == METHOD_MAP


def test_every_marked_message_is_extractable():
    """N_ needs one plain string literal, outside f-strings (pybabel cannot look inside those on Python 3.11)."""
    problems = []
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            inside_fstrings = {
                id(node) for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr) for node in ast.walk(joined)
            }
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                literal = (
                    len(node.args) == 1
                    and not node.keywords
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                )
                if not literal:
                    problems.append(f"{where}: N_ takes exactly one string literal")
                elif id(node) in inside_fstrings:
                    problems.append(f"{where}: N_({node.args[0].value!r}) is inside an f-string; move it out")
    assert not problems, "messages the extractor cannot see:\n" + "\n".join(problems)


def test_every_message_has_a_chinese_translation():
    known = translations()
    missing = {m: where for m, where in extracted().items() if not known.get(m, "").strip()}
    assert not missing, (
        f"{len(missing)} message(s) have no {LOCALE} translation in {PO_PATH.relative_to(ROOT)}; {HINT}:\n"
        + "\n".join(f"  {message!r}  ({', '.join(where)})" for message, where in sorted(missing.items()))
    )


def test_translations_keep_the_placeholders():
    problems = []
    for msgid, msgstr in translations().items():
        if not msgstr:
            continue
        try:
            expected, found = fields(msgid), fields(msgstr)
        except ValueError as error:
            problems.append(f"{msgid!r}: {error}")
            continue
        if expected != found:
            problems.append(f"{msgid!r}: expects {sorted(expected)}, translation has {sorted(found)}")
    assert not problems, "\n".join(problems)


def test_translations_keep_line_breaks_and_commands():
    problems = []
    for msgid, msgstr in translations().items():
        if not msgstr:
            continue
        if msgid.count("\n") != msgstr.count("\n"):
            problems.append(f"{msgid!r}: {msgid.count(chr(10))} line breaks, translation has {msgstr.count(chr(10))}")
        lost = set(COMMAND.findall(msgid)) - set(COMMAND.findall(msgstr))
        if lost:
            problems.append(f"{msgid!r}: translation lost {sorted(lost)}")
    assert not problems, "\n".join(problems)


def test_catalog_has_no_fuzzy_or_obsolete_entries():
    cat = catalog()
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not cat.fuzzy, "the catalog header is marked fuzzy"
    assert not fuzzy, f"fuzzy entries (check and unmark them): {fuzzy}"
    assert not cat.obsolete, f"obsolete entries ({HINT}): {list(cat.obsolete)}"
    lines = PO_PATH.read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if line.startswith("#~")], "obsolete (#~) entries are left in the catalog"


def test_round_trip_through_the_runtime_catalogs():
    catalogs = Catalogs("zh_CN")
    zh = catalogs.gettext("zh_CN")
    assert zh("Check in") == "签到"
    assert zh("Ask for leave") == "请假"
    assert zh(", ") == "、"
    row_problem = next(m for m in extracted() if m.startswith("Row {row}: "))
    assert zh(row_problem).format_map(_Anything()).startswith("第 3 行：")
    assert catalogs.gettext("en")("Check in") == "Check in"


def test_unknown_locale_falls_back_to_the_default():
    assert Catalogs("zh_CN").gettext("fr")("Check in") == "签到"
    assert Catalogs("en").gettext("fr")("Check in") == "Check in"


class _Anything(dict):
    """Format parameters: row 3, and any other field filled in."""

    def __missing__(self, key: str) -> str:
        return "3" if key == "row" else f"<{key}>"


SAMPLE_LINK = "https://t.me/branch_test_bot?start=inv-AbC123_x"
LINK = re.compile(r"(?:https?://)?t\.me/\S*|\{link\}")


def test_every_link_is_followed_by_whitespace_or_the_end():
    """Telegram's link detection runs on to the next whitespace (CJK punctuation included), so a
    link glued to "（有效期至" opens a broken page. Checked in every catalog string that carries one."""
    texts = [(msgid, "en") for msgid in extracted()] + [(text, LOCALE) for text in translations().values() if text]
    carrying = [(text, lang) for text, lang in texts if LINK.search(text)]
    assert len(carrying) >= 4  # the invite line, the added-member reply, the QR caption, in both languages
    glued = []
    for text, lang in carrying:
        formatted = text.format_map({name: SAMPLE_LINK if name == "link" else "X" for name in fields(text)}) \
            if fields(text) else text
        for match in re.finditer(re.escape(SAMPLE_LINK) + r"|(?:https?://)?t\.me/[\x21-\x7e]*", formatted):
            after = formatted[match.end():match.end() + 1]
            if after and not after.isspace():
                glued.append((lang, text))
    assert not glued, f"a link runs into the text after it: {glued}"
