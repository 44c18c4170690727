"""``rada count``: count elections, budgets and motions from ballot files.

Results go to stdout: a table for people, or ``--json`` for programs (one JSON object per line
when several files are counted). Errors are raised as :class:`rada.counting.CountingError` and
reported by the ``rada`` error boundary; a malformed file is a
:class:`rada.counting.BallotFileError`.

``stv`` and ``pb`` count whole archives: given several files, a file that cannot be read or
counted is reported on its own line (``rada: error: FILE, line N: ...`` on stderr and, with
``--json``, ``{"file": ..., "error": ..., "line": ...}`` in its place on stdout), the other
files are still counted, and the command then fails with exit code 3 saying how many failed.
``--jobs N`` counts N files at a time in worker processes; the output is the same.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from fractions import Fraction

    from rich.console import Console

    from rada.counting.budget import PbResult
    from rada.counting.stv import StvResult

app = typer.Typer(
    help="Count votes: STV, committee and single-winner elections, budgets and motions.",
    no_args_is_help=True,
)


@app.callback()
def _count() -> None:
    """Count votes: STV, committee and single-winner elections, budgets and motions."""


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
SeedOption = Annotated[
    int, typer.Option("--seed", help="Seed for any tie the rule says to break by lot.")
]


class StvRule(StrEnum):
    """The STV counting rules."""

    scottish = "scottish"
    meek = "meek"


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _emit(obj: dict[str, Any]) -> None:
    typer.echo(_line(obj))


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


JobsOption = Annotated[
    int,
    typer.Option("--jobs", min=1, help="Count this many files at a time (worker processes)."),
]


@dataclass(frozen=True)
class _Failure:
    """Why one file of several could not be counted."""

    message: str
    hint: str | None
    line: int | None


def _attempt(work: Callable[[Path], Any], path: Path) -> Any:
    """``work(path)``, or the :class:`_Failure` that a bad file or a rule it breaks caused."""
    from rada.counting.errors import BallotFileError, CountingError

    try:
        return work(path)
    except BallotFileError as exc:  # its message starts with the file and the line
        return _Failure(str(exc), exc.hint, exc.line)
    except CountingError as exc:  # a rule the file's election cannot be counted by
        return _Failure(f"{path}: {exc}", exc.hint, None)
    except OSError as exc:
        return _Failure(f"{exc.strerror}: {exc.filename}", "check the path", None)


def _each(
    files: list[Path], work: Callable[[Path], Any], *, jobs: int
) -> Iterator[tuple[Path, Any]]:
    """Each file with ``work`` applied to it, in the order given; ``jobs`` files at a time.

    One file is counted as it always was (its error ends the command). Of several, a file that
    fails yields a :class:`_Failure`, and once every file is done the command fails naming
    how many did.
    """
    if len(files) == 1:
        yield files[0], work(files[0])
        return
    attempt = partial(_attempt, work)
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(jobs, len(files))) as pool:
            results: Iterator[Any] = pool.map(attempt, files, chunksize=4)
            failed = yield from _reported(files, results)
    else:
        failed = yield from _reported(files, map(attempt, files))
    if failed:
        from rada.counting.errors import CountingError

        raise CountingError(
            f"{failed} of {len(files)} files could not be counted",
            hint="each is named above with what is wrong",
        )


def _reported(files: list[Path], results: Iterator[Any]) -> Generator[tuple[Path, Any], None, int]:
    """Pass results on; report each failure on stderr too. Returns how many failed."""
    failed = 0
    for path, result in zip(files, results, strict=True):
        if isinstance(result, _Failure):
            failed += 1
            sys.stdout.flush()
            sys.stderr.write(f"rada: error: {result.message}\n")
            if result.hint:
                sys.stderr.write(f"hint: {result.hint}\n")
        yield path, result
    return failed


def _failure_line(path: Path, failure: _Failure) -> str:
    return _line({"file": str(path), "error": failure.message, "line": failure.line})


def _fmt(value: object) -> str:
    return f"{value}"


def _stv_table(result: StvResult, *, title: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    table.add_column("Candidate")
    for r in result.rounds:
        head = f"Stage {r.number}"
        if r.candidate is not None:
            head += f"\n{r.action} of {escape(r.candidate)}"
        table.add_column(head, justify="right")
    elected_at = {n: r.number for r in result.rounds for n in r.elected}
    excluded_at = {n: r.number for r in result.rounds for n in r.excluded}
    for name in result.candidates:
        cells = []
        for r in result.rounds:
            change = r.transfers.get(name)
            cell = _fmt(r.totals[name])
            if change is not None and r.number > 1:
                cell = f"{change:+}\n{cell}"
            if elected_at.get(name) == r.number:
                cell += "\n[bold green]elected[/]"
            if excluded_at.get(name) == r.number:
                cell += "\n[red]excluded[/]"
            cells.append(cell)
        table.add_row(escape(name), *cells)
    table.add_row("Non-transferable", *(_fmt(r.non_transferable) for r in result.rounds))
    table.add_row("Lost to rounding", *(_fmt(r.rounding_loss) for r in result.rounds))
    console = _console()
    console.print(table)
    console.print(
        f"Valid votes {result.valid_votes}, seats {result.seats}, quota {result.quota} "
        f"({result.rule} rules)."
    )
    console.print("Elected, in order: " + "; ".join(result.elected), markup=False)
    for tie in result.ties:
        console.print(
            f"Tie at stage {tie.round} ({tie.purpose}) among {', '.join(tie.tied)}: "
            f"{tie.chosen} by {tie.method}.",
            markup=False,
        )
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)


@app.command("stv")
def stv(
    files: Annotated[list[Path], typer.Argument(help="BLT ballot files.", show_default=False)],
    seats: Annotated[
        int | None, typer.Option("--seats", help="Seats to fill (default: as the file says).")
    ] = None,
    rule: Annotated[StvRule, typer.Option("--rule", help="Counting rules.")] = StvRule.scottish,
    as_json: JsonOption = False,
    seed: SeedOption = 0,
    jobs: JobsOption = 1,
) -> None:
    """Count STV elections from BLT files, stage by stage.

    With --json prints {"file", "elected", "quota", "rounds", ...}, one object per line per file.
    """
    work = partial(_count_stv, seats=seats, rule=rule, seed=seed, as_json=as_json)
    for path, counted in _each(files, work, jobs=jobs):
        if isinstance(counted, _Failure):
            if as_json:
                typer.echo(_failure_line(path, counted))
        elif as_json:
            typer.echo(counted)
        else:
            title, result = counted
            _stv_table(result, title=f"{title or path.name} ({path})")


def _count_stv(
    path: Path, *, seats: int | None, rule: StvRule, seed: int, as_json: bool
) -> str | tuple[str, StvResult]:
    """One BLT file counted: its JSON line, or its title and result for the table."""
    from rada.counting.formats.blt import read_blt
    from rada.counting.meek import meek_stv
    from rada.counting.stv import scottish_stv

    election = read_blt(path)
    n_seats = seats if seats is not None else election.seats
    if rule is StvRule.scottish:
        result = scottish_stv(election.profile, n_seats, withdrawn=election.withdrawn, seed=seed)
    else:
        result = meek_stv(election.profile, n_seats, withdrawn=election.withdrawn, seed=seed)
    if as_json:
        return _line({"file": str(path), "title": election.title, **result.to_dict()})
    return election.title, result


@app.command("pb")
def pb(
    files: Annotated[list[Path], typer.Argument(help="Pabulib .pb files.", show_default=False)],
    rule: Annotated[
        str | None,
        typer.Option(
            "--rule",
            help="greedy, greedy-no-skip, greedy-threshold or equal-shares "
            "(default: the rule the file names).",
        ),
    ] = None,
    threshold: Annotated[
        str | None, typer.Option("--threshold", help="Minimum score for greedy-threshold.")
    ] = None,
    as_json: JsonOption = False,
    jobs: JobsOption = 1,
) -> None:
    """Count participatory budgets from pabulib files.

    With --json prints {"file", "selected", "cost", "rounds", ...}, one object per line per file.
    """
    from fractions import Fraction

    from rada.counting.errors import RuleError

    try:
        minimum = Fraction(threshold) if threshold is not None else None
    except ValueError:
        raise RuleError(f"--threshold {threshold!r} is not a number") from None
    work = partial(_count_pb, rule=rule, threshold=minimum, as_json=as_json)
    for path, counted in _each(files, work, jobs=jobs):
        if isinstance(counted, _Failure):
            if as_json:
                typer.echo(_failure_line(path, counted))
        elif as_json:
            typer.echo(counted)
        else:
            _pb_table(path, counted)


def _count_pb(
    path: Path, *, rule: str | None, threshold: Fraction | None, as_json: bool
) -> str | PbResult:
    """One pabulib file counted: its JSON line, or its result for the table."""
    from rada.counting.formats.pabulib import read_pb_profile
    from rada.counting.pb import count_pb

    result = count_pb(read_pb_profile(path), rule=rule, threshold=threshold)
    return _line({"file": str(path), **result.to_dict()}) if as_json else result


def _pb_table(path: Path, result: PbResult) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{escape(path.name)}: {result.rule}", title_justify="left")
    for column in ("#", "Project", "Score", "Cost", "Decision", "Left"):
        table.add_column(column, justify="left" if column in ("Project", "Decision") else "right")
    for step in result.rounds:
        table.add_row(
            str(step.number),
            escape(step.project),
            _money(step.score),
            _money(step.cost),
            step.decision,
            _money(step.remaining),
        )
    console = _console()
    console.print(table)
    console.print(
        f"Selected {len(result.selected)} projects costing {_money(result.cost)} "
        f"of {_money(result.budget)}: {', '.join(result.selected)}",
        markup=False,
    )
    for note in result.notes:
        console.print(f"Note: {note}", markup=False)


class CommitteeRule(StrEnum):
    """The approval-based committee rules."""

    pav = "pav"
    seq_pav = "seq-pav"
    equal_shares = "equal-shares"


@app.command("committee")
def committee(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Approval ballots: PrefLib .cat (first category approved), .toi/.soi (every "
            "named alternative approved) or pabulib .pb (approval votes).",
            show_default=False,
        ),
    ],
    seats: Annotated[int, typer.Option("--seats", min=1, help="Seats on the committee.")],
    rule: Annotated[
        CommitteeRule,
        typer.Option("--rule", help="pav (exact), seq-pav (sequential PAV) or equal-shares."),
    ] = CommitteeRule.pav,
    as_json: JsonOption = False,
) -> None:
    """Elect a committee (a delegation) from approval ballots.

    With --json prints {"file", "rule", "seats", "elected", "rounds", "ties", ...}, one object
    per line per file.
    """
    from rada.counting.committee import count_committee
    from rada.counting.formats.approval import read_approval

    for path in files:
        election = read_approval(path)
        result = count_committee(election.profile, seats, rule=rule.value)
        notes = [*election.notes, *result.notes]
        data = {**result.to_dict(), "notes": notes}
        if as_json:
            _emit({"file": str(path), **data})
            continue
        from rich.markup import escape
        from rich.table import Table

        table = Table(
            title=f"{escape(path.name)}: {result.rule}, {seats} seats", title_justify="left"
        )
        for column in ("#", "Candidate", "How", "Score", "Price"):
            table.add_column(column, justify="left" if column in ("Candidate", "How") else "right")
        for r in result.rounds:
            price = "" if r.price is None else _money(r.price)
            table.add_row(str(r.number), escape(r.candidate), r.action, _money(r.score), price)
        console = _console()
        console.print(table)
        console.print(
            f"Elected ({result.voters} voters): " + "; ".join(result.elected), markup=False
        )
        for tie in result.ties:
            console.print(
                f"Tie ({tie.purpose}) among {', '.join(tie.tied)}: {tie.chosen} by {tie.method}.",
                markup=False,
            )
        for note in notes:
            console.print(f"Note: {note}", markup=False)


def _money(value: object) -> str:
    from fractions import Fraction

    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{float(value):.2f}"
    return str(value)


def _load_profile(path: Path) -> Any:
    """A profile from a BLT file or a PrefLib file (by suffix)."""
    from rada.counting.formats.blt import read_blt
    from rada.counting.formats.preflib import KINDS, read_preflib

    if path.suffix.lstrip(".").lower() in KINDS:
        return read_preflib(path).to_profile()
    return read_blt(path).profile


def _single(method: str, files: list[Path], as_json: bool, seed: int) -> None:
    from rada.counting.single import count_single

    for path in files:
        result = count_single(_load_profile(path), method, seed=seed)
        if as_json:
            _emit({"file": str(path), **result.to_dict()})
            continue
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"{escape(path.name)}: {method}", title_justify="left")
        table.add_column("Candidate")
        for r in result.rounds:
            label = f"Round {r.number}" + (f"\n{escape(r.eliminated)} out" if r.eliminated else "")
            table.add_column(label, justify="right")
        names = list(result.rounds[0].scores)
        for name in names:
            table.add_row(escape(name), *(str(r.scores.get(name, "")) for r in result.rounds))
        console = _console()
        console.print(table)
        console.print(f"Winner: {result.winner}", markup=False)
        for tie in result.ties:
            console.print(
                f"Tie ({tie.purpose}) among {', '.join(tie.tied)}: {tie.chosen} by {tie.method}.",
                markup=False,
            )


FilesArgument = Annotated[
    list[Path],
    typer.Argument(help="BLT or PrefLib (.soc/.soi/.toc/.toi) files.", show_default=False),
]


@app.command("plurality")
def plurality_command(
    files: FilesArgument, as_json: JsonOption = False, seed: SeedOption = 0
) -> None:
    """The candidate with the most first preferences."""
    _single("plurality", files, as_json, seed)


@app.command("approval")
def approval_command(
    files: FilesArgument, as_json: JsonOption = False, seed: SeedOption = 0
) -> None:
    """The candidate ranked (approved) by the most voters."""
    _single("approval", files, as_json, seed)


@app.command("irv")
def irv_command(files: FilesArgument, as_json: JsonOption = False, seed: SeedOption = 0) -> None:
    """Instant-runoff voting, round by round."""
    _single("irv", files, as_json, seed)


@app.command("schulze")
def schulze_command(
    files: FilesArgument, as_json: JsonOption = False, seed: SeedOption = 0
) -> None:
    """The Schulze (beat-path) winner."""
    _single("schulze", files, as_json, seed)


@app.command("ranked-pairs")
def ranked_pairs_command(
    files: FilesArgument, as_json: JsonOption = False, seed: SeedOption = 0
) -> None:
    """Tideman's ranked pairs winner."""
    _single("ranked-pairs", files, as_json, seed)


@app.command("borda")
def borda_command(files: FilesArgument, as_json: JsonOption = False, seed: SeedOption = 0) -> None:
    """The Borda count winner."""
    _single("borda", files, as_json, seed)


class MajorityKind(StrEnum):
    """Majorities a motion may need."""

    simple = "simple"
    absolute = "absolute"
    qualified = "qualified"


@app.command("motion")
def motion(
    votes_for: Annotated[int, typer.Option("--for", min=0, help="Votes for.")],
    against: Annotated[int, typer.Option("--against", min=0, help="Votes against.")],
    abstain: Annotated[int, typer.Option("--abstain", min=0, help="Abstentions.")] = 0,
    members: Annotated[int | None, typer.Option("--members", help="Members of the body.")] = None,
    majority: Annotated[MajorityKind, typer.Option("--majority")] = MajorityKind.simple,
    fraction: Annotated[str, typer.Option("--fraction", help="Qualified share, e.g. 2/3.")] = "1/2",
    of_members: Annotated[
        bool, typer.Option("--of-members", help="Qualified share of members, not votes cast.")
    ] = False,
    quorum: Annotated[
        str | None,
        typer.Option("--quorum", help="Members needed present: a number or a share like 1/2."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Decide a motion from its tally. JSON: {"adopted", "rule", "needed", "reasons", ...}."""
    from fractions import Fraction

    from rada.counting.errors import RuleError
    from rada.counting.motions import MotionTally, decide_motion

    try:
        share = Fraction(fraction)
        minimum = Fraction(quorum) if quorum is not None else None
    except (ValueError, ZeroDivisionError):
        raise RuleError("--fraction and --quorum take numbers such as 2/3 or 12") from None
    result = decide_motion(
        MotionTally(votes_for, against, abstain, members),
        majority=majority.value,
        fraction=share,
        of_members=of_members,
        quorum=minimum,
    )
    if as_json:
        _emit(result.to_dict())
        return
    console = _console()
    console.print("[bold]Adopted[/]" if result.adopted else "[bold]Not adopted[/]")
    for reason in result.reasons:
        console.print(f"  {reason}", markup=False)
