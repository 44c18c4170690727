"""Approval ballots for committee elections, from PrefLib (.cat, .toi, .soi) or pabulib files.

Which candidates a ballot approves, by format:

- PrefLib ``.cat`` (categorical preferences): the alternatives in the *first* category are
  approved, the rest are not; this is how PrefLib stores approval data (``# NUMBER
  CATEGORIES: 2``, category 1 "approved"). A line is ``<count>: <cat 1>, <cat 2>, ...`` where a
  category is one alternative, ``{a,b,...}`` or ``{}``.
- PrefLib ``.toi`` / ``.soi`` (orders of incomplete lists): every alternative the order names
  is approved, whether ranked or tied (``3: {1,4}`` and ``3: 1,4`` both approve 1 and 4).
  Complete orders (``.soc``, ``.toc``) approve everyone and are refused.
- pabulib ``.pb`` with ``vote_type`` approval or choose-1: each project is a candidate, named
  by its ``project_id``; costs are ignored (every seat is one seat), which the notes say.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rada.counting.ballots import ApprovalProfile
from rada.counting.errors import BallotFileError
from rada.counting.formats.preflib import header_line, whole

SUFFIXES = ("cat", "toi", "soi", "pb")


@dataclass(frozen=True)
class ApprovalElection:
    """Approval ballots read from a file, with what the reader had to say about them."""

    profile: ApprovalProfile
    notes: tuple[str, ...] = ()


def _category(body: str, m: int, *, file: str, line: int) -> tuple[int, ...]:
    try:
        found = tuple(int(x) - 1 for x in body.split(",") if x)
    except ValueError:
        raise BallotFileError(
            f"{body!r} is not an alternative number", file=file, line=line
        ) from None
    if any(not 0 <= c < m for c in found):
        raise BallotFileError(f"an alternative outside 1..{m}", file=file, line=line)
    return found


def _categories(text: str, m: int, *, file: str, line: int) -> list[tuple[int, ...]]:
    groups: list[tuple[int, ...]] = []
    rest = text.replace(" ", "")
    while rest:
        if rest.startswith("{"):
            end = rest.find("}")
            if end < 0:
                raise BallotFileError("a '{' is never closed", file=file, line=line)
            groups.append(_category(rest[1:end], m, file=file, line=line))
            rest = rest[end + 1 :].removeprefix(",")
        else:
            body, _, rest = rest.partition(",")
            groups.append(_category(body, m, file=file, line=line))
    flat = [c for g in groups for c in g]
    if len(set(flat)) != len(flat):
        raise BallotFileError("an alternative appears twice in one line", file=file, line=line)
    return groups


def parse_cat(text: str, *, file: str = "<input>") -> ApprovalElection:
    """Parse a PrefLib categorical (.cat) file: the first category is the approval set.

    Raises
    ------
    BallotFileError
        A malformed file; the message names the line and what is wrong.

    Examples
    --------
    >>> e = parse_cat("# NUMBER ALTERNATIVES: 3\\n# NUMBER CATEGORIES: 2\\n"
    ...               "# ALTERNATIVE NAME 1: Ann\\n# ALTERNATIVE NAME 2: Bob\\n"
    ...               "# ALTERNATIVE NAME 3: Cat\\n2: {1,3},2\\n1: {},{1,2,3}\\n")
    >>> e.profile.candidates, e.profile.ballots, e.profile.weights
    (('Ann', 'Bob', 'Cat'), (frozenset({0, 2}), frozenset()), (2, 1))
    """
    names: dict[int, str] = {}
    m: int | None = None
    ballots: list[frozenset[int]] = []
    weights: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, value = header_line(line, names=names, file=file, line=number)
            if key == "NUMBER ALTERNATIVES":
                m = int(value)
            elif key == "DATA TYPE" and value.lower() != "cat":
                raise BallotFileError(f"data type {value!r} is not cat", file=file, line=number)
            continue
        if m is None:
            raise BallotFileError("a line before '# NUMBER ALTERNATIVES'", file=file, line=number)
        count_text, sep, body = line.partition(":")
        if not sep:
            raise BallotFileError(
                "a data line must be '<count>: <categories>'", file=file, line=number
            )
        count = whole(count_text, what="the data line's count", file=file, line=number)
        if count == 0:
            raise BallotFileError("the count 0 is not positive", file=file, line=number)
        groups = _categories(body, m, file=file, line=number)
        ballots.append(frozenset(groups[0]) if groups else frozenset())
        weights.append(count)
    if m is None:
        raise BallotFileError("no '# NUMBER ALTERNATIVES' header", file=file)
    candidates = [names.get(i, str(i + 1)) for i in range(m)]
    return ApprovalElection(ApprovalProfile.from_ballots(candidates, ballots, weights=weights))


def read_approval(path: str | Path) -> ApprovalElection:
    """Read approval ballots from a ``.cat``, ``.toi``, ``.soi`` or ``.pb`` file (by suffix).

    Raises
    ------
    BallotFileError
        For another suffix, a malformed file, or a pabulib file whose votes are not approvals.
    """
    from rada.counting.formats.pabulib import read_pb
    from rada.counting.formats.preflib import read_preflib

    p = Path(path)
    suffix = p.suffix.lstrip(".").lower()
    if suffix == "cat":
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise BallotFileError(f"not UTF-8 text ({exc.reason})", file=str(p)) from exc
        return parse_cat(text, file=str(p))
    if suffix in ("toi", "soi"):
        data = read_preflib(p)
        ballots = [frozenset(c for group in order for c in group) for order, _ in data.orders]
        weights = [count for _, count in data.orders]
        profile = ApprovalProfile.from_ballots(data.candidates, ballots, weights=weights)
        return ApprovalElection(profile, ("every alternative an order names is approved",))
    if suffix == "pb":
        instance = read_pb(p)
        if instance.vote_type not in ("approval", "choose-1"):
            raise BallotFileError(
                f"a committee needs approval ballots, not {instance.vote_type}",
                file=str(p),
                hint="count this file with 'rada count pb'",
            )
        ids = [project.id for project in instance.projects]
        index = {pid: j for j, pid in enumerate(ids)}
        profile = ApprovalProfile.from_ballots(
            ids, ([index[pid] for pid in vote.projects] for vote in instance.votes)
        )
        notes = ["pabulib projects are the candidates; their costs are ignored"]
        notes += [f"voter {pr.index + 1}: {pr.reason}: {pr.action}" for pr in instance.problems]
        return ApprovalElection(profile, tuple(notes))
    raise BallotFileError(
        f"cannot read approval ballots from a .{suffix} file",
        file=str(p),
        hint="use a PrefLib .cat, .toi or .soi file, or a pabulib .pb file",
    )
