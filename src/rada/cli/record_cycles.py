"""``rada record replay-cycle``: check every round of a planning cycle from the record alone.

Each round's ``planned`` entry carries its inputs, its plan's figures and a proof (the plan and
its certified prices, :mod:`rada.planning.proof`). Anyone with the record (this instance's, or
an export) and the economy the cycle was opened on can check the proof without a solver, and
solve the round again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rada.cli.record import JsonOption

if TYPE_CHECKING:
    from rada.planning.economy import Economy
    from rada.record.encoding import Entry
    from rada.record.export import StoredEntry
    from rada.services.planning_cycle import Replayed, RoundReplayed


def _plan_entries(stored: Iterable[StoredEntry], cycle: int) -> Iterator[Entry]:
    """The cycle's ``plan`` entries among ``stored`` (redacted ones are tombstones: skipped)."""
    from rada.record.encoding import EntryKind, decode_entry
    from rada.record.errors import EncodingError

    for item in stored:
        if item.redacted:
            continue
        try:
            entry = decode_entry(item.content)[1]
        except EncodingError as exc:
            raise EncodingError(
                f"record entry {item.index}: {exc}",
                hint="run `rada record verify` on the export: it names what is wrong",
            ) from exc
        if entry.kind is EntryKind.PLAN and entry.body.get("cycle") == cycle:
            yield entry


def _base(economy: Economy, opened: Mapping[str, Any], cycle: int) -> Economy:
    """The configured ``economy`` over the cycle's years, when it is the one the cycle was
    opened on; else bad input, naming both."""
    from rada.councils.errors import CouncilError
    from rada.planning.economy import fingerprint
    from rada.planning.errors import InputError
    from rada.services.planning_cycle import horizon

    name = economy.name or "economy"
    hint = (
        "set RADA_ECONOMY (and its RADA_ECONOMY_* companions) as `rada serve --economy` was "
        "given them when the cycle was opened; unset, Rada plans the shipped UK 2010 economy"
    )
    if opened.get("economy") != name:
        raise InputError(
            f"cycle {cycle} was opened on the economy {opened.get('economy')!r}; this "
            f"instance plans with {name!r}",
            hint=hint,
        )
    try:
        base = horizon(economy, int(opened["years"]))
    except (CouncilError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"cycle {cycle}'s years do not fit {name!r}: {exc}", hint=hint) from exc
    recorded = opened.get("fingerprint")
    if recorded is not None and recorded != fingerprint(base):
        raise InputError(
            f"cycle {cycle} was opened on another economy named {name!r}: its figures "
            f"differ from this one's (fingerprint {str(recorded)[:12]}..., here "
            f"{fingerprint(base)[:12]}...)",
            hint=hint,
        )
    return base


def _said(found: RoundReplayed) -> str:
    """One line on a round, in words."""
    parts = []
    if found.checked is None:
        unread = "its proof cannot be read"
        parts.append(unread if found.proof_recorded else "no proof on the record")
    else:
        c = found.checked
        off = (
            f"constraints off by {c.plan_violation:.3g}, dual constraints by "
            f"{c.price_violation:.3g}"
        )
        if c.holds:
            parts.append(
                f"proof holds: gap {c.gap:.3g} (bounds {c.lower_bound:.12g} to "
                f"{c.upper_bound:.12g}), {off}"
            )
        else:
            parts.append(f"proof does not hold: {off}")
    if found.reproduced:
        parts.append("solved again to exactly the recorded plan")
    elif found.reproduced is False:
        why = (
            "a first-order method's path depends on the clock at this size; the proof stands"
            if not found.reproducible
            else "it should have been the same plan"
        )
        parts.append(f"solved again to another plan ({why})")
    said = "; ".join(parts)
    problems = "".join(f"\n  - {p}" for p in found.problems)
    return f"round {found.round}: {said}{problems}"


def _as_dict(cycle: int, replayed: Replayed) -> dict[str, Any]:
    rounds = []
    for r in replayed.each:
        c = r.checked
        rounds.append(
            {
                "round": r.round,
                "ok": r.ok,
                "proof": None
                if c is None
                else {
                    "holds": c.holds,
                    "lower_bound": c.lower_bound,
                    "upper_bound": c.upper_bound,
                    "gap": c.gap,
                    "plan_violation": c.plan_violation,
                    "price_violation": c.price_violation,
                },
                "reproduced": r.reproduced,
                "reproducible": r.reproducible,
                "problems": list(r.problems),
            }
        )
    return {
        "cycle": cycle,
        "ok": replayed.ok,
        "rounds": rounds,
        "proven": replayed.verified,
        "reproduced": replayed.matching,
        "adopted_digest": replayed.adopted_digest,
        "mismatches": list(replayed.mismatches),
    }


def replay_cycle(
    cycle: Annotated[
        int,
        typer.Argument(min=1, max=2**31 - 1, help="The cycle's number (as in /cycles/N)."),
    ],
    export: Annotated[
        Path | None,
        typer.Option(
            "--from-export",
            help="Read the record from an export (`rada record export`) instead of this "
            "instance's database; verify it first with `rada record verify`.",
        ),
    ] = None,
    proofs_only: Annotated[
        bool,
        typer.Option("--proofs-only", help="Check each round's proof only; do not solve it again."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check every round of a planning cycle from the record and the economy it was opened on
    (RADA_ECONOMY): each round's proof without a solver, then the round solved again (exit 5
    if a round is not what the record says)."""
    from rada.bootstrap import configured_economy, open_database
    from rada.cli._output import message
    from rada.config import load_settings
    from rada.planning.errors import InputError
    from rada.record.errors import TamperError
    from rada.services.planning_cycle import replay
    from rada.store.rebuild import export_entries

    settings = load_settings()
    if export is not None:
        entries = list(_plan_entries(export_entries(export), cycle))
    else:
        entries = list(_plan_entries(open_database(settings).record.entries(), cycle))
    opened = next((e.body for e in entries if e.body.get("event") == "cycle-opened"), None)
    where = str(export) if export is not None else "this instance's record"
    if opened is None:
        raise InputError(
            f"{where} holds no planning cycle {cycle}",
            hint="the cycles are listed at /cycles; `rada record export` writes the record",
        )
    base = _base(configured_economy(settings), opened, cycle)
    if not proofs_only:
        message(f"solving each round of cycle {cycle} again (--proofs-only skips this)")
    replayed = replay(entries, base, cycle_id=cycle, resolve=not proofs_only)
    if as_json:
        typer.echo(json.dumps(_as_dict(cycle, replayed), indent=2, ensure_ascii=False))
    else:
        said: set[str] = set()
        for found in replayed.each:
            typer.echo(_said(found))
            said.update(f"round {found.round}: {p}" for p in found.problems)
        for mismatch in replayed.mismatches:  # those of no round, or of a round not read
            if mismatch not in said:
                typer.echo(mismatch)
    if not replayed.ok:
        raise TamperError(
            f"cycle {cycle} is not what the record says: "
            f"{len(replayed.mismatches)} problem{'' if len(replayed.mismatches) == 1 else 's'}",
            index=None,
            hint="each line above names the round and what does not hold",
        )
    if not as_json:
        adopted = "" if replayed.adopted_digest is None else "; the adopted plan is among them"
        rounds = f"{replayed.rounds} round{'' if replayed.rounds == 1 else 's'}"
        again = f", {replayed.matching} solved again to exactly the recorded plan"
        solved = "" if proofs_only else again
        typer.echo(f"cycle {cycle}: {rounds}, {replayed.verified} proven{solved}{adopted}")
