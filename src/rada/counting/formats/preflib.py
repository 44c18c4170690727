"""PrefLib ordinal files (.soc, .soi, .toc, .toi): read and write.

Header lines start with ``#`` (``# ALTERNATIVE NAME 3: Carol``); each data line is
``<count>: <order>``, the order a comma-separated list of 1-based alternatives, most preferred
first, where ``{2,5}`` marks alternatives tied at one position (only in .toc/.toi). ``soc`` and
``toc`` orders are complete; ``soi`` and ``toi`` may be partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rada.counting.ballots import BallotProblem, InvalidPolicy, Profile
from rada.counting.errors import BallotFileError

KINDS = ("soc", "soi", "toc", "toi")
#: The most alternatives a file may declare: PrefLib's largest sets have a few thousand, and
#: the reader names every alternative, so a typo of 10^12 would fill the memory.
MAX_ALTERNATIVES = 100_000
WeakOrder = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class PreflibData:
    """A PrefLib file: its kind, alternatives, weak orders with counts, and header metadata."""

    kind: str
    candidates: tuple[str, ...]
    orders: tuple[tuple[WeakOrder, int], ...]
    meta: dict[str, str] = field(default_factory=dict)

    def to_profile(self, *, invalid: InvalidPolicy = "truncate") -> Profile:
        """Strict rankings for counting. An order with tied alternatives counts up to the tie.

        Raises
        ------
        BallotFileError
            With ``invalid="reject"``, for any order holding a tie.
        """
        rankings: list[tuple[int, ...]] = []
        weights: list[int] = []
        problems: list[BallotProblem] = []
        for index, (order, count) in enumerate(self.orders):
            strict: list[int] = []
            for group in order:
                if len(group) > 1:
                    if invalid == "reject":
                        raise BallotFileError(f"order {index + 1} ranks alternatives as tied")
                    problems.append(
                        BallotProblem(
                            index,
                            "tied alternatives",
                            f"counted up to preference {len(strict)}",
                            count,
                        )
                    )
                    break
                strict.append(group[0])
            if strict:
                rankings.append(tuple(strict))
                weights.append(count)
        base = Profile.from_rankings(self.candidates, rankings, weights=weights)
        return Profile(base.candidates, base.rankings, base.weights, tuple(problems))


def header_line(text: str, *, names: dict[int, str], file: str, line: int) -> tuple[str, str]:
    """Split a ``# KEY: value`` header line of a PrefLib file.

    Alternative names are recorded in ``names`` (0-based); ``NUMBER ALTERNATIVES`` must be a
    whole number up to :data:`MAX_ALTERNATIVES`. Raises ``BallotFileError`` naming the line
    otherwise.
    """
    key, _, value = text[1:].partition(":")
    key, value = key.strip(), value.strip()
    if key.startswith("ALTERNATIVE NAME "):
        number = key.removeprefix("ALTERNATIVE NAME ")
        if not (number.isascii() and number.isdigit() and len(number) <= 18):
            raise BallotFileError(f"bad header {key!r}", file=file, line=line)
        names[int(number) - 1] = value
    elif key == "NUMBER ALTERNATIVES":
        count = whole(value, what="NUMBER ALTERNATIVES", file=file, line=line)
        if count > MAX_ALTERNATIVES:
            raise BallotFileError(
                f"NUMBER ALTERNATIVES {count} is more than {MAX_ALTERNATIVES:,}",
                file=file,
                line=line,
            )
    return key, value


def whole(text: str, *, what: str, file: str, line: int) -> int:
    """A whole number >= 0 written in ASCII digits, at most 18 of them (a count, a header).

    ``int()`` alone would take ``"1_000"`` and ``"١٢"`` and refuse ``"²"``, which
    ``str.isdigit`` accepts; this says plainly what it found.
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        shown = text if len(text) <= 40 else f"{text[:20]}... ({len(text)} characters)"
        raise BallotFileError(f"{what} {shown!r} is not a whole number", file=file, line=line)
    return int(text)


def _order(text: str, m: int, *, file: str, line: int) -> WeakOrder:
    groups: list[tuple[int, ...]] = []
    rest = text.replace(" ", "")
    while rest:
        if rest.startswith("{"):
            end = rest.find("}")
            if end < 0:
                raise BallotFileError("a '{' is never closed", file=file, line=line)
            body, rest = rest[1:end], rest[end + 1 :].removeprefix(",")
        else:
            body, _, rest = rest.partition(",")
        try:
            group = tuple(int(x) - 1 for x in body.split(",") if x)
        except ValueError:
            raise BallotFileError(
                f"{body!r} is not an alternative number", file=file, line=line
            ) from None
        if not group:
            raise BallotFileError("an empty position in the order", file=file, line=line)
        groups.append(group)
    flat = [c for g in groups for c in g]
    if any(not 0 <= c < m for c in flat):
        raise BallotFileError(f"an alternative outside 1..{m}", file=file, line=line)
    if len(set(flat)) != len(flat):
        raise BallotFileError("an alternative appears twice in one order", file=file, line=line)
    return tuple(groups)


def parse_preflib(text: str, *, file: str = "<input>", kind: str | None = None) -> PreflibData:
    """Parse PrefLib text.

    Examples
    --------
    >>> d = parse_preflib("# DATA TYPE: toi\\n# NUMBER ALTERNATIVES: 3\\n"
    ...                   "# ALTERNATIVE NAME 1: A\\n# ALTERNATIVE NAME 2: B\\n"
    ...                   "# ALTERNATIVE NAME 3: C\\n2: 1,{2,3}\\n1: 3\\n")
    >>> d.orders
    ((((0,), (1, 2)), 2), (((2,),), 1))
    >>> d.to_profile().rankings
    ((0,), (2,))
    """
    meta: dict[str, str] = {}
    names: dict[int, str] = {}
    orders: list[tuple[WeakOrder, int]] = []
    m: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, value = header_line(line, names=names, file=file, line=number)
            if not key.startswith("ALTERNATIVE NAME "):
                meta[key] = value
            if key == "NUMBER ALTERNATIVES":
                m = int(value)
            continue
        if m is None:
            raise BallotFileError("an order before '# NUMBER ALTERNATIVES'", file=file, line=number)
        count_text, sep, order_text = line.partition(":")
        if not sep:
            raise BallotFileError("a data line must be '<count>: <order>'", file=file, line=number)
        count = whole(count_text, what="the data line's count", file=file, line=number)
        if count == 0:
            raise BallotFileError("the count 0 is not positive", file=file, line=number)
        orders.append((_order(order_text, m, file=file, line=number), count))
    if m is None:
        raise BallotFileError("no '# NUMBER ALTERNATIVES' header", file=file)
    data_type = (kind or meta.get("DATA TYPE", "toi")).lower()
    if data_type not in KINDS:
        raise BallotFileError(
            f"unsupported data type {data_type!r}", file=file, hint="soc, soi, toc or toi"
        )
    for order, _ in orders:
        flat = sum(len(g) for g in order)
        if data_type in ("soc", "toc") and flat != m:
            raise BallotFileError(f"a {data_type} order must rank all {m} alternatives", file=file)
        if data_type in ("soc", "soi") and any(len(g) > 1 for g in order):
            raise BallotFileError(f"a {data_type} file cannot hold ties", file=file)
    candidates = tuple(names.get(i, str(i + 1)) for i in range(m))
    return PreflibData(data_type, candidates, tuple(orders), meta)


def read_preflib(path: str | Path) -> PreflibData:
    """Read a PrefLib file; the kind is the header's DATA TYPE, else the file's suffix."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BallotFileError(f"not UTF-8 text ({exc.reason})", file=str(p)) from exc
    suffix = p.suffix.lstrip(".").lower()
    return parse_preflib(text, file=str(p), kind=suffix if suffix in KINDS else None)


def format_preflib(data: PreflibData) -> str:
    """Write PrefLib text.

    Examples
    --------
    >>> d = parse_preflib("# NUMBER ALTERNATIVES: 2\\n3: 2,1\\n", kind="soc")
    >>> parse_preflib(format_preflib(d)).orders == d.orders
    True
    """
    voters = sum(c for _, c in data.orders)
    out = [f"# DATA TYPE: {data.kind}", f"# NUMBER ALTERNATIVES: {len(data.candidates)}"]
    out += [f"# ALTERNATIVE NAME {i + 1}: {n}" for i, n in enumerate(data.candidates)]
    out += [f"# NUMBER VOTERS: {voters}", f"# NUMBER UNIQUE ORDERS: {len(data.orders)}"]
    for order, count in data.orders:
        parts = [
            str(g[0] + 1) if len(g) == 1 else "{" + ",".join(str(c + 1) for c in g) + "}"
            for g in order
        ]
        out.append(f"{count}: {','.join(parts)}")
    return "\n".join(out) + "\n"


def write_preflib(data: PreflibData, path: str | Path) -> None:
    """Write a PrefLib file (see :func:`format_preflib`)."""
    Path(path).write_text(format_preflib(data), encoding="utf-8")
