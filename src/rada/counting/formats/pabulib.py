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
from decimal import Decimal
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


def _number(text: str, *, what: str, file: str, line: int) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise BallotFileError(f"{what} {text!r} is not a number", file=file, line=line) from None
    if value < 0:
        raise BallotFileError(f"{what} {text!r} is negative", file=file, line=line)
    return value


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
        row = next(csv.reader([raw], delimiter=";")) if '"' in raw else raw.split(";")
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
    text: str, ids: set[str], *, ordinal: bool
) -> tuple[list[str], list[int], str | None, str | None]:
    """A vote's project ids, the positions kept, and its first and last fault (if any).

    An unknown or repeated project is dropped; an ordinal vote counts up to its first fault.
    """
    chosen = [v for v in map(str.strip, text.split(",")) if v]
    if ids.issuperset(chosen) and len(set(chosen)) == len(chosen):
        return chosen, list(range(len(chosen))), None, None  # the common case, in one go
    kept: list[int] = []
    seen: set[str] = set()
    first: str | None = None
    fault: str | None = None
    for position, pid in enumerate(chosen):
        if pid not in ids:
            fault = f"vote names unknown project {pid!r}"
        elif pid in seen:
            fault = f"vote names project {pid!r} twice"
        else:
            kept.append(position)
            seen.add(pid)
            continue
        first = first or fault
        if ordinal:
            break
    return chosen, kept, first, fault


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
        A vote naming an unknown project, or one project twice, keeps its valid part and is
        reported in ``problems`` (``"truncate"``), or raises :class:`BallotFileError`.

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
    budget_line = next(n for n, c in sections["META"] if c and c[0] == "budget")
    _number(meta["budget"], what="budget", file=file, line=budget_line)
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
    for index, (number, row) in enumerate(vote_rows):
        text = row["vote"]
        if text not in checked:
            checked[text] = _check_vote(text, ids, ordinal=ordinal)
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
