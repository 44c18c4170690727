"""The GPU backend: the plan's linear programme solved by cuPDLPx on a CUDA device, the
certificate computed on the host.

cuPDLPx (``pip install 'rada[gpu]'``) is a first-order (PDHG) solver: it stops at a relative
tolerance, not at a vertex, so its point is read back as a candidate plan and prices and
handed to :func:`rada.planning.certificate.certify` like any other solver's output. The
certificate repairs the plan until it meets every constraint and the prices until they are
dual-feasible, so the bounds it proves hold whatever the device returned (a wrong sign or a
loose tolerance only widens the gap). The programme is the library's own
(:func:`rada.planning.programme.build_programme`, stock-eliminated).

cuPDLPx starts from the closed-form plan with no investment and its prices (``setWarmStart``),
as the CPU's first-order solvers do, and runs without its own presolve (PSLP): the
certificate reads the prices of every row of the whole programme, and the figures in
docs/planning.md and docs/planning-speed.md were measured that way. Written against cuPDLPx
0.3.0's Python API (``cupdlpx.Model``, ``setWarmStart``, ``optimize()``, ``X``, ``Pi``, ``Status``).
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from rada.planning.certificate import Candidate, Certificate, certify, tighter
from rada.planning.economy import Economy
from rada.planning.errors import PlanningError, PlanNotOptimal, PlanUnbounded
from rada.planning.first_order import (
    FINEST_TOLERANCE,
    candidate_of,
    closed_form,
    point_of,
)
from rada.planning.optimal import certified_plan, check_limits
from rada.planning.plan import Plan
from rada.planning.programme import LinearProgramme, build_programme
from rada.planning.structure import FloatArray, Structure, compile_economy

DEVICES = ("auto", "cpu", "gpu")

#: Seconds per non-zero of the programme that a run of cuPDLPx takes outside its own clock,
#: which its time limit does not count: copying the programme to the device, scaling it and
#: estimating its step size come before its clock starts (cuPDLPx 0.3.0, ``optimize`` in
#: solver.cu). A 128-s limit at 1,000,000 x 5 (292 million non-zeros) on an H200 ran 183 s,
#: so a first run is given about 55 s less there; each later run, what the runs before it
#: took outside cuPDLPx's clock, as measured.
SETUP_PER_NONZERO = 2e-7
#: From this many products x years on, the closed form's certificate is computed on a thread
#: beside the device (cuPDLPx lets go of the GIL while it solves) instead of before it: at
#: 1,000,000 x 5 it took 62 to 73 s of the host's work before the device (2 cores of an
#: Intel Xeon). Where it is computed beside, a plan with no investment that proves the gap
#: alone is found after the device's first run, not before it.
BESIDE_FROM = 250_000
#: Until it has been measured, the closed form's certificate is judged to take this many
#: seconds per non-zero of the programme (1,000,000 x 5: 62 to 73 s for 292 million on 2
#: cores of an Intel Xeon, 55.9 to 72.4 s on 2 of an AMD EPYC; 300,000 x 5: 11.6 to 14.9 s
#: for 78.9 million on the EPYC).
CERTIFICATE_PER_NONZERO = 2.5e-7
#: The final certificate is judged to take this many times the closed form's: a plan with
#: investments has more to repair (at 100,000 x 5 on 2 CPU cores pdhg's points took up to 1.8
#: times the closed form's certificate).
RESERVE_FACTOR = 2.0

#: cuPDLPx's termination codes (``cupdlpx.PDLP``), named here so that no import is needed to
#: read them.
_OPTIMAL, _PRIMAL_INFEASIBLE, _DUAL_INFEASIBLE, _TIME_LIMIT, _ITERATION_LIMIT = 0, 1, 2, 3, 4
_FEAS_POLISH_SUCCESS = 6


def cupdlpx_available() -> bool:
    """Whether the ``cupdlpx`` package can be imported."""
    try:
        import cupdlpx  # noqa: F401
    except ImportError:
        return False
    return True


def cuda_device_count() -> int:
    """How many CUDA devices the driver sees (0 without a driver), asked of ``libcuda``
    directly so that no CUDA Python package is needed."""
    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll", "libcuda.dylib"):
        try:
            cuda = ctypes.CDLL(name)
        except OSError:
            continue
        count = ctypes.c_int(0)
        if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return int(count.value)
    return 0


def gpu_available() -> bool:
    """Whether ``--device gpu`` can run: cuPDLPx is installed and a CUDA device is present."""
    return cupdlpx_available() and cuda_device_count() > 0


#: Solver names that ask for an approximate, certified plan (or leave the choice to Rada):
#: only these let ``--device auto`` move the solve to the GPU, whose method is first-order.
_FIRST_ORDER_OR_AUTO = ("auto", "first-order", "pdhg", "pdlp", "hipdlp")


def choose_device(device: str, *, solver: str = "auto") -> str:
    """``"cpu"`` or ``"gpu"`` for ``device``.

    ``auto`` is the GPU when it can run and ``solver`` is ``auto`` or a first-order method;
    an exact solver asked for by name (``primal``, ``ipm``...) keeps the solve on the CPU.
    Raises ``PlanningError`` for an unknown name, or for ``gpu`` where it cannot run.
    """
    if device not in DEVICES:
        raise PlanningError(f"unknown device {device!r}; use one of {', '.join(DEVICES)}")
    if device == "cpu" or (device == "auto" and solver not in _FIRST_ORDER_OR_AUTO):
        return "cpu"
    if gpu_available():
        return "gpu"
    if device == "auto":
        return "cpu"
    why = "cupdlpx is not installed" if not cupdlpx_available() else "no CUDA device"
    raise PlanningError(
        f"the GPU backend cannot run here: {why}",
        hint="pip install 'rada[gpu]' on a machine with an NVIDIA GPU, or use --device cpu",
    )


def solve_plan_gpu(
    economy: Economy,
    *,
    time_limit: float | None = None,
    gap: float = 1e-6,
    progress: Callable[[str], None] | None = None,
    warm_start: bool = True,
) -> Plan:
    """Solve ``economy``'s plan with cuPDLPx on the GPU and certify it on the host.

    The plan is the certificate's repaired plan, priced by the certified prices; its
    ``status`` is ``"optimal"`` when the certified gap is at most ``gap``, else
    ``"time limit"`` (cuPDLPx stopped at it) or ``"gap not reached"``. As on the CPU, the
    closed-form plan with no investment is certified first and returned when that proves
    ``gap`` already, and otherwise its plan or prices are kept where they prove more than
    the device's (:func:`~rada.planning.certificate.tighter`); from :data:`BESIDE_FROM`
    products x years on, that certificate is computed on a thread while the programme is
    formulated and the device solves, and counted after the device's first run. cuPDLPx
    starts from that plan and its prices unless ``warm_start`` is false, with a relative
    tolerance of ``gap / 10``; where it meets its tolerance but the certified gap is still
    above ``gap`` (at 10,000 x 5 on an H200, a tolerance of 1e-5 certified 1.9e-4), it goes
    on from its own point with a tolerance ten times finer, down to 1e-10. It is given what
    is left of ``time_limit`` after the host's work, less what the final certificate is
    judged to take (:data:`RESERVE_FACTOR` times the closed form's, judged by
    :data:`CERTIFICATE_PER_NONZERO` until it is measured, or the longest since) and what
    cuPDLPx takes outside its own clock (:data:`SETUP_PER_NONZERO`, then as measured), so
    that the whole fits in the limit. Raises ``PlanUnbounded`` or ``PlanNotOptimal`` when
    cuPDLPx finds the programme unbounded or infeasible.
    """
    say = progress or (lambda message: None)
    check_limits(gap=gap, time_limit=time_limit)
    started = time.perf_counter()
    say("compiling the economy")
    s = compile_economy(economy)
    labour = economy.resource_index[economy.labour]
    with ThreadPoolExecutor(1, thread_name_prefix="rada-closed-form") as beside:
        say("the plan with no investment")
        closed = closed_form(s, labour=labour)
        beside_device = closed is not None and s.n_products * s.years >= BESIDE_FROM
        pending = beside.submit(_timed_certificate, s, closed, labour) if beside_device else None
        best, reserve = None, 0.0
        if pending is None:
            say("certifying the plan with no investment")
            best, seconds = _timed_certificate(s, closed, labour)
            # What the final certificate will cost, kept back from the device's time.
            reserve = RESERVE_FACTOR * seconds
            if best is not None and best.gap <= gap:
                say(f"the plan with no investment is within the gap: {best.gap:.3g}")
                return certified_plan(
                    economy, s, best, gap=gap, iterations=0, seconds=time.perf_counter() - started
                )
        say("formulating the linear programme")
        lp = build_programme(s)
        if pending is not None:
            say("certifying the plan with no investment beside the device")
            reserve = RESERVE_FACTOR * CERTIFICATE_PER_NONZERO * lp.matrix.nnz
        return _solve_on_device(
            economy, s, lp, labour=labour, closed=closed if warm_start else None,
            pending=pending, best=best, reserve=reserve, gap=gap, time_limit=time_limit,
            started=started, say=say,
        )  # fmt: skip


def _timed_certificate(
    s: Structure, candidate: Candidate | None, labour: int
) -> tuple[Certificate | None, float]:
    """``candidate``'s certificate (None for None) and the seconds it took."""
    began = time.perf_counter()
    found = None if candidate is None else certify(s, candidate, labour=labour)
    return found, time.perf_counter() - began


def _solve_on_device(
    economy: Economy,
    s: Structure,
    lp: LinearProgramme,
    *,
    labour: int,
    closed: Candidate | None,
    pending: Future[tuple[Certificate | None, float]] | None,
    best: Certificate | None,
    reserve: float,
    gap: float,
    time_limit: float | None,
    started: float,
    say: Callable[[str], None],
) -> Plan:
    """cuPDLPx's runs from ``closed``'s point, each certified on the host, until the gap is
    proved, the finest tolerance is met or the time is up; the closed form's certificate, if
    ``pending``, is collected after the first run and counted like the device's."""
    start = point_of(lp, closed) if closed is not None else None
    tolerance, iterations, stopped = gap / 10, 0, "gap not reached"
    # Time a run of cuPDLPx takes outside its own clock: judged first, then as measured.
    setup = SETUP_PER_NONZERO * lp.matrix.nnz
    while True:
        left = None
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - started) - reserve - setup
            if best is not None and left < 1.0:
                stopped = "time limit"
                break
            left = max(left, 1.0)
        say(
            f"solving {lp.matrix.shape[0]} x {lp.matrix.shape[1]} with cuPDLPx on the GPU "
            f"to a tolerance of {tolerance:.0e}"
        )
        running = time.perf_counter()
        x, y, status, done, clocked = _run_cupdlpx(
            lp, time_limit=left, tolerance=tolerance, start=start
        )
        if clocked is not None:
            setup = max(time.perf_counter() - running - clocked, 0.0)
        iterations += done
        if status == _PRIMAL_INFEASIBLE:
            raise PlanNotOptimal(
                "infeasible",
                "cuPDLPx found no plan that meets every constraint",
                hint="solve on the CPU (--device cpu) to see which constraints conflict",
            )
        if status == _DUAL_INFEASIBLE:
            raise PlanUnbounded("unbounded", "fulfilment can grow without limit")
        if pending is not None:
            closed_certificate, seconds = pending.result()
            pending = None
            reserve = RESERVE_FACTOR * seconds
            if closed_certificate is not None:
                say(f"the plan with no investment certified: gap {closed_certificate.gap:.3g}")
                best = closed_certificate
        say("certifying the plan on the host")
        certifying = time.perf_counter()
        certificate = certify(s, candidate_of(s, lp, x, y), labour=labour)
        reserve = max(reserve, time.perf_counter() - certifying)
        best = certificate if best is None else tighter(best, certificate)
        say(f"certified gap {best.gap:.3g}")
        if status == _TIME_LIMIT:
            stopped = "time limit"
        if best.gap <= gap or status == _TIME_LIMIT or tolerance <= FINEST_TOLERANCE:
            break
        # cuPDLPx's own tolerance was met before the certified gap: go on from its point.
        tolerance, start = max(tolerance / 10, FINEST_TOLERANCE), (x, y)
    return certified_plan(
        economy,
        s,
        best,
        gap=gap,
        iterations=iterations,
        seconds=time.perf_counter() - started,
        stopped=stopped,
    )


def _run_cupdlpx(
    lp: LinearProgramme,
    *,
    time_limit: float | None,
    tolerance: float,
    start: tuple[FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray, int, int, float | None]:
    """Minimise ``-cost x`` (cuPDLPx's default sense) from ``start`` (a primal-dual point in
    the same convention as the returned one) and return x, the row duals, the termination
    code, the iterations and the seconds cuPDLPx's own clock counted (None if it does not
    say)."""
    try:
        from cupdlpx import Model
    except ImportError:
        raise PlanningError(
            "the GPU backend needs cupdlpx", hint="pip install 'rada[gpu]'"
        ) from None
    model: Any = Model(
        objective_vector=-lp.cost,
        constraint_matrix=lp.matrix.tocsr(),
        constraint_lower_bound=lp.row_lower,
        constraint_upper_bound=lp.row_upper,
        variable_lower_bound=lp.col_lower,
        variable_upper_bound=lp.col_upper,
    )
    model.setParams(
        OutputFlag=False, OptimalityTol=tolerance, FeasibilityTol=tolerance, Presolve=False
    )
    if start is not None:
        model.setWarmStart(primal=start[0], dual=start[1])
    if time_limit is not None:
        model.setParam("TimeLimit", float(time_limit))
    model.optimize()
    status = int(model.Status) if model.Status is not None else -1
    if model.X is None or model.Pi is None:
        raise PlanNotOptimal(
            str(model.StatusName), f"cuPDLPx returned no solution ({model.StatusName})"
        )
    iterations = int(model.IterCount or 0)
    x = np.asarray(model.X, dtype=np.float64)
    y = np.asarray(model.Pi, dtype=np.float64)
    clocked = getattr(model, "Runtime", None)
    return x, y, status, iterations, float(clocked) if clocked is not None else None
