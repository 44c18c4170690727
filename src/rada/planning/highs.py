"""HiGHS, as the planning engine runs it: the settings behind each solver name, a quiet
instance, and a linear programme handed over and its solution read back."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from rada.planning.errors import PlanningError, SolverUnavailable
from rada.planning.programme import LinearProgramme
from rada.planning.structure import FloatArray
from rada.planning.tolerances import LP_FEASIBILITY


@dataclass(frozen=True)
class Solved:
    status: str
    objective: float
    col_value: FloatArray
    col_dual: FloatArray
    row_value: FloatArray
    row_dual: FloatArray
    iterations: int
    seconds: float
    #: Whether HiGHS returned a primal and dual solution (whatever its status says).
    valid: bool = False


#: The HiGHS settings behind each exact solver name. Primal simplex is the default: the plan
#: with nothing produced is always feasible, so the primal method starts from a feasible basis
#: and, measured on generated economies, needs half the iterations of the dual. ``hipo`` is
#: HiGHS's newer interior point, in the optional ``highspy-extras`` (``rada[hipo]``).
SOLVERS: dict[str, dict[str, str | int]] = {
    "primal": {"solver": "simplex", "simplex_strategy": 4},
    "dual": {"solver": "simplex", "simplex_strategy": 1},
    "ipm": {"solver": "ipm"},
    "hipo": {"solver": "hipo"},
    "choose": {"solver": "choose"},
}

#: HiGHS's first-order methods: they run to a tolerance and are then certified; stopped by
#: the time limit they return nothing, so the closed-form plan is certified instead.
HIGHS_FIRST_ORDER: dict[str, dict[str, str | int]] = {
    "hipdlp": {"solver": "hipdlp"},
    "pdlp": {"solver": "pdlp"},
}

#: highspy-extras works only with the highspy of its own version; the extra ``rada[hipo]``
#: pins both to the newest release of highspy-extras on the package index.
HIGHSPY_EXTRAS_VERSION = "1.15.1"

_quietened = False


def new_highs() -> object:
    """A HiGHS instance; the first one prints a banner on standard output, which must stay
    clean for ``--json``, so it is made with file descriptor 1 pointed at /dev/null."""
    global _quietened
    import highspy

    if _quietened:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        instance = highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    _quietened = True
    return instance


def highspy_version() -> str:
    """The installed highspy's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("highspy")
    except PackageNotFoundError:  # pragma: no cover - highspy is a dependency
        return "unknown"


def hipo_available() -> bool:
    """Whether HiGHS's HiPO interior point can run here (it needs ``highspy-extras``)."""
    import highspy

    h: Any = new_highs()
    return bool(h.setOptionValue("solver", "hipo") == highspy.HighsStatus.kOk)


def run_highs(
    lp: LinearProgramme,
    *,
    maximise: bool,
    solver: str,
    threads: int,
    time_limit: float | None = None,
    tolerance: float | None = None,
) -> Solved:
    import highspy

    h: Any = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", LP_FEASIBILITY)
    h.setOptionValue("dual_feasibility_tolerance", LP_FEASIBILITY)
    settings = {**SOLVERS, **HIGHS_FIRST_ORDER}
    if solver not in settings:
        raise PlanningError(f"unknown solver {solver!r}; use one of {', '.join(settings)}")
    for option, value in settings[solver].items():
        # HiGHS refuses an option value it does not know and would then run its default
        # method instead: say so rather than solve by another method than asked.
        if h.setOptionValue(option, value) != highspy.HighsStatus.kOk:
            if solver == "hipo":
                pin = HIGHSPY_EXTRAS_VERSION
                raise SolverUnavailable(
                    "HiPO is not available in this installation: it comes with the optional "
                    f"package highspy-extras {pin}, which needs highspy {pin} "
                    f"(installed: highspy {highspy_version()})",
                    hint=f"pip install 'rada[hipo]' (highspy=={pin} highspy-extras=={pin}), "
                    "or use --solver primal or first-order",
                )
            raise SolverUnavailable(f"HiGHS refused {option}={value!r} for solver {solver!r}")
    if threads:
        h.setOptionValue("threads", threads)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if tolerance is not None:
        h.setOptionValue("pdlp_optimality_tolerance", float(tolerance))
    model = highspy.HighsLp()
    model.num_col_ = int(lp.matrix.shape[1])
    model.num_row_ = int(lp.matrix.shape[0])
    model.col_cost_ = lp.cost
    model.col_lower_ = lp.col_lower
    model.col_upper_ = lp.col_upper
    model.row_lower_ = lp.row_lower
    model.row_upper_ = lp.row_upper
    model.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = lp.matrix.indptr.astype(np.int32)
    model.a_matrix_.index_ = lp.matrix.indices.astype(np.int32)
    model.a_matrix_.value_ = lp.matrix.data
    h.passModel(model)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    solution = h.getSolution()
    info = h.getInfo()
    return Solved(
        status=status,
        objective=float(info.objective_function_value),
        col_value=np.asarray(solution.col_value),
        col_dual=np.asarray(solution.col_dual),
        row_value=np.asarray(solution.row_value),
        row_dual=np.asarray(solution.row_dual),
        iterations=int(
            info.simplex_iteration_count
            + max(0, info.ipm_iteration_count)
            + max(0, info.pdlp_iteration_count)
        ),
        seconds=seconds,
        valid=bool(solution.value_valid and solution.dual_valid),
    )
