"""Translation catalogs (Babel .po files), loaded once and compiled in memory."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "branchbot"
SUPPORTED = ("zh_CN", "en")  # msgids are English, so "en" needs no catalog


def load(locale: str) -> gettext.NullTranslations:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Catalogs:
    def __init__(self, default_locale: str = "zh_CN") -> None:
        if default_locale not in SUPPORTED:
            raise ValueError(f"unsupported locale {default_locale!r}; choose one of {SUPPORTED}")
        self.default_locale = default_locale
        self._translations = {locale: load(locale) for locale in SUPPORTED}

    def gettext(self, locale: str):
        return self._translations.get(locale, self._translations[self.default_locale]).gettext

    @staticmethod
    @cache
    def locale_for(language_code: str | None) -> str | None:
        code = (language_code or "").strip().lower().replace("-", "_")
        if code.startswith("zh") or code in ("中文", "cn"):
            return "zh_CN"
        if code.startswith("en") or code == "english":
            return "en"
        return None
