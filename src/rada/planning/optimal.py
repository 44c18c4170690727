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

import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from rada.planning.certificate import Candidate, Certificate, certify
from rada.planning.economy import Economy
from rada.planning.errors import (
    PlanInfeasible,
    PlanningError,
    PlanNotOptimal,
    PlanUnbounded,
)
from rada.planning.feasibility import accumulation
from rada.planning.first_order import (
    DEFAULT_GAP,
    FirstOrderRun,
    certified_closed_form,
    solve_highs_first_order,
    solve_pdhg,
)
from rada.planning.highs import SOLVERS, Solved, run_highs, run_highs_within
from rada.planning.plan import Plan
from rada.planning.programme import Layout, LinearProgramme, build_programme, stocks_of
from rada.planning.structure import FloatArray, Structure, compile_economy
from rada.planning.tolerances import BINDING, EXACT_GAP
from rada.planning.vertex import VERTEX_UP_TO

Progress = Callable[[str], None]


#: Every name ``solver=`` takes: the exact ones, HiGHS's first-order ones, Rada's own
#: first-order kernel (:mod:`rada.planning.first_order`) and ``auto``.
SOLVER_NAMES = (*SOLVERS, "pdlp", "first-order", "pdhg", "auto")

#: ``auto`` solves by primal simplex up to this many techniques x years, and by the
#: first-order method beyond; up to :data:`~rada.planning.vertex.VERTEX_UP_TO` the
#: first-order plan is finished exactly (:mod:`rada.planning.vertex`) and ``auto`` asks it
#: for :data:`~rada.planning.tolerances.EXACT_GAP`, so its plans are exact there too.
#: Measured on generated economies x 5 years, seeds 1 and 2 (2 shared cores, load 1), primal
#: simplex against first-order with the exact finish, both certified to about 2e-11: 100
#: products 0.17 against 0.44 s; 200: 0.96 and 1.25 against 0.84 and 2.16 s; 300: 6.0 and
#: 10.3 against 1.6 and 8.3 s; 400: 12.6 and 16.2 against 4.7 and 8.3 s; 1,000: 339 to 498 s
#: against 19 s (median of seeds 1-3).
AUTO_EXACT_UP_TO = 1000
#: Where compiling and formulating took the whole time limit, the solver still gets this many
#: seconds, in which a first-order solver returns the closed-form plan it certified.
LEFT_AT_LEAST = 1e-3


def choose_solver(s: Structure) -> str:
    """The solver ``auto`` picks for an economy: exact primal simplex while it is fast,
    the first-order method beyond (see :data:`AUTO_EXACT_UP_TO`)."""
    return "primal" if s.n_techniques * s.years <= AUTO_EXACT_UP_TO else "first-order"


def auto_gap(s: Structure, gap: float) -> float:
    """The gap ``auto`` asks of the first-order method: exact (:data:`EXACT_GAP`) where the
    exact finish applies, the gap asked for beyond."""
    return min(gap, EXACT_GAP) if s.n_techniques * s.years <= VERTEX_UP_TO else gap


def solve_plan(
    economy: Economy,
    *,
    solver: str = "auto",
    threads: int = 0,
    time_limit: float | None = None,
    gap: float = DEFAULT_GAP,
    progress: Progress | None = None,
) -> Plan:
    """Compute the optimal plan of ``economy``.

    Parameters
    ----------
    economy : Economy
        Products, techniques, stocks, targets and supplies over the horizon.
    solver : str
        ``"auto"`` (the default: primal simplex up to :data:`AUTO_EXACT_UP_TO` techniques x
        years, the first-order method beyond, asked for an exact plan where it can finish at
        the optimal vertex, see :func:`auto_gap`), ``"primal"`` or ``"dual"`` (simplex),
        ``"ipm"`` (interior point with crossover), ``"hipo"`` (HiGHS's newer interior point,
        needs ``highspy-extras``), ``"choose"`` (HiGHS decides), ``"first-order"`` (HiGHS's
        hipdlp run to ever finer tolerances until its certified gap is ``gap``), ``"pdhg"``
        (Rada's own PDHG kernel, certified between slices) or ``"pdlp"`` (HiGHS's older
        first-order method, run like ``"first-order"``).
    time_limit : float, optional
        Stop after this many seconds, counted from this call (compiling the economy and
        formulating the programme take part of them: about 8 s at 100,000 products x 5
        years). Exact solvers then raise ``PlanNotOptimal``; first-order ones return the best
        certified plan so far.
    gap : float
        First-order solvers stop when the certified relative gap is at most this.
    progress : callable, optional
        Called with a short message at each stage (the CLI shows them).

    Returns
    -------
    Plan
        Activities, fulfilment, stocks, resource use and every shadow price. From a
        first-order solver, the certified plan (``status`` ``"optimal"`` when its gap is
        within ``gap``, else ``"time limit"``, or ``"gap not reached"`` when the solver could
        go no further; see :func:`certified_plan`).

    Raises
    ------
    PlanInfeasible
        Committed deliveries cannot all be met; names the constraints that conflict.
    PlanUnbounded
        Some year's fulfilment is not limited by anything.
    PlanNotOptimal
        An exact solver stopped for another reason (time limit, numerical trouble).
    SolverUnavailable
        ``solver="hipo"`` where ``highspy-extras`` is not installed.

    >>> from pathlib import Path
    >>> from rada.planning.formats.cockshott import read_cockshott
    >>> toy = Path(__file__).parents[4] / "shared/data/cockshott-toy/v2019"
    >>> round(solve_plan(read_cockshott(toy)).objective, 6)
    8.797299
    """
    say = progress or (lambda message: None)
    check_limits(gap=gap, time_limit=time_limit)
    started = time.perf_counter()

    def left() -> float | None:
        """The time limit's seconds left (a sliver where none are: the solvers then return
        what they have at once)."""
        if time_limit is None:
            return None
        return max(time_limit - (time.perf_counter() - started), LEFT_AT_LEAST)

    if solver not in SOLVER_NAMES:
        raise PlanningError(f"unknown solver {solver!r}; use one of {', '.join(SOLVER_NAMES)}")
    say("compiling the economy")
    structure = compile_economy(economy)
    closed: tuple[Candidate, Certificate] | None = None
    aim = gap
    if solver == "auto":
        settled, closed = _settled_in_closed_form(economy, structure, say=say)
        if settled is not None:
            return settled
        solver = choose_solver(structure)
        say(f"solver: {solver}")
        aim = auto_gap(structure, gap) if solver == "first-order" else gap
    say("formulating the linear programme")
    lp = build_programme(structure)
    shape = f"{lp.matrix.shape[0]} constraints x {lp.matrix.shape[1]} variables"
    if solver in ("first-order", "pdlp", "pdhg"):
        return _first_order(
            economy,
            structure,
            lp,
            solver=solver,
            gap=gap,
            aim=aim,
            time_limit=left(),
            say=say,
            closed=closed,
        )
    say(f"solving {shape} with HiGHS ({solver})")
    solved = run_highs_within(
        lp,
        maximise=True,
        solver=solver,
        threads=threads,
        time_limit=left(),
    )
    if solved.status == "Infeasible":
        say("finding the constraints that conflict")
        raise PlanInfeasible(_conflicts(economy, structure, lp, solver=solver))
    if solved.status in UNBOUNDED:
        raise _unbounded(solved.status)
    if solved.status == "Time limit reached":
        raise PlanNotOptimal(
            solved.status,
            f"no optimal plan within the time limit of {time_limit:g} s ({shape})",
            hint="raise the time limit, or use --solver first-order, which returns the best "
            "certified plan it has at the time limit (see docs/planning.md, First-order solvers)",
        )
    if solved.status != "Optimal":
        raise PlanNotOptimal(
            solved.status,
            f"HiGHS stopped without an optimal plan: {solved.status}",
            hint="try another solver (--solver dual, ipm or first-order)",
        )
    say("certifying the plan")
    return _unpack(economy, structure, lp.layout, solved)


def check_limits(*, gap: float, time_limit: float | None) -> None:
    """Refuse a gap that is not a relative gap (a number above 0 and below 1) and a time
    limit that is not a positive number of seconds; NaN is neither.

    >>> check_limits(gap=1e-6, time_limit=60.0)
    >>> check_limits(gap=0.0, time_limit=None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rada.planning.errors.PlanningError: the gap is relative: ... (got 0.0)
    """
    if not 0.0 < gap < 1.0:
        raise PlanningError(
            f"the gap is relative: a number above 0 and below 1, such as 1e-6 (got {gap!r})"
        )
    if time_limit is not None and not 0.0 < time_limit < float("inf"):
        raise PlanningError(
            f"the time limit is a number of seconds above 0, such as 60 (got {time_limit!r})"
        )


#: HiGHS's statuses for a programme whose fulfilment can grow without limit.
UNBOUNDED = ("Unbounded", "Primal infeasible or unbounded")


def _unbounded(status: str) -> PlanUnbounded:
    return PlanUnbounded(
        status,
        "fulfilment can grow without limit: some targeted product needs no labour, "
        "capacity or stock that is in short supply",
        hint="give every technique its labour and capital needs, or a capacity",
    )


def _settled_in_closed_form(
    economy: Economy, s: Structure, *, say: Progress
) -> tuple[Plan | None, tuple[Candidate, Certificate] | None]:
    """The plan with no investment, when its certificate proves it optimal; and that plan
    with its certificate, for a first-order solver to start from.

    Where nothing binds but labour (no stocks, or stocks and capacities to spare, as in a
    national table planned over years), each year's best plan is the Leontief solve of its
    targets scaled to the labour supply, priced by labour values, and the certificate
    proves it to within :data:`EXACT_GAP`: no linear programme needs solving (WIOD 2011 over
    five years: about 2 s, where primal simplex takes about 60 s). Otherwise ``None``, and
    ``auto`` goes on to choose a solver; the attempt costs one Leontief solve per year and one
    certificate (about a second at 10,000 products, which a first-order solver then reuses).
    """
    started = time.perf_counter()
    closed = certified_closed_form(s, labour=economy.resource_index[economy.labour])
    if closed is None:
        return None, None
    certificate = closed[1]
    if not (np.isfinite(certificate.lower_bound) and certificate.gap <= EXACT_GAP):
        say(f"the plan with no investment is not optimal (gap {certificate.gap:.3g})")
        return None, closed
    say(f"the plan with no investment is optimal: certified gap {certificate.gap:.3g}")
    return certified_plan(
        economy,
        s,
        certificate,
        gap=EXACT_GAP,
        iterations=0,
        seconds=time.perf_counter() - started,
    ), closed


def _first_order(
    economy: Economy,
    s: Structure,
    lp: LinearProgramme,
    *,
    solver: str,
    gap: float,
    aim: float,
    time_limit: float | None,
    say: Progress,
    closed: tuple[Candidate, Certificate] | None = None,
) -> Plan:
    """Solve by a first-order method and return the best plan it certified (``closed``: the
    closed-form plan and its certificate, where ``auto`` has made them). The solver runs
    until ``aim`` (finer than ``gap`` where ``auto`` wants an exact plan); the plan is
    ``"optimal"`` when it proves ``gap``."""
    labour = economy.resource_index[economy.labour]
    shape = f"{lp.matrix.shape[0]} constraints x {lp.matrix.shape[1]} variables"
    say(f"solving {shape} by {solver} to a certified gap of {aim:g}")
    if solver == "pdhg":
        run = solve_pdhg(
            s,
            lp,
            labour=labour,
            gap=aim,
            time_limit=time_limit,
            progress=say,
            start=closed[0] if closed else None,
            certified=closed[1] if closed else None,
        )
    else:
        method = "hipdlp" if solver == "first-order" else solver
        run = solve_highs_first_order(
            s,
            lp,
            labour=labour,
            gap=aim,
            time_limit=time_limit,
            method=method,
            progress=say,
            start=closed[0] if closed else None,
            certified=closed[1] if closed else None,
        )
    if not np.isfinite(run.certificate.lower_bound):
        if run.stopped == "Infeasible":
            # HiGHS's first-order method found no plan: name the conflict by the same elastic
            # programme as the exact path, solved by hipdlp (at 1,000 x 5: 4 s against primal
            # simplex's 491 s, the same 144 conflicts, shortfalls equal to about 1e-4).
            say("finding the constraints that conflict")
            conflicts = _conflicts(economy, s, lp, solver="hipdlp")
            if conflicts:
                raise PlanInfeasible(conflicts)
        if run.stopped in UNBOUNDED:
            raise _unbounded(run.stopped)
        raise PlanNotOptimal(
            run.stopped,
            f"{solver} found no feasible plan ({run.stopped})",
            hint="solve exactly (--solver primal) to find the constraints that conflict",
        )
    return _certified_plan(economy, s, run, gap=gap)


def _certified_plan(economy: Economy, s: Structure, run: FirstOrderRun, *, gap: float) -> Plan:
    """The plan a first-order run proves: its certificate's repaired plan and prices."""
    return certified_plan(
        economy,
        s,
        run.certificate,
        gap=gap,
        iterations=run.iterations,
        seconds=run.seconds,
        stopped=run.stopped,
    )


def certified_plan(
    economy: Economy,
    s: Structure,
    certificate: Certificate,
    *,
    gap: float,
    iterations: int,
    seconds: float,
    stopped: str = "time limit",
) -> Plan:
    """The plan a certificate proves, for a solver whose own point is only approximate (a
    first-order method, on the CPU or a GPU): the certificate's repaired plan, priced by its
    certified prices, worth its lower bound. Its status is ``"optimal"`` when the gap is at
    most ``gap``; otherwise ``"time limit"`` when that is why the solver ``stopped``, else
    ``"gap not reached"`` (the solver could go no further: HiGHS's hipdlp stalls below a
    tolerance of 1e-10, and pdhg without a limit ends where its gap has stopped falling)."""
    c = certificate
    return _plan(
        economy,
        s,
        c,
        status="optimal"
        if c.gap <= gap
        else "time limit"
        if stopped == "time limit"
        else "gap not reached",
        objective=c.lower_bound,
        fulfilment=c.plan.fulfilment,
        activity=c.plan.activity,
        stocks=c.plan.stocks,
        investment=c.plan.investment,
        iterations=iterations,
        seconds=seconds,
    )


def _unpack(economy: Economy, s: Structure, lay: Layout, solved: Solved) -> Plan:
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
    return _plan(
        economy,
        s,
        certificate,
        status="optimal",
        objective=solved.objective,
        fulfilment=fulfilment,
        activity=activity,
        stocks=stocks,
        investment=investment,
        iterations=solved.iterations,
        seconds=solved.seconds,
    )


def _plan(
    economy: Economy,
    s: Structure,
    certificate: Certificate,
    *,
    status: str,
    objective: float,
    fulfilment: FloatArray,
    activity: FloatArray,
    stocks: FloatArray,
    investment: FloatArray,
    iterations: int,
    seconds: float,
) -> Plan:
    """A plan from its activities and investments, priced by its certificate."""
    T = s.years
    taken = accumulation(s, investment, T)
    gross = (s.out @ activity.T).T
    used = (s.inp @ activity.T).T
    prices = certificate.prices
    return Plan(
        economy=economy,
        structure=s,
        status=status,
        objective=objective,
        fulfilment=fulfilment,
        activity=activity,
        gross_output=gross,
        final_consumption=gross - used - taken,
        accumulation=taken,
        stocks=stocks,
        investment=investment,
        resource_used=(s.res @ activity.T).T,
        product_prices=prices.product,
        resource_prices=prices.resource,
        stock_prices=prices.stock,
        capacity_prices=prices.capacity,
        iterations=iterations,
        seconds=seconds,
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
    solved = run_highs(elastic, maximise=False, solver=solver, threads=0)
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
