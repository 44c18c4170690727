"""Rendering pages: one Jinja2 environment per language, numbers formatted for that language.

Every page and fragment renders through :func:`render`::

    from rada.web.templating import render

    @router.get("/councils", name="councils")
    def councils(request: Request) -> HTMLResponse:
        return render(request, "councils/list.html", councils=...)

Templates extend ``base.html`` and put every user-facing string through gettext
(``{% trans %}...{% endtrans %}`` or ``{{ _("...") }}``); Python code that builds text for a page
uses :func:`gettext_for`. What the domain says (an error's message, a decision's summary) comes
as a :class:`~rada.councils.text.Message`: :func:`error_text` and :func:`say` put it in the
reader's language, and so does the ``say`` filter in templates (``{{ message|say }}``). Add the
new messages to ``locale/cs/LC_MESSAGES/rada.po``: a test extracts every message (the
templates', the web modules' and the domain's) and fails on one without a Czech translation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import nh3
from babel import Locale
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from rada.councils.errors import CouncilError
from rada.councils.text import Message, translate, with_moments
from rada.web.i18n import COOKIE, LANGUAGES, chosen_language, language_names, translations
from rada.web.preferences import unread_of
from rada.web.security import csrf_token, remember_presession
from rada.web.times import format_when, reader_zone, when
from rada.web.viewer import signed_in

__all__ = [
    "environment",
    "error_text",
    "format_bound",
    "format_exact",
    "format_fixed",
    "format_number",
    "format_percent_of",
    "format_quantity",
    "gettext_for",
    "markdown",
    "ngettext_for",
    "render",
    "render_string",
    "say",
]

#: A year, in seconds: how long a language picked with ``?lang=`` is remembered.
_COOKIE_AGE = 365 * 24 * 3600


def format_number(value: float, language: str) -> str:
    """A plan quantity for people, written as the language writes numbers: whole numbers when
    large, four significant digits below, down to 15 decimals (never scientific notation,
    which readers of a plan do not read: a shadow price of 1.25e-6 is 0.00000125).

    Examples
    --------
    >>> format_number(801796.00000002, "en"), format_number(801796.0, "cs")
    ('801,796', '801\\xa0796')
    >>> format_number(0.92214, "en"), format_number(650.5, "cs")
    ('0.9221', '650,5')
    >>> format_number(1.15e-06, "cs"), format_number(-1.2501e-6, "en")
    ('0,00000115', '-0.00000125')
    """
    if not math.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "–")
    magnitude = abs(value)
    if magnitude == 0:
        return format_decimal(0, locale=language)
    if magnitude >= 1000:
        return format_decimal(round(value), format="#,##0", locale=language)
    # Four significant digits, but no more than 15 decimals: below that a float's own
    # rounding speaks (1e-17 is written 0).
    digits = min(3 - math.floor(math.log10(magnitude)), 15)
    pattern = "#,##0." + "#" * digits if digits > 0 else "#,##0"
    rounded = round(value, digits)
    return format_decimal(rounded if rounded else 0, format=pattern, locale=language)


def format_quantity(value: float, unit: str, language: str) -> str:
    """A quantity and its unit, kept on one line ("801 796 mil. GBP"); the number alone when
    there is no unit.

    >>> format_quantity(801796.0, "mil. GBP", "cs") == "801\u00a0796\u00a0mil. GBP"
    True
    """
    number = format_number(value, language)
    return f"{number}\u00a0{unit}" if unit else number


def format_exact(value: str | float | Decimal, language: str) -> str:
    """A number as it was given (a declared capacity, ``"0.95"``), every digit kept, in the
    language's way: ``0,95`` in Czech.

    >>> format_exact("1234.5678", "cs"), format_exact("0.95", "en")
    ('1\xa0234,5678', '0.95')
    """
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return format_decimal(number, locale=language, decimal_quantization=False)


def format_fixed(value: float, places: int, language: str) -> str:
    """A number with exactly ``places`` decimals, in the language's way.

    >>> format_fixed(1.05, 4, "cs"), format_fixed(1.05, 4, "en")
    ('1,0500', '1.0500')
    """
    pattern = "#,##0." + "0" * places if places > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=language)


def format_bound(value: float, language: str) -> str:
    """A bound of a plan's certificate, to nine decimals, so that bounds that differ show it.

    >>> format_bound(4.855798014123, "cs"), format_bound(float("inf"), "en")
    ('4,855798014', '∞')
    """
    if not math.isfinite(value):
        return "∞" if value > 0 else "−∞"
    return str(format_decimal(value, format="#,##0.#########", locale=language))


@cache
def _percent_pattern(language: str) -> str:
    """The language's own percent pattern (``#,##0 %`` in Czech) with one decimal."""
    pattern = str(Locale.parse(language).percent_formats[None].pattern)
    return pattern.replace("0", "0.0", 1) if "." not in pattern else pattern


def format_percent_of(value: float, language: str) -> str:
    """A share as a percentage with one decimal, written as the language writes it.

    Examples
    --------
    >>> format_percent_of(0.98536, "en"), format_percent_of(0.98536, "cs")
    ('98.5%', '98,5\xa0%')
    """
    return format_percent(value, format=_percent_pattern(language), locale=language)


#: CommonMark without raw HTML (``html=False`` writes it out as text), and the tags a text
#: may keep once rendered: paragraphs, lists, emphasis, quotes, code, headings, tables, links.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "p", "br", "hr", "ul", "ol", "li", "em", "strong", "code", "pre", "blockquote", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def markdown(text: str) -> Markup:
    r"""A text written in CommonMark as safe HTML: raw HTML stays text, only plain tags and
    http(s)/mailto links survive, and links get ``rel="nofollow ugc"`` (the author's, not
    the instance's, recommendation). Headings start at level 3, under the page's own.

    The record keeps the source as written; this is only how a page shows it.

    Examples
    --------
    >>> print(markdown("Two things:\n\n- a *new* oven\n- [more](https://example.org)"))
    <p>Two things:</p>
    <ul>
    <li>a <em>new</em> oven</li>
    <li><a href="https://example.org" rel="nofollow ugc">more</a></li>
    </ul>
    <BLANKLINE>
    >>> print(markdown("<script>alert(1)</script> [x](javascript:alert(1))"))
    <p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>
    <BLANKLINE>
    """
    html = _MARKDOWN.render(text)
    for level in (2, 1):  # a text's headings sit under the page's h1 and h2
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc",
    )
    return Markup(cleaned)  # safe: cleaned by nh3 just above


@pass_context
def _url(context: Context, name: str, /, **params: Any) -> str:
    """The path of a named route, below the app's root path."""
    request: Request = context["request"]
    path = request.app.url_path_for(name, **{k: str(v) for k, v in params.items()})
    return str(request.scope.get("root_path", "")) + str(path)


@pass_context
def _with_language(context: Context, language: str) -> str:
    """This page's address in another language."""
    request: Request = context["request"]
    url = request.url.include_query_params(lang=language)
    return f"{url.path}?{url.query}"


def literal(value: Any) -> str:
    """A value as JSON writes it, for people to read: text in quotes, its characters as they
    are (the template escapes them for HTML; Jinja's ``tojson``, made for scripts, would show
    an apostrophe as ``\\u0027``).

    >>> print(literal("Workers' council"), literal(None), literal(3))
    "Workers' council" null 3
    """
    return json.dumps(value, ensure_ascii=False, default=str)


@cache
def environment(language: str) -> Environment:
    """The template environment of one language (built once, shared by all requests)."""
    env = Environment(
        loader=PackageLoader("rada.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Added by the i18n extension at run time, so unknown to the type checker.
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["number"] = lambda value: format_number(float(value), language)
    env.filters["bound"] = lambda value: format_bound(float(value), language)
    env.filters["exact"] = lambda value: format_exact(value, language)
    env.filters["fixed"] = lambda value, places=4: format_fixed(float(value), places, language)
    env.filters["quantity"] = lambda value, unit="": format_quantity(float(value), unit, language)
    env.filters["percent"] = lambda value: format_percent_of(float(value), language)
    env.filters["say"] = lambda text: translate(text, translations(language))
    env.filters["markdown"] = markdown
    env.filters["literal"] = literal
    env.globals.update(
        when=when,
        url=_url,
        with_language=_with_language,
        language=language,
        language_names=language_names(),
        languages=LANGUAGES,
    )
    return env


def gettext_for(request: Request) -> Callable[[str], str]:
    """The gettext of the reader's language, for text that Python code builds."""
    return translations(chosen_language(request)).gettext


def ngettext_for(request: Request) -> Callable[[str, str, int], str]:
    """The ngettext of the reader's language: the form a number needs (Czech has three:
    1 hodina, 2 hodiny, 5 hodin)."""
    return translations(chosen_language(request)).ngettext


def say(request: Request, text: str | Message) -> str:
    """A message of the domain in the reader's language (plain text as it is), its moments
    in the reader's time zone."""
    language = chosen_language(request)
    zone = reader_zone(request)
    text = with_moments(text, lambda moment: format_when(moment, zone, language))
    return translate(text, translations(language))


def error_text(request: Request, error: CouncilError) -> str:
    """What a refused action says, in the reader's language."""
    return say(request, error.message)


# The i18n extension's own functions: newstyle, so that ``{% trans count=n %}`` and
# ``_("%(x)s", x=...)`` format for themselves. A page's context that passed one of these
# names would hide them, and the template would fail only where it reached a plural.
_TRANSLATORS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})


def render_string(request: Request, template: str, context: Mapping[str, Any]) -> str:
    """A template rendered in the reader's language, as text.

    Raises
    ------
    TypeError
        Where the context names one of the environment's translation functions.
    """
    if shadowed := _TRANSLATORS.intersection(context):
        raise TypeError(f"{template}: the context hides the templates' {sorted(shadowed)}")
    env = environment(chosen_language(request))
    return env.get_template(template).render({**context, "request": request})


def _account(request: Request) -> dict[str, Any]:
    """Who is signed in, and the CSRF token of their session."""

    try:
        return {"viewer": signed_in(request), "csrf": csrf_token(request)}
    except (AttributeError, KeyError):  # an app without councils (no API context)
        return {"viewer": None, "csrf": ""}


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page or fragment in the reader's language; remembers a language picked by ``?lang=``.

    The header's account slot needs ``viewer`` (the signed-in person or None) and ``csrf``
    (for the sign-out form): a page that does not pass them gets them here; ``unread`` (the
    count of unread notices, from :mod:`rada.web.preferences`) likewise.
    """
    if "viewer" not in context or "csrf" not in context:
        context = {**_account(request), **context}
    context = {"unread": unread_of(request), **context}  # the header's count of notices
    response = HTMLResponse(
        render_string(request, template, context), status_code=status_code, headers=headers
    )
    response.headers["Vary"] = "Accept-Language, Cookie, HX-Request"
    if context.get("csrf"):
        remember_presession(request, response)
    picked = request.query_params.get("lang")
    if picked in LANGUAGES:
        response.set_cookie(COOKIE, picked, max_age=_COOKIE_AGE, samesite="lax", httponly=True)
    return response
