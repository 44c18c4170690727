"""HiGHS, as the planning engine runs it: the settings behind each solver name, a quiet
instance, and a linear programme handed over and its solution read back."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
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
    #: The simplex basis HiGHS ended at (a ``highspy.HighsBasis``), where it has one and was
    #: asked for it: it starts the solve of another programme of the same shape.
    basis: Any = None


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
    basis: Any = None,
    keep_basis: bool = False,
    iteration_limit: int | None = None,
) -> Solved:
    """Solve ``lp`` with the named HiGHS ``solver``. ``basis`` (a ``highspy.HighsBasis`` of a
    programme of the same shape) is where simplex starts; with ``keep_basis`` the basis it
    ends at comes back in :attr:`Solved.basis` (it cannot cross to another process).
    ``iteration_limit`` caps a first-order run's iterations (HiGHS's ``pdlp_iteration_limit``,
    which hipdlp keeps too)."""
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
        # HiGHS's thread pool belongs to the process and keeps the size it started with: a
        # run asking for another size ends with status "Not Set" and no solution. So a run
        # that names its threads starts the pool afresh at that size (never while another
        # solve runs in this process: Rada's own solves all leave the choice to HiGHS).
        highspy.Highs.resetGlobalScheduler(True)
        h.setOptionValue("threads", threads)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if tolerance is not None:
        h.setOptionValue("pdlp_optimality_tolerance", float(tolerance))
    if iteration_limit is not None:
        h.setOptionValue("pdlp_iteration_limit", int(iteration_limit))
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
    if basis is not None:
        h.setBasis(basis)
    started = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    solution = h.getSolution()
    info = h.getInfo()
    solved = Solved(
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
        basis=h.getBasis() if keep_basis and h.getBasis().valid else None,
    )
    if threads:
        highspy.Highs.resetGlobalScheduler(True)  # the next run's pool is HiGHS's choice again
    return solved


#: How long past its time limit a solve in a child process may run before the process is
#: stopped: HiGHS and the exact finish normally stop themselves at the limit, this is the
#: backstop.
def _grace(time_limit: float) -> float:
    return max(2.0, 0.05 * time_limit)


def run_highs_within(
    lp: LinearProgramme,
    *,
    maximise: bool,
    solver: str,
    threads: int,
    time_limit: float | None,
) -> Solved:
    """:func:`run_highs` for an exact solver, held to ``time_limit``.

    HiGHS looks at its clock between steps of the simplex method, and one step can outlast
    the limit many times over: a refactorisation of a basis whose factors have filled in took
    120 s past a 30-s limit at 1,000 products x 5 years. So, given a limit, the solve runs in a
    child process, which is stopped once the limit and a grace period (5 %, at least 2 s) have
    passed; the answer is then "Time limit reached" with no solution, as HiGHS itself would
    say. Without a limit, or where no child can be started (inside a daemon process such as a
    Dask worker), it runs here.
    """
    if time_limit is None or not may_spawn():
        return run_highs(
            lp, maximise=maximise, solver=solver, threads=threads, time_limit=time_limit
        )
    started = time.perf_counter()
    answer = answer_within(
        _solve_and_send,
        (lp, maximise, solver, threads, time_limit),
        seconds=time_limit,
        name="rada-highs",
        what="HiGHS",
    )
    if isinstance(answer, BaseException):
        raise answer
    if answer is None:
        empty = np.zeros(0)
        return Solved("Time limit reached", float("nan"), empty, empty, empty, empty, 0,
                      time.perf_counter() - started)  # fmt: skip
    if not isinstance(answer, Solved):
        raise PlanningError(f"HiGHS's process answered {type(answer).__name__}, not a solution")
    return answer


def answer_within(
    target: Any, args: tuple[Any, ...], *, seconds: float, name: str, what: str
) -> object | None:
    """Run ``target(send, *args)`` in a child process (:func:`start_child`) and return what it
    sends, or None where it sends nothing within ``seconds`` and a grace period (5 %, at least
    2 s); the child is stopped either way. A child that exits without answering (killed, out
    of memory) raises a :class:`PlanningError` naming ``what`` stopped."""
    receive, child = start_child(target, args, name=name)
    try:
        if not receive.poll(seconds + _grace(seconds)):
            return None
        try:
            answer: object = receive.recv()
        except EOFError:
            child.join()
            raise PlanningError(
                f"{what} stopped without an answer (its process exited with {child.exitcode})"
            ) from None
        return answer
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()


def start_child(target: Any, args: tuple[Any, ...], *, name: str) -> tuple[Any, Any]:
    """Start ``target(send, *args)`` in a fresh interpreter (a daemon process) and return the
    end of the pipe it answers on, with the process.

    A fresh interpreter ("spawn": forking a process that holds HiGHS's threads is not safe)
    would run the main script again before the target, and a script without an
    ``if __name__ == "__main__":`` guard would then solve its plan a second time in the child,
    which fails when it starts its own child. The targets live in Rada's modules and need
    nothing of the script, so the child is started without it.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_unless_orphaned,
        args=(os.getpid(), target, send, *args),
        name=name,
        daemon=True,
    )
    main = sys.modules.get("__main__")
    saved: dict[str, Any] = {}
    if main is not None:
        # multiprocessing reruns the main module found by its spec's name or its file.
        saved = {key: main.__dict__[key] for key in ("__file__", "__spec__") if key in vars(main)}
        main.__dict__.pop("__file__", None)
        main.__dict__["__spec__"] = None
    try:
        child.start()
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)
    send.close()
    return receive, child


#: How often a child looks whether the process that started it is still there.
ORPHAN_CHECK_SECONDS = 1.0


def _unless_orphaned(parent: int, target: Any, send: Any, *args: Any) -> None:
    """In the child: run ``target(send, *args)``, and end at once if the parent goes.

    A daemon child is stopped when its parent exits normally, not when the parent is killed
    (SIGKILL, or SIGTERM without cleanup): it then ran on to its deadline, a whole core busy
    for up to the time limit with nobody to answer (seen with ``rada plan solve --time-limit
    60`` killed after 15 s). A thread beside the target watches the parent's pid."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="rada-orphan-watch", daemon=True).start()
    target(send, *args)


def may_spawn() -> bool:
    """Whether a child process can be started: not from a daemon process (a Dask worker)."""
    return not multiprocessing.current_process().daemon


def _solve_and_send(
    send: Any, lp: LinearProgramme, maximise: bool, solver: str, threads: int, time_limit: float
) -> None:
    """In the child process: solve and send back the solution (or the error raised)."""
    try:
        answer: Solved | BaseException = run_highs(
            lp, maximise=maximise, solver=solver, threads=threads, time_limit=time_limit
        )
    except BaseException as exc:  # handed to the parent, which raises it
        answer = exc
    send.send(answer)
    send.close()
