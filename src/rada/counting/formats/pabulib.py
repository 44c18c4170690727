"""Pabulib ``.pb`` participatory-budgeting files: read and write.

Three sections, each a line with its name (``META``, ``PROJECTS``, ``VOTES``), a header row and
``;``-separated rows, CSV quoting allowed. Line endings may be CRLF, LF or mixed; fields are
trimmed. Money is kept exact as :class:`fractions.Fraction` (a budget may be ``740793.05``).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from operator import itemgetter
from pathlib import Path
from typing import Literal

from rada.counting.ballots import BallotProblem
from rada.counting.budget import PbMeta, PbProfile, PbProject, merge_votes
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
    header, counts, voters = counted
    ids = list(map(str.strip, voters))
    if len(set(ids)) != len(ids):
        return None
    merged = _merge_counted(
        counts,
        projects,
        ordinal=meta.get("vote_type") == "ordinal",
        with_points="points" in header,
    )
    if merged is None:
        return None
    ballots, points, weights = merged
    return PbProfile(meta, tuple(projects), ballots, points, weights)


#: Line breaks that str.splitlines() knows besides "\n" (after "\r\n" became "\n"), ASCII first.
_ASCII_BREAKS = "\r\v\f\x1c\x1d\x1e"
_OTHER_BREAKS = "\x85\u2028\u2029"


def _count_votes(
    body: str,
) -> tuple[list[str], Counter[str], list[str]] | None:
    """The VOTES header, how many rows cast each vote (and points) text, and the voter ids.

    One regular expression takes every row apart, so no Python code runs per row; None when a
    row is blank or not as wide as the header.
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
    wanted = ("voter_id", "vote", "points")
    pattern = ";".join("([^;\n]*)" if name in wanted else "[^;\n]*" for name in header)
    found = re.findall(f"^{pattern}$", rows, re.MULTILINE) if rows else []
    if len(found) != rows.count("\n") + bool(rows):
        return None
    kept = [name for name in header if name in wanted]

    def column(name: str) -> list[str]:
        return list(map(itemgetter(kept.index(name)), found))

    votes = column("vote")
    if "points" in kept:
        votes = list(map("\n".join, zip(votes, column("points"), strict=True)))
    return header, Counter(votes), column("voter_id")


#: Distinct ballots, their points (or None) and how many voters cast each.
_Merged = tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...] | None, tuple[int, ...]]


def _merge_counted(
    counts: Counter[str],
    projects: list[PbProject],
    *,
    ordinal: bool,
    with_points: bool,
) -> _Merged | None:
    """Distinct ballots as project indices, their points (with ``with_points``) and voters;
    None at the first vote with a fault, unknown project or bad points.

    A key of ``counts`` is a vote's text, followed by a newline and its points' text when the
    file has points.
    """
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
