"""The planning engine's errors: one base class, specific subclasses."""

from __future__ import annotations

from collections.abc import Sequence


class PlanningError(Exception):
    """Base of every error the planning engine raises on purpose.

    ``hint`` says what the user might do about it.
    """

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class InputError(PlanningError):
    """An input file or value is wrong. Names the file, line and column where known."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file, self.line, self.column, self.reason = file, line, column, message
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message, hint=hint)


class UnproductiveEconomy(InputError):
    """The input-output matrix cannot sustain any net output (spectral radius >= 1)."""

    def __init__(self, spectral_radius: float, *, file: str | None = None) -> None:
        self.spectral_radius = spectral_radius
        excess = spectral_radius - 1.0
        # By how much, where it is above 1: at exactly 1 this read "is 1, 0 at or above 1".
        by = f" ({excess:.3g} above 1)" if excess > 0 else ""
        super().__init__(
            f"the economy is not productive: the spectral radius of A is {spectral_radius:.6g}"
            f"{by}, not below 1, so no positive net output is possible",
            file=file,
            hint="check the units of the flows and the gross-output row; "
            "every column of A should sum to well under 1",
        )


class NotSquareSystem(PlanningError):
    """Leontief methods need exactly one single-output technique per product."""


class SolverUnavailable(PlanningError):
    """The solver asked for is not in this installation (HiPO needs ``highspy-extras``)."""


class PlanNotOptimal(PlanningError):
    """The solver ended without an optimal plan."""

    def __init__(self, status: str, message: str, *, hint: str | None = None) -> None:
        self.status = status
        super().__init__(message, hint=hint)


class PlanInfeasible(PlanNotOptimal):
    """No plan satisfies every constraint; ``conflicts`` names the ones that clash."""

    def __init__(self, conflicts: Sequence[str]) -> None:
        self.conflicts = list(conflicts)
        listed = "; ".join(self.conflicts) if self.conflicts else "no conflict set was found"
        super().__init__(
            "infeasible",
            f"no plan meets every constraint; these conflict: {listed}",
            hint="lower a committed delivery or raise a supply or capacity named above",
        )


class PlanUnbounded(PlanNotOptimal):
    """Fulfilment could grow without limit: some target is not constrained by anything."""
