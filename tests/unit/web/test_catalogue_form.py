"""The Czech catalogue is a well-formed PO file as GNU gettext reads it, not only as Babel does:
Babel's reader passes over a line that belongs to no entry and lets a second definition of a
message replace the first, where ``msgfmt`` stops with "syntax error" and "duplicate message
definition". Until 2026-12-06 the catalogue held both: two forms of a plural left over after
"Forgotten your password?", and "At least 10 characters." twice."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rada.web.i18n import DOMAIN

CATALOGUE = (
    Path(__file__).resolve().parents[3] / "src" / "rada" / "web" / "locale" / "cs" / "LC_MESSAGES"
) / f"{DOMAIN}.po"

#: A keyword line: the keyword, its plural form's index if any, and the opening of its string.
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr)(?:\[(\d+)\])? "')


#: The order of an entry's keywords.
ORDER = {"msgctxt": 0, "msgid": 1, "msgid_plural": 2, "msgstr": 3}


@dataclass
class _Entry:
    """The keywords of one entry of a PO file so far (each with its plural index), their
    strings, and the line it starts on."""

    start: int = 0
    keywords: list[tuple[str, int | None]] = field(default_factory=list)
    strings: dict[str, str] = field(default_factory=dict)
    last: str = ""  # the keyword a string on the next line continues

    def add(self, keyword: str, at: int | None, number: int) -> str | None:
        """Take the ``keyword`` (plural index ``at``) on line ``number``: what is wrong with
        it here, if anything."""
        previous = self.keywords[-1] if self.keywords else None
        self.start = self.start or number
        self.keywords.append((keyword, at))
        self.last = keyword if at is None else f"{keyword}[{at}]"
        if keyword == "msgstr" and at is not None:
            plural = ("msgid_plural", None) in self.keywords
            expected = 0 if previous is None or previous[0] != "msgstr" else (previous[1] or 0) + 1
            if not plural or at != expected:
                return (f"line {number}: msgstr[{at}] does not follow msgid_plural, or a plural "
                        "form before it")  # fmt: skip
        elif previous is not None and ORDER[keyword] <= ORDER[previous[0]]:
            return f"line {number}: {keyword} after {previous[0]} in one entry"
        return None

    def ended(self, seen: dict[tuple[str, str], int]) -> list[str]:
        """What is wrong with the entry as a whole, given the messages ``seen`` before it
        (where it is added)."""
        if not self.keywords:
            return []
        found = []
        names = [k for k, _ in self.keywords]
        if "msgid" not in names or "msgstr" not in names:
            found.append(f"line {self.start}: an entry without msgid or msgstr")
        elif "msgid_plural" in names and self.keywords[-1][1] is None:
            found.append(f"line {self.start}: a plural message with a msgstr that has no index")
        key = (self.strings.get("msgctxt", ""), self.strings.get("msgid", ""))
        if key in seen and key != ("", ""):
            found.append(
                f'line {self.start}: "{key[1]}" is defined again (first at line {seen[key]})'
            )
        seen.setdefault(key, self.start)
        return found


def problems(text: str) -> list[str]:
    """What GNU gettext would refuse in the PO ``text``, each with its line: a line that is
    neither a comment, a keyword, a string continuing one nor blank; keywords out of order;
    plural forms without ``msgid_plural`` or the reverse, or numbered out of order; and a
    message (with its context) defined twice.

    >>> problems('msgid "a"\\nmsgstr "b"\\n\\nmsgid "a"\\nmsgstr "c"\\n')
    ['line 4: "a" is defined again (first at line 1)']
    >>> problems('msgid "a"\\nmsgstr "b"\\nmsgstr[1] "c"\\n')
    ['line 3: msgstr[1] does not follow msgid_plural, or a plural form before it']
    """
    found: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    entry = _Entry()
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#~"):  # an entry ends (obsolete ones too)
            found += entry.ended(seen)
            entry = _Entry()
        elif stripped.startswith("#"):
            continue
        elif stripped.startswith('"'):
            if entry.last:
                entry.strings[entry.last] += stripped[1:-1]
            else:
                found.append(f"line {number}: a string that continues no keyword")
        elif (match := KEYWORD.match(stripped)) is None:
            found.append(f"line {number}: not a PO line: {stripped[:40]!r}")
        else:
            index = match.group(2)
            wrong = entry.add(match.group(1), None if index is None else int(index), number)
            found += [wrong] if wrong else []
            entry.strings[entry.last] = stripped[stripped.index('"') + 1 : -1]
    return found + entry.ended(seen)


def test_the_czech_catalogue_is_well_formed_as_gnu_gettext_reads_it() -> None:
    assert problems(CATALOGUE.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('msgid "a"\nmsgstr "b"\n"c"\n\n"d"\n', "continues no keyword"),
        ('msgid "a"\nmsgstr "b"\nmsgid "c"\nmsgstr "d"\n', "msgid after msgstr"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\nmsgstr[2] "c"\n', "msgstr[2]"),
        ('msgid "a"\nmsgid_plural "as"\nmsgstr "b"\n', "no index"),
        ('msgid "a"\n\nmsgstr "b"\n', "without msgid or msgstr"),
        ('msgid "a"\nmsgstr "b"\nnonsense\n', "not a PO line"),
        ('msgctxt "x"\nmsgid "a"\nmsgstr "b"\n\nmsgctxt "x"\nmsgid "a"\nmsgstr "c"\n', "again"),
    ],
)
def test_each_kind_of_defect_is_named(text: str, said: str) -> None:
    assert any(said in problem for problem in problems(text)), problems(text)


def test_a_message_in_two_contexts_and_the_header_are_no_defect() -> None:
    text = (
        'msgid ""\nmsgstr ""\n"Language: cs\\n"\n\n'
        'msgctxt "x"\nmsgid "a"\nmsgstr "b"\n\nmsgctxt "y"\nmsgid "a"\nmsgstr "c"\n\n'
        '#~ msgid "old"\n#~ msgstr "staré"\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\n'
        'msgstr[0] "%(n)s den"\nmsgstr[1] "%(n)s dny"\nmsgstr[2] "%(n)s dní"\n'
    )
    assert problems(text) == []
