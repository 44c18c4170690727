"""Kantorovich's optimal plan, in the form of Cockshott's N-year plan, solved with HiGHS.

Maximise the sum over years of the fulfilment ``lambda_y`` subject to, in every year ``y``:

* balance of each product ``p``: what techniques make, less what they use, less what is
  invested in stocks, covers ``lambda_y`` times the target plus the committed delivery;
* each resource (labour first) used no more than its supply;
* each technique run no more than its capacity, and no more than its capital stocks allow
  (``per_unit * activity <= stock``);
* stocks carried from one year to the next lose their depreciation and gain the investment
  made the year before; first-year stocks are the initial ones.

The programme itself is formulated in :mod:`rada.planning.programme`; this module hands it to
HiGHS and reads the solution back into a :class:`~rada.planning.plan.Plan`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from rada.planning.certificate import Candidate, certify
from rada.planning.economy import Economy
from rada.planning.errors import PlanInfeasible, PlanningError, PlanNotOptimal, PlanUnbounded
from rada.planning.plan import Plan
from rada.planning.programme import Layout, LinearProgramme, build_programme, stocks_of
from rada.planning.structure import FloatArray, Structure, compile_economy
from rada.planning.tolerances import BINDING, LP_FEASIBILITY

Progress = Callable[[str], None]


@dataclass(frozen=True)
class _Solved:
    status: str
    objective: float
    col_value: FloatArray
    col_dual: FloatArray
    row_value: FloatArray
    row_dual: FloatArray
    iterations: int
    seconds: float


#: The HiGHS settings behind each solver name. Primal simplex is the default: the plan with
#: nothing produced is always feasible, so the primal method starts from a feasible basis
#: and, measured on generated economies, needs half the iterations of the dual.
SOLVERS: dict[str, dict[str, str | int]] = {
    "primal": {"solver": "simplex", "simplex_strategy": 4},
    "dual": {"solver": "simplex", "simplex_strategy": 1},
    "ipm": {"solver": "ipm"},
    "pdlp": {"solver": "pdlp"},
    "choose": {"solver": "choose"},
}

_quietened = False


def _new_highs() -> object:
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


def _run_highs(
    lp: LinearProgramme,
    *,
    maximise: bool,
    solver: str,
    threads: int,
    time_limit: float | None = None,
) -> _Solved:
    import highspy

    h: Any = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", LP_FEASIBILITY)
    h.setOptionValue("dual_feasibility_tolerance", LP_FEASIBILITY)
    if solver not in SOLVERS:
        raise PlanningError(f"unknown solver {solver!r}; use one of {', '.join(SOLVERS)}")
    for option, value in SOLVERS[solver].items():
        h.setOptionValue(option, value)
    if threads:
        h.setOptionValue("threads", threads)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
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
    return _Solved(
        status=status,
        objective=float(info.objective_function_value),
        col_value=np.asarray(solution.col_value),
        col_dual=np.asarray(solution.col_dual),
        row_value=np.asarray(solution.row_value),
        row_dual=np.asarray(solution.row_dual),
        iterations=int(info.simplex_iteration_count + max(0, info.ipm_iteration_count)),
        seconds=seconds,
    )


def solve_plan(
    economy: Economy,
    *,
    solver: str = "primal",
    threads: int = 0,
    time_limit: float | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Compute the optimal plan of ``economy``.

    Parameters
    ----------
    economy : Economy
        Products, techniques, stocks, targets and supplies over the horizon.
    solver : str
        ``"primal"`` (primal simplex, the default), ``"dual"`` (dual simplex), ``"ipm"``
        (interior point with crossover), ``"pdlp"`` (first-order; optimal only to HiGHS's
        PDLP tolerance, about 1e-7 relative) or ``"choose"`` (HiGHS decides).
    time_limit : float, optional
        Stop HiGHS after this many seconds (``PlanNotOptimal`` is raised then).
    progress : callable, optional
        Called with a short message at each stage (the CLI shows them).

    Returns
    -------
    Plan
        Activities, fulfilment, stocks, resource use and every shadow price.

    Raises
    ------
    PlanInfeasible
        Committed deliveries cannot all be met; names the constraints that conflict.
    PlanUnbounded
        Some year's fulfilment is not limited by anything.
    PlanNotOptimal
        HiGHS stopped for another reason (time limit, numerical trouble).

    >>> from pathlib import Path
    >>> from rada.planning.formats.cockshott import read_cockshott
    >>> toy = Path(__file__).parents[4] / "shared/data/cockshott-toy/v2019"
    >>> round(solve_plan(read_cockshott(toy)).objective, 6)
    8.797299
    """
    say = progress or (lambda message: None)
    say("compiling the economy")
    structure = compile_economy(economy)
    say("formulating the linear programme")
    lp = build_programme(structure)
    say(f"solving {lp.matrix.shape[0]} constraints x {lp.matrix.shape[1]} variables with HiGHS")
    solved = _run_highs(lp, maximise=True, solver=solver, threads=threads, time_limit=time_limit)
    if solved.status == "Infeasible":
        say("finding the constraints that conflict")
        raise PlanInfeasible(_conflicts(economy, structure, lp, solver=solver))
    if solved.status in ("Unbounded", "Primal infeasible or unbounded"):
        raise PlanUnbounded(
            solved.status,
            "fulfilment can grow without limit: some targeted product needs no labour, "
            "capacity or stock that is in short supply",
            hint="give every technique its labour and capital needs, or a capacity",
        )
    if solved.status == "Time limit reached":
        raise PlanNotOptimal(
            solved.status,
            f"no optimal plan within the time limit of {time_limit:g} s "
            f"({lp.matrix.shape[0]} constraints, {lp.matrix.shape[1]} variables)",
            hint="raise the time limit; exact plans of thousands of products take minutes to "
            "hours (see docs/planning.md, Speed)",
        )
    if solved.status != "Optimal":
        raise PlanNotOptimal(
            solved.status,
            f"HiGHS stopped without an optimal plan: {solved.status}",
            hint="try another solver (--solver dual or ipm)",
        )
    say("certifying the plan")
    return _unpack(economy, structure, lp.layout, solved)


def _unpack(economy: Economy, s: Structure, lay: Layout, solved: _Solved) -> Plan:
    """Read HiGHS's solution vectors back through the programme's layout, certify them, and
    keep the certified prices (HiGHS's own are checked, not shown)."""
    P, N, R, K, T = lay.P, lay.N, lay.R, lay.K, lay.T
    col_value, row_dual = solved.col_value, solved.row_dual
    activity = col_value[: N * T].reshape(T, N)
    investment = col_value[lay.invest : lay.invest + K * (T - 1)].reshape(T - 1, K)
    stocks = stocks_of(s, investment)
    fulfilment = col_value[lay.fulfil : lay.fulfil + T].copy()
    # HiGHS reports, for a maximisation, duals as the change of the objective per unit of the
    # row's activity; a ">=" row that binds has a non-positive one. Flip so that every price
    # reads "what one more unit available would add".
    capacity_prices = solved.col_dual[: N * T].reshape(T, N).copy()
    capacity_prices[:, ~np.isfinite(s.capacity)] = 0.0
    certificate = certify(
        s,
        Candidate(
            fulfilment=fulfilment,
            activity=activity,
            stocks=stocks,
            investment=investment,
            product_prices=-row_dual[: P * T].reshape(T, P),
            resource_prices=row_dual[lay.resource : lay.stock_use].reshape(T, R),
            stock_prices=row_dual[lay.stock_use :].reshape(T, K),
            capacity_prices=capacity_prices,
            objective=solved.objective,
        ),
        labour=economy.resource_index[economy.labour],
    )
    accumulation = np.zeros((T, P))
    if K and T > 1:
        np.add.at(accumulation[:-1].T, s.pair_good, investment.T)
    gross = (s.out @ activity.T).T
    used = (s.inp @ activity.T).T
    prices = certificate.prices
    return Plan(
        economy=economy,
        structure=s,
        status="optimal",
        objective=solved.objective,
        fulfilment=fulfilment,
        activity=activity,
        gross_output=gross,
        final_consumption=gross - used - accumulation,
        accumulation=accumulation,
        stocks=stocks,
        investment=investment,
        resource_used=(s.res @ activity.T).T,
        product_prices=prices.product,
        resource_prices=prices.resource,
        stock_prices=prices.stock,
        capacity_prices=prices.capacity,
        iterations=solved.iterations,
        seconds=solved.seconds,
        certificate=certificate,
    )


def _conflicts(economy: Economy, s: Structure, lp: LinearProgramme, *, solver: str) -> list[str]:
    """Name the constraints that make the plan infeasible.

    Solves an elastic version in which every committed delivery may fall short at a cost of
    one per unit; the deliveries that still fall short, and the supplies, capacities and stocks
    whose shadow prices are positive in that problem, are what conflicts.
    """
    lay = lp.layout
    P, T = lay.P, lay.T
    short = sp.csc_array(
        (np.ones(P * T), (np.arange(P * T), np.arange(P * T))), shape=(lay.n_rows, P * T)
    )
    elastic = LinearProgramme(
        layout=lay,
        matrix=sp.csc_array(sp.hstack([lp.matrix, short], format="csc")),
        cost=np.concatenate([np.zeros(lay.n_cols), np.ones(P * T)]),
        col_lower=np.concatenate([lp.col_lower, np.zeros(P * T)]),
        col_upper=np.concatenate([lp.col_upper, np.full(P * T, np.inf)]),
        row_lower=lp.row_lower,
        row_upper=lp.row_upper,
    )
    solved = _run_highs(elastic, maximise=False, solver=solver, threads=0)
    if solved.status != "Optimal":
        return []
    names = [p.id for p in economy.products]
    conflicts = []
    gaps = solved.col_value[lay.n_cols :]
    for index in np.flatnonzero(gaps > BINDING):
        y, p = divmod(int(index), P)
        conflicts.append(
            f"committed delivery of {names[p]!r} in year {y + 1} "
            f"({s.committed[y, p]:.6g}) falls short by {gaps[index]:.6g}"
        )
    duals = np.abs(solved.row_dual)
    resources = [r.id for r in economy.resources]
    for r_index in range(lay.resource, lay.stock_use):
        if duals[r_index] > BINDING:
            y, r = divmod(r_index - lay.resource, lay.R)
            conflicts.append(f"supply of {resources[r]!r} in year {y + 1} ({s.supply[y, r]:.6g})")
    techniques = [t.id for t in economy.techniques]
    for column in np.flatnonzero(np.abs(solved.col_dual[: lay.N * T]) > BINDING):
        y, t = divmod(int(column), lay.N)
        if np.isfinite(s.capacity[t]):
            conflicts.append(
                f"capacity of technique {techniques[t]!r} in year {y + 1} ({s.capacity[t]:.6g})"
            )
    for row in range(lay.stock_use, lay.n_rows):
        if duals[row] > BINDING:
            y, k = divmod(row - lay.stock_use, lay.K)
            conflicts.append(
                f"stock of {names[s.pair_good[k]]!r} held by technique "
                f"{techniques[s.pair_tech[k]]!r} in year {y + 1}"
            )
    return conflicts
