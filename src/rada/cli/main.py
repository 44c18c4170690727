"""The ``rada`` command and its one error boundary.

Heavy imports (numpy, scipy, HiGHS) happen inside the commands, so ``rada --help`` is instant.
"""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import Annotated, Any

import typer

from rada.cli import (
    councils,
    count,
    economy,
    io,
    plan,
    proposals,
    record,
    record_cycles,
    record_projection,
    search,
)
from rada.cli import witness as witness_cli
from rada.cli import worker as worker_cli
from rada.cli.demo import demo, plan_demo, simulate

app = typer.Typer(
    name="rada",
    help="Rada: councils, a public record that cannot be censored, and exact economic planning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
plan.app.command("demo")(plan_demo)
app.add_typer(plan.app, name="plan")
app.add_typer(io.app, name="io")
app.add_typer(economy.app, name="economy")
app.add_typer(count.app, name="count")
record.app.command()(record_projection.rebuild)
record.app.command()(record_projection.audit)
record.app.command("replay-cycle")(record_cycles.replay_cycle)
app.add_typer(record.app, name="record")
app.add_typer(witness_cli.app, name="witness")
app.add_typer(councils.db, name="db")
app.add_typer(councils.account, name="account")
app.add_typer(councils.council, name="council")
app.add_typer(councils.member, name="member")
app.add_typer(proposals.proposal, name="proposal")
app.add_typer(proposals.vote, name="vote")
app.add_typer(search.app, name="search")
app.command()(demo)
app.command()(simulate)
app.command()(proposals.serve)
app.command()(worker_cli.worker)


class ExitCode(IntEnum):
    """What ``rada`` exits with. Scripts may rely on these numbers."""

    OK = 0
    ERROR = 1
    USAGE = 2
    BAD_INPUT = 3
    NO_OPTIMAL_PLAN = 4
    RECORD_INVALID = 5
    NOT_ALLOWED = 6
    CONFLICT = 7
    INTERRUPTED = 130


def _version(value: bool) -> None:
    if value:
        from rada import __version__

        typer.echo(f"rada {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when something fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Rada: councils, a public record that cannot be censored, and exact economic planning."""


def _classify(exc: BaseException) -> tuple[ExitCode, str | None] | None:
    """Map an error Rada knows to its exit code and hint; None for an unexpected error."""
    from rada.config import ConfigurationError
    from rada.councils import errors as councils
    from rada.counting.errors import CountingError
    from rada.planning.errors import InputError, PlanningError, PlanNotOptimal
    from rada.record import errors as record

    if isinstance(exc, ConfigurationError):
        return ExitCode.ERROR, "fix the RADA_* setting named above (README, 'Settings')"
    hint = getattr(exc, "hint", None)
    table: list[tuple[type[BaseException] | tuple[type[BaseException], ...], ExitCode]] = [
        (InputError, ExitCode.BAD_INPUT),
        (PlanNotOptimal, ExitCode.NO_OPTIMAL_PLAN),
        (PlanningError, ExitCode.ERROR),
        (CountingError, ExitCode.BAD_INPUT),
        ((record.TamperError, record.ProofError, record.SignatureError), ExitCode.RECORD_INVALID),
        (
            (
                record.EncodingError,
                record.NoteError,
                record.ExportError,
                record.EntryNotFoundError,
                record.RedactionError,
            ),
            ExitCode.BAD_INPUT,
        ),
        (record.RecordError, ExitCode.ERROR),
        (councils.NotAllowed, ExitCode.NOT_ALLOWED),
        ((councils.WrongStage, councils.AlreadyVoted, councils.Conflict), ExitCode.CONFLICT),
        (councils.CouncilError, ExitCode.BAD_INPUT),
    ]
    for kinds, code in table:
        if isinstance(exc, kinds):
            return code, hint
    if isinstance(exc, FileNotFoundError | IsADirectoryError | NotADirectoryError):
        return ExitCode.BAD_INPUT, "check the path"
    if isinstance(exc, FileExistsError):  # --out naming a file where a folder is to be made
        return ExitCode.BAD_INPUT, "name a folder that does not exist yet, or an existing one"
    if isinstance(exc, PermissionError):
        return ExitCode.BAD_INPUT, "check the path and this user's permissions on it"
    return None


def _fail(message: str, hint: str | None, code: int) -> int:
    sys.stderr.write(f"rada: error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    return code


def _click_exceptions() -> tuple[
    tuple[type[Any], ...], tuple[type[Any], ...], tuple[type[Any], ...]
]:
    """Click's Exit, Abort and usage errors; newer typer releases carry their own copy of
    click, and a command line may raise either's. Typer 0.29 keeps Exit and Abort in
    ``typer.exceptions`` (not its copy of click's): a password prompt that met the end of its
    input was reported as "unexpected Abort: this is a bug in Rada" until 2026-12-06."""
    import click
    import typer

    modules: list[Any] = [click.exceptions, typer.exceptions]
    try:
        from typer._click import exceptions as vendored  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        pass
    else:
        modules.append(vendored)

    def found(name: str) -> tuple[type[Any], ...]:
        return tuple(getattr(m, name) for m in modules if hasattr(m, name))

    return found("Exit"), found("Abort"), found("ClickException")


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit code (the one error boundary)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    exits, aborts, usage = _click_exceptions()
    try:
        result = app(args=args, prog_name="rada", standalone_mode=False)
    except exits as exc:
        return int(exc.exit_code)
    except aborts:
        return _fail("interrupted", None, ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        return _fail("interrupted", None, ExitCode.INTERRUPTED)
    except usage as exc:
        exc.show(file=sys.stderr)
        return int(exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        known = _classify(exc)
        if known is None:
            return _fail(
                f"unexpected {type(exc).__name__}: {exc}",
                "this is a bug in Rada; run again with --debug and report the traceback",
                ExitCode.ERROR,
            )
        code, hint = known
        message = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) else str(exc)
        return _fail(message, hint, code)
    return int(result) if isinstance(result, int) else ExitCode.OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
