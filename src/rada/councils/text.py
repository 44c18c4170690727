"""Sentences for people that another layer may show in another language.

The domain writes in English, but what it says reaches people on Czech pages too: a refusal
("you have already voted on this proposal"), a decision's summary ("Elected: Bo (stv, 3
ballots)."). So it says them as a :class:`Message`: an English template with named
parameters. ``str(message)`` is the English sentence (what the command line, the logs, the
database and the public record get); :meth:`Message.translate` looks the template up in a
gettext catalogue first, then fills in the parameters, translating those that are messages
themselves. The domain imports no i18n framework: the catalogue comes from the caller (the web
layer), and anything with ``gettext`` and ``ngettext`` methods will do.

Templates are marked with :func:`msg` (and :func:`nmsg` when a number decides the form, as in
"1 ballot", "2 ballots"), which Babel's extractor is told about (``babel.cfg`` at the top of
the repository), so every template reaches the catalogue, and a test fails when one has no
Czech translation. Parameters are written ``%(name)s`` (or ``%(name)r`` for a value quoted as
Python shows it); a template without parameters is used as it is.

Examples
--------
>>> refusal = msg("there is no post %(post)s", post=7)
>>> str(refusal)
'there is no post 7'
>>> str(nmsg("%(n)s ballot", "%(n)s ballots", 1)), str(nmsg("%(n)s ballot", "%(n)s ballots", 3))
('1 ballot', '3 ballots')
>>> class Czech:
...     def gettext(self, message: str) -> str:
...         return {"there is no post %(post)s": "příspěvek %(post)s neexistuje"}[message]
...     def ngettext(self, singular: str, plural: str, n: int) -> str:
...         return singular if n == 1 else plural
>>> refusal.translate(Czech())
'příspěvek 7 neexistuje'
>>> Message.from_dict(refusal.to_dict()) == refusal
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "Joined",
    "Message",
    "Translator",
    "joined",
    "msg",
    "nmsg",
    "translate",
    "with_moments",
]


class Translator(Protocol):
    """A gettext catalogue (``gettext.NullTranslations`` and its kind)."""

    def gettext(self, message: str, /) -> str:
        """The translation of ``message``, or ``message`` itself."""
        ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str:
        """The translation of the form that ``n`` needs."""
        ...


@dataclass(frozen=True)
class Message:
    """An English sentence template with named parameters, translatable later.

    ``plural`` is the plural template of a message whose form depends on the number in the
    parameter ``n`` (see :func:`nmsg`). Parameters are kept as given: text, numbers, other
    messages, or :class:`Joined` lists.
    """

    template: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None

    def __str__(self) -> str:
        return self.translate(None)

    def translate(self, translator: Translator | None) -> str:
        """The sentence in the translator's language (English without one)."""
        english = self._fill(self._english_template(), None)
        if translator is None:
            return english
        if self.plural is None:
            template = translator.gettext(self.template)
        else:
            template = translator.ngettext(self.template, self.plural, int(self.params["n"]))
        try:
            return self._fill(template, translator)
        except (KeyError, ValueError, TypeError):
            # A translation naming a parameter the message lacks: English beats a crash.
            return english

    def _english_template(self) -> str:
        if self.plural is None or int(self.params["n"]) == 1:
            return self.template
        return self.plural

    def _fill(self, template: str, translator: Translator | None) -> str:
        if not self.params:
            return template
        return template % {k: _render(v, translator) for k, v in self.params.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (numbers other than whole ones become their text)."""
        out: dict[str, Any] = {
            "template": self.template,
            "params": {k: _encode(v) for k, v in self.params.items()},
        }
        if self.plural is not None:
            out["plural"] = self.plural
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """Read :meth:`to_dict`'s mapping back."""
        return cls(
            str(data["template"]),
            {str(k): _decode(v) for k, v in dict(data.get("params", {})).items()},
            data.get("plural"),
        )


@dataclass(frozen=True)
class Joined:
    """Parameters shown one after another, e.g. the reasons of a decision ("; ")."""

    parts: tuple[Any, ...]
    separator: str = ", "

    def __str__(self) -> str:
        return self.translate(None)

    def translate(self, translator: Translator | None) -> str:
        """The parts, each translated when it is a message, joined by the separator."""
        return self.separator.join(str(_render(p, translator)) for p in self.parts)


def msg(template: str, /, **params: Any) -> Message:
    """Mark an English sentence for translation, with its parameters.

    The name is what Babel's extractor looks for (``keywords = msg nmsg:1,2``), so call it
    with the template written out as a string literal.
    """
    return Message(template, params)


def nmsg(singular: str, plural: str, n: int, /, **params: Any) -> Message:
    """Mark a sentence whose form depends on the number ``n`` (available as ``%(n)s``)."""
    return Message(singular, {"n": n, **params}, plural)


def joined(parts: Iterable[Any], separator: str = ", ") -> Joined:
    """Parameters shown as one list."""
    return Joined(tuple(parts), separator)


def translate(text: str | Message, translator: Translator | None) -> str:
    """A message in the translator's language; plain text as it is (already in its language)."""
    return text if isinstance(text, str) else text.translate(translator)


def _render(value: Any, translator: Translator | None) -> Any:
    if isinstance(value, Message | Joined):
        return value.translate(translator)
    if isinstance(value, datetime):
        # A moment, exact and unambiguous (the web says it in the reader's zone instead).
        return value.isoformat(timespec="minutes")
    return value


def with_moments(value: Any, say: Callable[[datetime], str]) -> Any:
    """``value`` (a message, a list of parts or a parameter) with every moment in it said by
    ``say``: how the pages put a refusal's times in the reader's zone and language.

    >>> from datetime import UTC
    >>> m = msg("voting closed at %(closed)s", closed=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    >>> str(m), str(with_moments(m, lambda t: t.strftime("%d.%m. %H:%M")))
    ('voting closed at 2026-01-02T03:04+00:00', 'voting closed at 02.01. 03:04')
    """
    if isinstance(value, Message):
        params = {k: with_moments(v, say) for k, v in value.params.items()}
        return Message(value.template, params, value.plural)
    if isinstance(value, Joined):
        return Joined(tuple(with_moments(p, say) for p in value.parts), value.separator)
    if isinstance(value, datetime):
        return say(value)
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, Message):
        return {"message": value.to_dict()}
    if isinstance(value, Joined):
        return {"join": [_encode(p) for p in value.parts], "separator": value.separator}
    if isinstance(value, str | int) and not isinstance(value, bool):
        return value
    return str(value)


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "message" in value:
        return Message.from_dict(value["message"])
    if isinstance(value, dict) and "join" in value:
        return Joined(tuple(_decode(p) for p in value["join"]), str(value["separator"]))
    return value
