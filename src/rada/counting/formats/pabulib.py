"""Pabulib ``.pb`` participatory-budgeting files: read and write.

Three sections, each a line with its name (``META``, ``PROJECTS``, ``VOTES``), a header row and
``;``-separated rows, CSV quoting allowed. Line endings may be CRLF, LF or mixed; fields are
trimmed. Money is kept exact as :class:`fractions.Fraction` (a budget may be ``740793.05``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from operator import itemgetter
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from rada.counting.ballots import BallotProblem
from rada.counting.budget import Ballots, PbMeta, PbProfile, PbProject, merge_votes
from rada.counting.errors import BallotFileError

__all__ = [
    "PbInstance",
    "PbProfile",
    "PbProject",
    "PbVote",
    "as_profile",
    "format_pb",
    "parse_pb",
    "parse_pb_profile",
    "read_pb",
    "read_pb_profile",
    "write_pb",
]

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "cumulative", "ordinal", "choose-1", "scoring")


@dataclass(frozen=True)
class PbVote:
    """One voter's ballot: project ids (a set for approval, a ranking for ordinal) and points."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbInstance(PbMeta):
    """A participatory-budgeting election as a pabulib file describes it."""

    meta: Mapping[str, str]
    projects: tuple[PbProject, ...]
    votes: tuple[PbVote, ...]
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")
    problems: tuple[BallotProblem, ...] = ()

    def project(self, project_id: str) -> PbProject:
        """The project with this id."""
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    def profile(self) -> PbProfile:
        """The same election with identical ballots merged (what the rules count)."""
        ballots, points, weights = merge_votes(
            self.projects, ((v.projects, v.points) for v in self.votes)
        )
        return PbProfile(self.meta, self.projects, ballots, points, weights, self.problems)


def as_profile(election: PbInstance | PbProfile) -> PbProfile:
    """``election`` with identical ballots merged (a profile is returned as it is)."""
    return election if isinstance(election, PbProfile) else election.profile()


#: The largest amount a file may hold (a cost, a budget) and the most decimal places, as for
#: amounts in councils: money beyond 10^15 is a typo, and a bound keeps exact arithmetic quick
#: (``Fraction("1e999999999")`` would build a billion-digit number).
MAX_AMOUNT = Fraction(10**15)
AMOUNT_PLACES = 30
#: META keys that hold amounts and whole numbers, checked when read so no rule meets a bad one.
META_AMOUNTS = (
    "budget", "max_sum_cost", "min_sum_cost", "max_sum_points", "min_sum_points",
    "min_project_score_threshold",
)  # fmt: skip
META_WHOLE = ("max_length", "min_length", "num_projects", "num_votes")


def _number(text: str, *, what: str, file: str, line: int, positive: bool = False) -> Fraction:
    """An exact amount: a decimal (``740793.05``, ``1.5e3``) or ``n/d`` as :func:`format_pb`
    writes it; finite, at most 10^15 with at most 30 places, >= 0 (> 0 if ``positive``)."""
    text = text.strip()
    value = _parse_amount(text) if len(text) <= 40 else None
    if value is None:
        raise BallotFileError(f"{what} {text!r} is not a number", file=file, line=line)
    if isinstance(value, str):
        raise BallotFileError(f"{what} {text!r} {value}", file=file, line=line)
    if value < 0:
        raise BallotFileError(f"{what} {text!r} is negative", file=file, line=line)
    if positive and value == 0:
        raise BallotFileError(f"{what} {text!r} is not positive", file=file, line=line)
    if value > MAX_AMOUNT:
        raise _out_of_range(text, what=what, file=file, line=line)
    return value


def _parse_amount(text: str) -> Fraction | str | None:
    """The exact value, or what is wrong with it, or None for text that is no number."""
    try:
        exact = Decimal(text)
    except InvalidOperation:
        if "/" not in text:
            return None
        try:
            return Fraction(text)  # n/d: digits only, so no exponent to blow up
        except (ValueError, ZeroDivisionError):
            return None
    if not exact.is_finite():
        return "is not a finite number"
    # Checked before Fraction(), which would expand an exponent like 1e999999999 in full.
    if exact.adjusted() > 15 or exact.as_tuple().exponent < -AMOUNT_PLACES:  # type: ignore[operator]
        return f"is out of range: at most 10^15, with at most {AMOUNT_PLACES} decimal places"
    return Fraction(exact)


def _out_of_range(text: str, *, what: str, file: str, line: int) -> BallotFileError:
    return BallotFileError(
        f"{what} {text!r} is out of range: at most 10^15, with at most {AMOUNT_PLACES} "
        "decimal places",
        file=file,
        line=line,
    )


def _whole(text: str, *, what: str, file: str, line: int) -> int:
    """A whole number >= 0 in ASCII digits (at most 18 of them)."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise BallotFileError(f"{what} {text!r} is not a whole number >= 0", file=file, line=line)
    return int(text)


def _split_sections(
    text: str, file: str, *, required: tuple[str, ...] = SECTIONS
) -> dict[str, list[tuple[int, list[str]]]]:
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.strip() in SECTIONS:
            current = raw.strip()
            if current in sections:
                raise BallotFileError(f"section {current} appears twice", file=file, line=number)
            sections[current] = []
            continue
        if current is None:
            raise BallotFileError(
                "expected the META section first",
                file=file,
                line=number,
                hint="a .pb file starts with a line holding only META",
            )
        # Only a line with a quote needs the CSV reader; without one it splits the same.
        if '"' in raw:
            try:
                row = next(csv.reader([raw], delimiter=";"))
            except csv.Error as exc:
                raise BallotFileError(f"not a CSV row: {exc}", file=file, line=number) from None
        else:
            row = raw.split(";")
        sections[current].append((number, [cell.strip() for cell in row]))
    for name in required:
        if name not in sections or not sections[name]:
            raise BallotFileError(f"the {name} section is missing or has no header", file=file)
    return sections


def _table(
    rows: list[tuple[int, list[str]]], *, needed: tuple[str, ...], section: str, file: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    header_line, header = rows[0]
    for column in needed:
        if column not in header:
            raise BallotFileError(
                f"the {section} header lacks the column {column!r}", file=file, line=header_line
            )
    records = []
    for number, cells in rows[1:]:
        if len(cells) != len(header):
            raise BallotFileError(
                f"expected {len(header)} fields as in the {section} header, found {len(cells)}",
                file=file,
                line=number,
            )
        records.append((number, dict(zip(header, cells, strict=True))))
    return header, records


def _check_vote(
    text: str, ids: set[str], *, ordinal: bool, file: str, line: int
) -> tuple[list[str], list[int], str | None, str | None]:
    """A vote's project ids, the positions kept, and its first and last fault (if any).

    A repeated project is dropped; an ordinal vote counts up to its first repeat. A project
    the file does not list is an error.
    """
    chosen = [v for v in map(str.strip, text.split(",")) if v]
    if ids.issuperset(chosen) and len(set(chosen)) == len(chosen):
        return chosen, list(range(len(chosen))), None, None  # the common case, in one go
    unknown = next((pid for pid in chosen if pid not in ids), None)
    if unknown is not None:
        raise BallotFileError(
            f"the vote names project {unknown!r}, which PROJECTS does not list",
            file=file,
            line=line,
        )
    kept: list[int] = []
    seen: set[str] = set()
    first: str | None = None
    fault: str | None = None
    for position, pid in enumerate(chosen):
        if pid in seen:
            fault = f"vote names project {pid!r} twice"
        else:
            kept.append(position)
            seen.add(pid)
            continue
        first = first or fault
        if ordinal:
            break
    return chosen, kept, first, fault


def _check_voters(rows: list[tuple[int, dict[str, str]]], *, file: str) -> None:
    """Refuse a voter id that appears twice (one ballot per voter), naming both lines."""
    voters = [row["voter_id"] for _, row in rows]
    if len(set(voters)) == len(voters):
        return
    first: dict[str, int] = {}
    for number, row in rows:
        voter = row["voter_id"]
        if voter in first:
            raise BallotFileError(
                f"voter id {voter!r} appears twice, on lines {first[voter]} and {number}",
                file=file,
                line=number,
                hint="each voter has one row in VOTES",
            )
        first[voter] = number


def _head(
    sections: dict[str, list[tuple[int, list[str]]]], file: str
) -> tuple[dict[str, str], list[PbProject], list[str]]:
    """META (its numbers checked) and the projects, with the PROJECTS header."""
    meta: dict[str, str] = {}
    for number, cells in sections["META"][1:]:
        if len(cells) < 2:
            raise BallotFileError("a META row must be 'key;value'", file=file, line=number)
        meta[cells[0]] = ";".join(cells[1:])
    if "budget" not in meta:
        raise BallotFileError("META has no budget", file=file, hint="add a 'budget;<amount>' row")
    for number, cells in sections["META"][1:]:
        key, value = cells[0], ";".join(cells[1:])
        if value == "" and key != "budget":
            continue  # an optional number left blank
        if key in META_AMOUNTS:
            _number(value, what=key, file=file, line=number, positive=key == "budget")
        elif key in META_WHOLE:
            _whole(value, what=key, file=file, line=number)
    project_header, project_rows = _table(
        sections["PROJECTS"], needed=("project_id", "cost"), section="PROJECTS", file=file
    )
    projects: list[PbProject] = []
    ids: set[str] = set()
    for number, row in project_rows:
        pid = row["project_id"]
        if pid in ids:
            raise BallotFileError(f"project id {pid!r} appears twice", file=file, line=number)
        ids.add(pid)
        cost = _number(row["cost"], what="cost", file=file, line=number)
        projects.append(PbProject(pid, cost, row))
    return meta, projects, project_header


def parse_pb(
    text: str, *, file: str = "<input>", invalid: Literal["truncate", "reject"] = "truncate"
) -> PbInstance:
    """Parse the text of a pabulib ``.pb`` file.

    Parameters
    ----------
    text : str
        The file's contents.
    file : str
        The name used in error messages.
    invalid : {"truncate", "reject"}
        A vote naming one project twice keeps its valid part and is reported in ``problems``
        (``"truncate"``; an ordinal vote counts up to the repeat), or raises
        :class:`BallotFileError` (``"reject"``).

    Raises
    ------
    BallotFileError
        Naming the file and line: a malformed section or row; a cost, budget or other META
        amount that is not a finite number from 0 to 10^15 (``1e400``, ``NaN``, ``Infinity``,
        a negative; a budget of 0); a project id listed twice; a vote naming a project the
        PROJECTS section does not list (whatever ``invalid`` says: the file contradicts
        itself, and dropping the vote would change the outcome unseen); a voter id that
        appears twice (both lines are named).

    Returns
    -------
    PbInstance

    Examples
    --------
    >>> pb = parse_pb("META\\nkey;value\\nbudget;10\\nPROJECTS\\nproject_id;cost\\n"
    ...               "a;6\\nb;5\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;b")
    >>> pb.budget, [p.id for p in pb.projects], pb.votes[0].projects
    (Fraction(10, 1), ['a', 'b'], ('a', 'b'))
    """
    sections = _split_sections(text, file)
    meta, projects, project_header = _head(sections, file)
    ids = {p.id for p in projects}
    vote_header, vote_rows = _table(
        sections["VOTES"], needed=("voter_id", "vote"), section="VOTES", file=file
    )
    votes: list[PbVote] = []
    problems: list[BallotProblem] = []
    # Many voters cast the same vote, so each distinct vote text is checked once.
    checked: dict[str, tuple[list[str], list[int], str | None, str | None]] = {}
    ordinal = meta.get("vote_type") == "ordinal"
    _check_voters(vote_rows, file=file)
    for index, (number, row) in enumerate(vote_rows):
        text = row["vote"]
        if text not in checked:
            checked[text] = _check_vote(text, ids, ordinal=ordinal, file=file, line=number)
        chosen, kept, first_fault, fault = checked[text]
        points: list[int] | None = None
        if "points" in row:
            try:
                points = [int(v) for v in row["points"].split(",") if v.strip()]
            except ValueError:
                raise BallotFileError(
                    f"points {row['points']!r} are not whole numbers", file=file, line=number
                ) from None
            if len(points) != len(chosen):
                raise BallotFileError(
                    f"{len(chosen)} projects but {len(points)} points", file=file, line=number
                )
        if fault is not None:
            if invalid == "reject":
                raise BallotFileError(f"invalid vote: {first_fault}", file=file, line=number)
            problems.append(BallotProblem(index, fault, f"kept {len(kept)} projects", 1, number))
        votes.append(
            PbVote(
                row["voter_id"],
                tuple(chosen[k] for k in kept),
                None if points is None else tuple(points[k] for k in kept),
                row,
            )
        )
    return PbInstance(
        meta,
        tuple(projects),
        tuple(votes),
        tuple(project_header),
        tuple(vote_header),
        tuple(problems),
    )


def read_pb(path: str | Path, *, invalid: Literal["truncate", "reject"] = "truncate") -> PbInstance:
    """Read a pabulib ``.pb`` file (see :func:`parse_pb`)."""
    p = Path(path)
    return parse_pb(_read_text(p), file=str(p), invalid=invalid)


#: The VOTES section's heading as nearly every file writes it: alone on its line.
_VOTES_LINE = re.compile(r"^VOTES\r?$", re.MULTILINE)


def _plain_profile(text: str, file: str) -> PbProfile | None:
    """The election in ``text`` with identical ballots merged, read in one sweep; or None.

    A plain file (a VOTES heading alone on its line, no quotes among the votes, every row as
    wide as the header, distinct voter ids, every vote naming known projects once and points
    that match) is read keeping only what the rules need: each row is split and its vote
    counted, and each distinct vote is checked once. Anything else returns None and
    :func:`parse_pb` reads the file line by line and says what is wrong where.
    """
    found = _VOTES_LINE.search(text)
    if found is None:
        return None
    body = text[found.end() :]
    if '"' in body:
        return None
    try:
        sections = _split_sections(text[: found.start()], file, required=SECTIONS[:2])
        if "VOTES" in sections:
            return None
        meta, projects, _ = _head(sections, file)
    except BallotFileError:
        return None  # parse_pb finds it, or an error that comes before it
    counted = _count_votes(body)
    if counted is None:
        return None
    merged = _merge_counted(counted, projects, ordinal=meta.get("vote_type") == "ordinal")
    if merged is None:
        return None
    ballots, points, weights = merged
    return PbProfile(meta, tuple(projects), ballots, points, weights)


#: Line breaks that str.splitlines() knows besides "\n" (after "\r\n" became "\n"), ASCII first.
_ASCII_BREAKS = "\r\v\f\x1c\x1d\x1e"
_OTHER_BREAKS = "\x85\u2028\u2029"


@dataclass(frozen=True)
class _Votes:
    """The VOTES section read as bytes: each distinct vote (with its points, if the file has a
    points column) as where its cells lie in ``data``, and how many rows cast it."""

    data: bytes
    starts: npt.NDArray[np.int64]  # (distinct votes, 1 or 2): the vote's cell, the points' cell
    ends: npt.NDArray[np.int64]
    counts: list[int]

    @property
    def with_points(self) -> bool:
        """Whether the file has a points column (kept beside each vote)."""
        return bool(self.starts.shape[1] > 1)

    def column(self, k: int) -> list[str]:
        """Column k's text in each distinct vote (no cell holds a newline)."""
        cut = map(slice, self.starts[:, k].tolist(), self.ends[:, k].tolist())
        return b"\n".join(map(self.data.__getitem__, cut)).decode().split("\n")

    def texts(self) -> dict[str, int]:
        """Each distinct vote's text (then a newline and its points' text) and its count."""
        texts = self.column(0)
        if self.with_points:
            texts = list(map("\n".join, zip(texts, self.column(1), strict=True)))
        return dict(zip(texts, self.counts, strict=True))


def _count_votes(body: str) -> _Votes | None:
    """The distinct votes of a VOTES section and how many rows cast each, in order of first
    appearance; None when a row is blank or not as wide as the header, or a voter id is
    repeated or has blanks at its edges (the line-by-line reader trims it).

    The rows are taken apart as bytes by NumPy (every cell's bounds at once) and identical
    votes found by sorting a hash of their bytes, checked byte for byte, so no Python code runs
    per row.
    """
    body = body.replace("\r\n", "\n").rstrip("\n")
    # One fast search per character (a regular expression over the whole text is slower).
    if any(c in body for c in _ASCII_BREAKS) or (
        not body.isascii() and any(c in body for c in _OTHER_BREAKS)
    ):
        return None
    if "\n\n" in body or not body.startswith("\n"):
        return None
    header_line, _, rows = body[1:].partition("\n")
    header = [cell.strip() for cell in header_line.split(";")]
    if len(set(header)) != len(header) or not {"voter_id", "vote"} <= set(header):
        return None
    keys = [header.index(name) for name in ("vote", "points") if name in header]
    if not rows:
        return _Votes(
            b"", np.zeros((0, len(keys)), np.int64), np.zeros((0, len(keys)), np.int64), []
        )
    data = rows.encode()
    buf = np.frombuffer(data, dtype=np.uint8)
    cells = _cells(buf, len(header))
    if cells is None:
        return None
    starts, ends = cells
    voter = header.index("voter_id")
    if not _distinct_voters(buf, starts[:, voter], ends[:, voter]):
        return None
    found = _distinct(buf, starts[:, keys], ends[:, keys])
    if found is None:
        return None
    first, counts = found
    return _Votes(data, starts[first][:, keys], ends[first][:, keys], counts.tolist())


_Index = npt.NDArray[np.int64]
_SEMICOLON, _NEWLINE = ord(";"), ord("\n")
#: Bytes that str.strip() may remove at a cell's edge (any non-ASCII byte may begin one).
_TRIMMABLE = np.zeros(256, dtype=bool)
_TRIMMABLE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, *range(128, 256)]] = True
#: The most bytes the padded copy of one column may take before the reader gives up the fast way.
_PADDED_BYTES = 1 << 27


def _cells(buf: npt.NDArray[np.uint8], width: int) -> tuple[_Index, _Index] | None:
    """Where each cell of ``buf`` (rows joined by newlines) starts and ends, each of shape
    (rows, width); None when some row has more or fewer than ``width`` cells.

    Examples
    --------
    >>> starts, ends = _cells(np.frombuffer(b"1;ab\\n22;c", dtype=np.uint8), 2)
    >>> starts.tolist(), ends.tolist()
    ([[0, 2], [5, 8]], [[1, 4], [7, 9]])
    >>> _cells(np.frombuffer(b"1;ab\\n22", dtype=np.uint8), 2) is None
    True
    """
    bounds = np.flatnonzero((buf == _SEMICOLON) | (buf == _NEWLINE))
    rows = int(np.count_nonzero(buf[bounds] == _NEWLINE)) + 1
    if len(bounds) + 1 != rows * width:
        return None
    ends = np.append(bounds, len(buf))
    # rows - 1 newlines, each where a row must end: then every other bound is a semicolon.
    if not (buf[ends[width - 1 : -1 : width]] == _NEWLINE).all():
        return None
    starts = np.empty_like(ends)
    starts[0] = 0
    np.add(bounds, 1, out=starts[1:])
    return starts.reshape(rows, width), ends.reshape(rows, width)


def _padded(
    buf: npt.NDArray[np.uint8], starts: _Index, ends: _Index
) -> npt.NDArray[np.uint64] | None:
    """Each cell's bytes zero-padded to whole 8-byte words, then its length: one row of words
    per cell, equal rows for equal cells; None when that copy would be too large."""
    lengths = ends - starts
    width = max(8, -(-int(lengths.max()) // 8) * 8)
    if len(lengths) * width > _PADDED_BYTES:
        return None
    tail = np.zeros(len(buf) + width, dtype=np.uint8)
    tail[: len(buf)] = buf
    # Row i of the window view is the width bytes from i: one gather copies every cell.
    cells = np.lib.stride_tricks.sliding_window_view(tail, width)[starts]
    cells *= np.arange(width) < lengths[:, None]
    return np.hstack([cells.view(np.uint64), lengths.astype(np.uint64)[:, None]])


def _digest(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each row of words (a multiply-xorshift mix of each word in turn)."""
    digest = np.full(len(words), 0x9E3779B97F4A7C15, dtype=np.uint64)
    for column in words.T:
        digest ^= column
        digest *= np.uint64(0xBF58476D1CE4E5B9)
        digest ^= digest >> np.uint64(31)
    return digest


def _distinct(
    buf: npt.NDArray[np.uint8], starts: _Index, ends: _Index
) -> tuple[_Index, _Index] | None:
    """Rows whose cells (the columns of ``starts``/``ends``) hold the same bytes, grouped: the
    first row of each group, in order of first appearance, and how many rows it has; None when
    two different rows share a hash (or a padded copy would be too large).

    Examples
    --------
    >>> buf = np.frombuffer(b"ab;c;ab;d;ab;c", dtype=np.uint8)
    >>> first, counts = _distinct(buf, np.array([[0, 3], [5, 8], [10, 13]]),
    ...                           np.array([[2, 4], [7, 9], [12, 14]]))
    >>> first.tolist(), counts.tolist()
    ([0, 1], [2, 1])
    """
    parts = [_padded(buf, starts[:, c], ends[:, c]) for c in range(starts.shape[1])]
    if any(p is None for p in parts):
        return None
    words = np.hstack([p for p in parts if p is not None])
    digest = _digest(words)
    _, first, inverse, counts = np.unique(
        digest, return_index=True, return_inverse=True, return_counts=True
    )
    if not np.array_equal(words, words[first[inverse.ravel()]]):
        return None  # two different votes with one hash: the line-by-line reader counts them
    order = np.argsort(first)
    return first[order], counts[order]


def _distinct_voters(buf: npt.NDArray[np.uint8], starts: _Index, ends: _Index) -> bool:
    """True when no two voter ids are equal and none may have blanks to trim at an edge
    (False too when two ids share a hash: the line-by-line reader looks at them)."""
    filled = ends > starts
    edges = np.concatenate([buf[starts[filled]], buf[ends[filled] - 1]])
    if _TRIMMABLE[edges].any():
        return False
    words = _padded(buf, starts, ends)
    if words is None:
        return False
    digest = np.sort(_digest(words))
    return not bool((digest[1:] == digest[:-1]).any())


#: Distinct ballots, their points (or None) and how many voters cast each.
_Merged = tuple[Sequence[tuple[int, ...]], tuple[tuple[int, ...], ...] | None, tuple[int, ...]]


def _merge_counted(votes: _Votes, projects: list[PbProject], *, ordinal: bool) -> _Merged | None:
    """Distinct ballots as project indices, their points (when the file has them) and voters;
    None at the first vote with a fault, unknown project or bad points."""
    with_points = votes.with_points
    if not with_points:
        numeric = _numeric_ballots(votes, projects)
        if numeric is not None:
            return numeric, None, tuple(votes.counts)
    counts = votes.texts()
    index = {p.id: i for i, p in enumerate(projects)}
    if not with_points and "" not in index:
        # Votes of exact ids ("12,7,30") are looked up in one go; distinct texts of exact ids
        # are distinct ballots, so nothing needs merging again.
        lookup = index.__getitem__
        try:
            ballots = [tuple(map(lookup, vote.split(","))) for vote in counts]
        except KeyError:  # spaces, an empty part or an unknown id: read each vote in full
            pass
        else:
            if sum(map(len, map(set, ballots))) != sum(map(len, ballots)):
                return None  # a vote names a project twice: parse_pb reports it
            return tuple(ballots), None, tuple(counts.values())
    ids = set(index)
    merged: dict[tuple[tuple[int, ...], tuple[int, ...] | None], int] = {}
    for key, count in counts.items():
        vote, _, raw_points = key.partition("\n")
        try:
            chosen, _, fault, _ = _check_vote(vote, ids, ordinal=ordinal, file="", line=0)
        except BallotFileError:
            return None
        if fault is not None:
            return None
        points: tuple[int, ...] | None = None
        if with_points:
            try:
                points = tuple(int(v) for v in raw_points.split(",") if v.strip())
            except ValueError:
                return None
            if len(points) != len(chosen):
                return None
        ballot = tuple(index[pid] for pid in chosen)
        merged[ballot, points] = merged.get((ballot, points), 0) + count
    keys = list(merged)
    return (
        tuple(map(itemgetter(0), keys)),
        tuple(p or () for _, p in keys) if with_points else None,
        tuple(merged.values()),
    )


def _numeric_ballots(votes: _Votes, projects: list[PbProject]) -> Ballots | None:
    """The distinct votes as project indices, parsed all at once, when every project id and
    every id in a vote is a plain decimal number (digits, no leading zero, at most 18 of them)
    and no vote names a project twice or is empty; otherwise None.

    Distinct texts of such ids are distinct ballots, so nothing needs merging again.

    Examples
    --------
    >>> ps = [PbProject(pid, Fraction(1)) for pid in ("10", "7", "0")]
    >>> v = _Votes(b"7,10;0;10,7", np.array([[0], [5], [7]]), np.array([[4], [6], [11]]), [1, 1, 1])
    >>> _numeric_ballots(v, ps)
    ((1, 0), (2,), (0, 1))
    >>> _numeric_ballots(_Votes(b"07", np.array([[0]]), np.array([[2]]), [1]), ps) is None
    True
    """
    ids = [p.id for p in projects]
    if not ids or not all(_PLAIN_NUMBER.fullmatch(pid) for pid in ids):
        return None
    starts, ends = votes.starts[:, 0], votes.ends[:, 0]
    if not len(starts):
        return Ballots(np.zeros(0, np.int64), np.zeros(0, np.int64))
    if (ends <= starts).any():
        return None
    # Votes end to end, a semicolon after each but the last, commas between their ids.
    joined = b";".join(map(votes.data.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    buf = np.frombuffer(joined, dtype=np.uint8)
    ends_vote = buf == _SEMICOLON
    between = (buf == ord(",")) | ends_vote
    if not (between | ((buf >= ord("0")) & (buf <= ord("9")))).all():
        return None
    seps = np.flatnonzero(between)
    token_starts = np.concatenate([[0], seps + 1])
    widths = np.concatenate([seps, [len(buf)]]) - token_starts
    if widths.min() < 1 or widths.max() > 18:
        return None
    if ((buf[token_starts] == ord("0")) & (widths > 1)).any():
        return None  # a leading zero: not the same text as the project's id
    values = np.fromstring(joined.replace(b";", b","), dtype=np.int64, sep=",")
    if len(values) != len(token_starts):
        return None
    flat = _project_index([int(pid) for pid in ids], values)
    if flat is None:
        return None  # an id PROJECTS does not list: parse_pb names it
    last = np.flatnonzero(ends_vote[seps])  # the token each vote but the last ends with
    sizes = np.diff(np.concatenate([[-1], last, [len(values) - 1]]))
    if not _once_each(flat, sizes, len(ids)):
        return None  # a vote names a project twice: parse_pb says what was kept
    return Ballots(flat, sizes)


def _project_index(numbers: list[int], values: _Index) -> _Index | None:
    """The position in ``numbers`` (distinct) of each of ``values``; None if one is not there."""
    if max(numbers) < _TABLE and values.max() < _TABLE:
        table = np.full(max(numbers) + 1, -1, dtype=np.int64)
        table[numbers] = np.arange(len(numbers))
        found = table[np.minimum(values, len(table) - 1)]
        found[values >= len(table)] = -1
        return None if (found < 0).any() else found
    known = np.array(numbers, dtype=np.int64)
    order = np.argsort(known)
    at = np.minimum(np.searchsorted(known[order], values), len(numbers) - 1)
    return order[at] if (known[order][at] == values).all() else None


def _once_each(flat: _Index, sizes: _Index, projects: int) -> bool:
    """Whether no ballot (``sizes[i]`` entries of ``flat`` in turn, none empty) names a
    project twice."""
    if projects <= 64:  # one bit per project: a ballot's bits number its projects
        bits = np.left_shift(np.uint64(1), flat.astype(np.uint64))
        union = np.bitwise_or.reduceat(bits, np.cumsum(sizes) - sizes)
        return bool((np.bitwise_count(union) == sizes).all())
    keys = np.repeat(np.arange(len(sizes)), sizes) * projects + flat
    keys.sort()
    return not bool((keys[1:] == keys[:-1]).any())


#: Project numbers below this are looked up in a table, others by binary search.
_TABLE = 1 << 20
#: A project id that a vote can only write one way: digits, no leading zero, at most 18.
_PLAIN_NUMBER = re.compile(r"0|[1-9][0-9]{0,17}")


def parse_pb_profile(
    text: str, *, file: str = "<input>", invalid: Literal["truncate", "reject"] = "truncate"
) -> PbProfile:
    """Parse a pabulib file straight into a :class:`PbProfile` (identical ballots merged).

    Reads as :func:`parse_pb` followed by :meth:`PbInstance.profile`, with the same errors,
    but without an object per voter: a plain file is read in one sweep, counting each
    distinct vote as it goes, and any other file by :func:`parse_pb`.

    Examples
    --------
    >>> p = parse_pb_profile("META\\nkey;value\\nbudget;10\\nPROJECTS\\nproject_id;cost\\n"
    ...                      "a;6\\nb;5\\nVOTES\\nvoter_id;vote\\n1;a,b\\n2;b\\n3;a,b")
    >>> p.ballots, p.weights
    (((0, 1), (1,)), (2, 1))
    """
    plain = _plain_profile(text, file)
    if plain is not None:
        return plain
    return parse_pb(text, file=file, invalid=invalid).profile()


def read_pb_profile(
    path: str | Path, *, invalid: Literal["truncate", "reject"] = "truncate"
) -> PbProfile:
    """Read a pabulib ``.pb`` file into a :class:`PbProfile` (see :func:`parse_pb_profile`)."""
    p = Path(path)
    return parse_pb_profile(_read_text(p), file=str(p), invalid=invalid)


def _read_text(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BallotFileError(f"not UTF-8 text ({exc.reason})", file=str(p)) from exc


def format_pb(instance: PbInstance) -> str:
    """Write an instance as pabulib text (LF line endings, CSV quoting where needed).

    Examples
    --------
    >>> pb = parse_pb("META\\nkey;value\\nbudget;10\\nPROJECTS\\nproject_id;cost\\na;6\\n"
    ...               "VOTES\\nvoter_id;vote\\n1;a")
    >>> parse_pb(format_pb(pb)) == pb
    True
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    buffer.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in instance.meta.items():
        writer.writerow([key, value])
    buffer.write("PROJECTS\n")
    writer.writerow(instance.project_columns)
    for p in instance.projects:
        row = dict(p.fields)
        row.setdefault("project_id", p.id)
        row.setdefault("cost", _money(p.cost))
        writer.writerow([row.get(c, "") for c in instance.project_columns])
    buffer.write("VOTES\n")
    writer.writerow(instance.vote_columns)
    for v in instance.votes:
        row = dict(v.fields)
        row["vote"] = ",".join(v.projects)
        if v.points is not None:
            row["points"] = ",".join(str(x) for x in v.points)
        row.setdefault("voter_id", v.voter_id)
        writer.writerow([row.get(c, "") for c in instance.vote_columns])
    return buffer.getvalue()


def _money(value: Fraction) -> str:
    """An exact decimal for a terminating amount; otherwise ``n/d``, which we read back."""
    places = 0
    while (value * 10**places).denominator != 1 and places < 12:
        places += 1
    scaled = value * 10**places
    if scaled.denominator != 1:
        return str(value)
    return str(Decimal(scaled.numerator).scaleb(-places))


def write_pb(instance: PbInstance, path: str | Path) -> None:
    """Write an instance to a ``.pb`` file (see :func:`format_pb`)."""
    Path(path).write_text(format_pb(instance), encoding="utf-8")
