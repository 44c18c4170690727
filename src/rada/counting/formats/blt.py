"""The BLT ballot format (OpenSTV, eSTV, droop): read and write.

Layout, one item per line::

    <candidates> <seats>
    [-<withdrawn> ...]            optional: withdrawn candidates as negative numbers
    <weight> <pref1> <pref2> ... 0  one line per distinct ballot
    0                               end of ballots
    "<candidate name>"              one per candidate, quotes optional
    "<title>"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import methodcaller
from pathlib import Path

from rada.counting.ballots import BallotProblem, InvalidPolicy, Profile, clean_ranking
from rada.counting.errors import BallotFileError, InvalidBallotError


@dataclass(frozen=True)
class BltElection:
    """What a BLT file holds: the ballots, seats, title and withdrawn candidates."""

    profile: Profile
    seats: int
    title: str
    withdrawn: tuple[int, ...] = ()


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


def _ints(tokens: list[str], *, what: str, file: str, line: int) -> list[int]:
    try:
        return list(map(int, tokens))
    except ValueError:
        # int() also refuses some tokens isdigit() accepts ("²", more than 4,300 digits).
        bad = next(t for t in tokens if not _is_int(t))
        shown = bad if len(bad) <= 40 else f"{bad[:20]}...{bad[-8:]} ({len(bad)} characters)"
        raise BallotFileError(
            f"{what} must be whole numbers, found {shown!r}",
            file=file,
            line=line,
            hint="a BLT file starts '<candidates> <seats>'; ballot lines are "
            "'<weight> <pref> <pref> ... 0'",
        ) from None


def _ballot(
    row: str, n: int, *, file: str, line: int
) -> tuple[int, tuple[int, ...], str | None] | None:
    """A ballot line as (weight, valid ranking, fault), or None for the closing ``0``."""
    values = _ints(row.split(), what="a ballot's weight and preferences", file=file, line=line)
    if values == [0]:
        return None
    if len(values) < 2 or values[-1] != 0:
        raise BallotFileError(
            "a ballot line must be '<weight> <preferences...> 0'", file=file, line=line
        )
    weight = values[0]
    if weight <= 0:
        raise BallotFileError(f"ballot weight {weight} is not positive", file=file, line=line)
    ranking, fault = clean_ranking([v - 1 for v in values[1:-1]], n)
    return weight, ranking, fault


#: A ballot block in the plain form every real file uses: a positive weight, at least one
#: preference and the closing 0, ASCII digits without leading zeros, one space apart.
_PLAIN = re.compile(r"(?:[1-9][0-9]{0,17}(?: [1-9][0-9]{0,8})+ 0\n)*")


def _plain_ballots(
    rows: list[str], at: int, n: int
) -> tuple[dict[tuple[int, ...], int], int] | None:
    """The ballots from ``rows[at]`` to the closing ``0`` merged, and where the names begin.

    None unless every line is plain (see ``_PLAIN``) and names each of its candidates, all
    known, once. The checks run over the whole block at once, so a line costs a split and a
    look-up.
    """
    try:
        end = rows.index("0", at)
    except ValueError:
        return None
    block = rows[at:end]
    if not _PLAIN.fullmatch("\n".join(block) + "\n" if block else ""):
        return None
    lookup = {str(c + 1): c for c in range(n)}.__getitem__
    merged: dict[tuple[int, ...], int] = {}
    get = merged.get
    try:
        for row in block:
            tokens = row.split(" ")
            ranking = tuple(map(lookup, tokens[1:-1]))
            merged[ranking] = get(ranking, 0) + int(tokens[0])
    except KeyError:  # a candidate beyond n
        return None
    if sum(map(len, map(set, merged))) != sum(map(len, merged)):
        return None  # a candidate ranked twice somewhere
    return merged, end + 1


def _parse_plain(text: str) -> BltElection | None:
    """A plain BLT file read in one sweep, or None for :func:`parse_blt` to read line by line.

    Plain: no comments, a header of two positive whole numbers (at most 1,000 candidates), no
    withdrawn candidates, plain ballot lines (:func:`_plain_ballots`), then distinct names and
    perhaps a title. Nothing is raised here: whatever is not plain goes to the line-by-line
    reader, which says what is wrong and where.
    """
    rows = list(map(str.strip, text.splitlines()))
    if "" in rows:
        rows = [row for row in rows if row]
    if not rows or any(map(methodcaller("startswith", "#"), rows)):
        return None
    head = rows[0].split(" ")
    if len(head) != 2 or not all(
        t.isascii() and t.isdigit() and t[0] != "0" and len(t) <= 6 for t in head
    ):
        return None
    n, seats = int(head[0]), int(head[1])
    if n > 1_000:
        return None  # candidates are looked up in a table of n entries
    plain = _plain_ballots(rows, 1, n)
    if plain is None:
        return None
    merged, at = plain
    if len(rows) - at < n:
        return None
    names = tuple(_unquote(row) for row in rows[at : at + n])
    if len(set(names)) != n:
        return None
    title = _unquote(rows[at + n]) if len(rows) > at + n else ""
    # Every ranking is strict and every weight positive: checked over the block above.
    return BltElection(Profile.checked(names, tuple(merged), tuple(merged.values())), seats, title)


def _ballots(
    lines: list[tuple[int, str]], at: int, n: int, *, file: str, invalid: InvalidPolicy
) -> tuple[dict[tuple[int, ...], int], list[BallotProblem], int]:
    """Read the ballot lines from ``lines[at]`` to the closing ``0``, merging equal rankings.

    Returns the merged rankings with their weights, the problems and where the names begin.
    """
    merged: dict[tuple[int, ...], int] = {}
    problems: list[BallotProblem] = []
    # Many ballot lines repeat, so each distinct line is parsed once and then only counted.
    parsed: dict[str, tuple[int, tuple[int, ...], str | None] | None] = {}
    index = 0
    while True:
        if at >= len(lines):
            raise BallotFileError(
                "the ballots never end", file=file, hint="a line holding only 0 ends the ballots"
            )
        lineno, row = lines[at]
        at += 1
        if row in parsed:
            ballot = parsed[row]
        else:
            ballot = parsed[row] = _ballot(row, n, file=file, line=lineno)
        if ballot is None:
            return merged, problems, at
        weight, ranking, fault = ballot
        if fault is not None:
            if invalid == "reject":
                raise BallotFileError(f"invalid ballot: {fault}", file=file, line=lineno)
            action = "void" if not ranking else f"counted up to preference {len(ranking)}"
            problems.append(BallotProblem(index, fault, action, weight, lineno))
        if ranking:
            merged[ranking] = merged.get(ranking, 0) + weight
        index += 1


def parse_blt(
    text: str, *, file: str = "<input>", invalid: InvalidPolicy = "truncate"
) -> BltElection:
    """Parse BLT text.

    Parameters
    ----------
    text : str
        The file's contents.
    file : str
        The name used in error messages.
    invalid : {"truncate", "reject"}
        A ballot naming one candidate twice or an unknown candidate is counted up to the fault
        (``"truncate"``, as SSI 2007/42 rule 44 counts a paper up to its first defect), or
        raises :class:`BallotFileError` (``"reject"``). A ballot with no valid first
        preference is void either way and is reported in ``profile.problems``.

    Returns
    -------
    BltElection

    Raises
    ------
    BallotFileError
        The text is not BLT; the message names the line and what is wrong.

    Examples
    --------
    >>> e = parse_blt('2 1\\n3 1 2 0\\n2 2 0\\n0\\n"Ann"\\n"Bob"\\n"Test"\\n')
    >>> e.profile.candidates, e.profile.weights, e.seats, e.title
    (('Ann', 'Bob'), (3, 2), 1, 'Test')
    """
    plain = _parse_plain(text)
    if plain is not None:
        return plain
    lines = [
        (i, s)
        for i, s in enumerate(map(str.strip, text.splitlines()), start=1)
        if s and s[0] != "#"
    ]
    if not lines:
        raise BallotFileError("the file is empty", file=file, hint="is this a BLT file?")
    lineno, header = lines[0]
    head = _ints(header.split(), what="the candidates and seats", file=file, line=lineno)
    if len(head) != 2 or head[0] < 1 or head[1] < 1:
        raise BallotFileError(
            f"the first line must be '<candidates> <seats>', found {header!r}",
            file=file,
            line=lineno,
        )
    n, seats = head
    at = 1
    withdrawn: list[int] = []
    if at < len(lines) and lines[at][1].startswith("-"):
        lineno, row = lines[at]
        tokens = row.split()
        withdrawn = [
            -v - 1 for v in _ints(tokens, what="withdrawn candidates", file=file, line=lineno)
        ]
        if any(not 0 <= c < n for c in withdrawn):
            raise BallotFileError("a withdrawn candidate does not exist", file=file, line=lineno)
        at += 1
    merged, problems, at = _ballots(lines, at, n, file=file, invalid=invalid)
    if len(lines) - at < n:
        raise BallotFileError(
            f"expected {n} candidate names after the ballots, found {len(lines) - at}",
            file=file,
            line=lines[-1][0],
        )
    names = [_unquote(s) for _, s in lines[at : at + n]]
    title = _unquote(lines[at + n][1]) if len(lines) > at + n else ""
    if len(set(names)) != n:
        raise BallotFileError("two candidates have the same name", file=file, line=lines[at][0])
    try:
        profile = Profile(tuple(names), tuple(merged), tuple(merged.values()), tuple(problems))
    except InvalidBallotError as exc:  # pragma: no cover - clean_ranking already validated
        raise BallotFileError(str(exc), file=file) from exc
    return BltElection(profile, seats, title, tuple(withdrawn))


def read_blt(path: str | Path, *, invalid: InvalidPolicy = "truncate") -> BltElection:
    """Read a BLT file (see :func:`parse_blt`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BallotFileError(f"not UTF-8 text ({exc.reason})", file=str(p)) from exc
    return parse_blt(text, file=str(p), invalid=invalid)


def format_blt(election: BltElection) -> str:
    """Write an election as BLT text, names and title quoted.

    Examples
    --------
    >>> e = parse_blt("2 1\\n3 1 2 0\\n0\\nAnn\\nBob\\nTest")
    >>> print(format_blt(e), end="")
    2 1
    3 1 2 0
    0
    "Ann"
    "Bob"
    "Test"
    """
    profile = election.profile
    for name in (*profile.candidates, election.title):
        if '"' in name or "\n" in name:
            raise BallotFileError(f"cannot write {name!r} in BLT: it holds a quote or newline")
    out = [f"{len(profile.candidates)} {election.seats}"]
    if election.withdrawn:
        out.append(" ".join(str(-(c + 1)) for c in election.withdrawn))
    for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
        out.append(" ".join([str(weight), *(str(c + 1) for c in ranking), "0"]))
    out.append("0")
    out.extend(f'"{name}"' for name in profile.candidates)
    out.append(f'"{election.title}"')
    return "\n".join(out) + "\n"


def write_blt(election: BltElection, path: str | Path) -> None:
    """Write an election to a BLT file (see :func:`format_blt`)."""
    Path(path).write_text(format_blt(election), encoding="utf-8")
