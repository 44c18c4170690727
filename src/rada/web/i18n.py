"""Languages of the web pages: which one a reader gets, and the translations, compiled at start.

The Czech catalogue lives as a ``.po`` file in ``locale/cs/LC_MESSAGES/rada.po``; it is compiled
in memory with Babel when first needed, so running Rada needs no build step and the repository
holds no compiled ``.mo`` files. A reader's language comes, in this order, from ``?lang=``, the
``rada_lang`` cookie (set whenever ``?lang=`` picks a language, and when a signed-in person saves
their settings), the language a signed-in person saved in their settings (which
``rada.web.preferences`` puts in the request's scope as :data:`SAVED_LANGUAGE`), then
``Accept-Language``.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib.resources import files

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from starlette.requests import Request

__all__ = [
    "COOKIE",
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "SAVED_LANGUAGE",
    "chosen_language",
    "language_names",
    "translations",
]

#: The languages the pages are written in, English first (the source language).
LANGUAGES = ("en", "cs")
DEFAULT_LANGUAGE = "en"
DOMAIN = "rada"
COOKIE = "rada_lang"
#: The request scope's key for the language the signed-in reader saved, if any.
SAVED_LANGUAGE = "rada.saved_language"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language`` (English: the messages as written)."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    if language not in LANGUAGES:
        raise ValueError(f"Rada has no {language!r} translation")
    source = files("rada.web") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as handle:
        catalogue = read_po(handle, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are drafts nobody checked: leave them out, as msgfmt does.
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _accepted(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most preferred first."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def chosen_language(request: Request) -> str:
    """The language of the page for this request."""
    for candidate in (
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        request.scope.get(SAVED_LANGUAGE),
    ):
        if candidate in LANGUAGES:
            return candidate
    for tag in _accepted(request.headers.get("accept-language", "")):
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


@cache
def language_names() -> dict[str, str]:
    """Each language's name in itself, for the language switcher."""
    names: dict[str, str] = {}
    for code in LANGUAGES:
        try:
            names[code] = (Locale.parse(code).get_display_name(code) or code).capitalize()
        except UnknownLocaleError:
            names[code] = code
    return names
