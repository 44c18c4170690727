"""Pabulib ``.pb`` participatory-budgeting files: read and write.

Three sections, each a line with its name (``META``, ``PROJECTS``, ``VOTES``), a header row and
``;``-separated rows, CSV quoting allowed. Line endings may be CRLF, LF or mixed; fields are
trimmed. Money is kept exact as :class:`fractions.Fraction` (a budget may be ``740793.05``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Literal

from rada.counting.ballots import BallotProblem
from rada.counting.errors import BallotFileError

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "cumulative", "ordinal", "choose-1", "scoring")


@dataclass(frozen=True)
class PbProject:
    """A project: its id, exact cost, and every column of its row as written."""

    id: str
    cost: Fraction
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbVote:
    """One voter's ballot: project ids (a set for approval, a ranking for ordinal) and points."""

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PbInstance:
    """A participatory-budgeting election as a pabulib file describes it."""

    meta: Mapping[str, str]
    projects: tuple[PbProject, ...]
    votes: tuple[PbVote, ...]
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")
    problems: tuple[BallotProblem, ...] = ()

    @property
    def budget(self) -> Fraction:
        """The total funds (META ``budget``)."""
        return Fraction(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        """``approval``, ``cumulative``, ``ordinal``, ``choose-1`` or ``scoring``."""
        return self.meta.get("vote_type", "approval")

    @property
    def rule(self) -> str | None:
        """The rule that produced the file's ``selected`` column, if named."""
        return self.meta.get("rule")

    def project(self, project_id: str) -> PbProject:
        """The project with this id."""
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)


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


def _split_sections(text: str, file: str) -> dict[str, list[tuple[int, list[str]]]]:
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
    for name in SECTIONS:
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
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BallotFileError(f"not UTF-8 text ({exc.reason})", file=str(p)) from exc
    return parse_pb(text, file=str(p), invalid=invalid)


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
