"""The first-order solver: its certified bounds bracket the exact optimum, it stops at the gap
asked for, and at the time limit it returns the best certified plan, never nothing."""

from __future__ import annotations

import copy
import itertools
import math
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from rada.planning import first_order, optimal
from rada.planning.errors import PlanningError, SolverUnavailable
from rada.planning.feasibility import plan_violation
from rada.planning.first_order import (
    FoldedRows,
    candidate_of,
    closed_form,
    point_of,
    solve_highs_first_order,
    solve_pdhg,
    tolerances,
)
from rada.planning.generate import generate_economy
from rada.planning.highs import hipo_available, run_highs
from rada.planning.optimal import choose_solver, solve_plan
from rada.planning.programme import Layout, LinearProgramme, build_programme
from rada.planning.structure import compile_economy
from rada.planning.sweeps import Sweeps

#: Bounds are compared with the exact optimum to this, relative: the exact optimum itself
#: is only known to HiGHS's tolerances.
ROUNDING = 1e-9


def _brackets(lower: float, exact: float, upper: float) -> bool:
    scale = max(1.0, abs(exact))
    return lower <= exact + ROUNDING * scale and exact <= upper + ROUNDING * scale


@pytest.mark.parametrize("solver", ["first-order", "pdhg"])
@pytest.mark.parametrize(
    ("products", "years", "seed", "alternatives"),
    [(30, 2, 1, 0.0), (80, 3, 2, 0.0), (60, 4, 3, 0.3)],
)
def test_first_order_bounds_bracket_the_exact_optimum(
    products: int, years: int, seed: int, alternatives: float, solver: str
) -> None:
    economy = generate_economy(products=products, years=years, seed=seed, alternatives=alternatives)
    exact = solve_plan(economy, solver="primal").objective
    plan = solve_plan(economy, solver=solver, gap=1e-6, time_limit=120)
    c = plan.certificate
    assert plan.status == "optimal"
    assert c.gap <= 1e-6
    assert _brackets(c.lower_bound, exact, c.upper_bound)
    assert c.max_violation <= 1e-9
    assert plan.objective == c.lower_bound
    assert np.allclose(plan.fulfilment, c.plan.fulfilment)


@pytest.mark.parametrize("solver", ["first-order", "pdhg"])
def test_a_first_order_plan_is_proved_exact_with_labour_in_abundance(solver: str) -> None:
    """Labour a million times what the capacities let the economy use. Until 2026-12-06 no
    point could be proved better than 1e-5, whatever the solver: the certificate paid the
    hair of 1e-11 it adds to the targets' worth by the price of all that labour (hipdlp gave
    up at 9.8e-6 here, and at 1.5e-5 at 300 x 5 after 34 s where now 6). And pdhg started
    from the closed form scaled to the labour supply, activities a million times too large,
    and stalled at 0.031."""
    economy = generate_economy(products=100, years=3, seed=1)
    plenty = replace(
        economy, supply={r: tuple(v * 1e6 for v in vs) for r, vs in economy.supply.items()}
    )
    plan = solve_plan(plenty, solver=solver, gap=1e-9)
    assert plan.status == "optimal"
    assert plan.certificate.gap <= 1e-9
    assert plan.objective == pytest.approx(solve_plan(economy, solver="primal").objective)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_closed_form_plan_is_feasible_where_stocks_and_capacities_bind(seed: int) -> None:
    """The plan with no investment keeps within every supply, capacity and worn-down initial
    stock (until 2026-12-06 it was scaled to labour alone and overdrew the stocks of
    generated economies from the second year on)."""
    economy = generate_economy(products=60, years=4, seed=seed)
    s = compile_economy(economy)
    start = closed_form(s, labour=economy.resource_index[economy.labour])
    assert start is not None
    violation = plan_violation(
        s,
        fulfilment=start.fulfilment,
        activity=start.activity,
        stocks=start.stocks,
        investment=start.investment,
    )
    assert violation <= 1e-12
    assert np.all(start.fulfilment > 0)


def test_the_older_pdlp_is_certified_and_brackets_the_exact_optimum() -> None:
    economy = generate_economy(products=60, years=3, seed=4)
    exact = solve_plan(economy, solver="primal").objective
    plan = solve_plan(economy, solver="pdlp", gap=1e-5, time_limit=120)
    c = plan.certificate
    assert _brackets(c.lower_bound, exact, c.upper_bound)


def test_hipdlp_runs_to_ever_finer_tolerances_from_a_cheap_first_one() -> None:
    assert tolerances(1e-6) == [1e-2, 1e-3, 1e-6, 1e-9, 1e-10]
    assert tolerances(1e-4) == [1e-2, 1e-3, 1e-7, 1e-8, 1e-9, 1e-10]
    assert tolerances(1e-9) == [1e-2, 1e-3, 1e-6, 1e-10]  # hipdlp stalls below 1e-10
    assert tolerances(1e-2) == [1e-2, 1e-3, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
    # Without a time limit nothing is gained by the early runs, except a coarse one whose
    # sharpened point may prove the gap.
    assert tolerances(1e-6, early=False) == [1e-9, 1e-10]
    assert tolerances(1e-3, early=False) == [1e-3, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]
    assert tolerances(5e-4, early=False) == [5e-7, 5e-8, 5e-9, 5e-10]


@pytest.mark.parametrize("solver", ["first-order", "pdhg", "pdlp"])
def test_at_the_time_limit_the_best_certified_plan_is_returned_not_nothing(solver: str) -> None:
    economy = generate_economy(products=150, years=3, seed=5)
    plan = solve_plan(economy, solver=solver, gap=1e-12, time_limit=1e-6)  # at the limit at once
    c = plan.certificate
    assert plan.status == "time limit"
    assert 0 < c.lower_bound <= c.upper_bound
    assert c.max_violation <= 1e-9
    assert plan.activity.shape == (3, 150)


def test_pdhg_ends_before_its_deadline_when_its_slices_are_slow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 100,000 x 5 a slice of iterations and a certificate take about 20 s: a run that
    noticed its deadline only after passing it answered too late for the process waiting on
    it. Slices slowed to 0.4 s each stand in for that here."""
    steps = first_order._Halpern.steps

    def slow(self: first_order._Halpern, count: int) -> None:
        steps(self, count)
        time.sleep(0.4)

    monkeypatch.setattr(first_order._Halpern, "steps", slow)
    s = compile_economy(generate_economy(products=60, years=3, seed=8))
    run = solve_pdhg(
        s, build_programme(s), labour=0, gap=1e-12, time_limit=2.0, kernel="halpern"
    )  # named: timing the kernel's steps to choose one would take the slow steps too
    assert run.stopped == "time limit"
    assert run.seconds < 2.0
    assert run.iterations >= first_order.CHECK_EVERY


def test_pdhg_sharpens_its_prices_by_the_surrogate(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the best prices so far, pdhg solves the surrogate of the yearly balances (whose
    optimum bounds the plan's) and certifies its duals: the upper bound falls, and both runs'
    bounds still bracket the optimum. Time to sharpen is made ample, any gap is let through,
    and the exact finish is kept out, so that the surrogate alone makes the difference."""
    s = compile_economy(generate_economy(products=150, years=4, seed=7))
    lp = build_programme(s)
    optimum = run_highs(lp, maximise=True, solver="primal", threads=0).objective
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "PDHG_SHARPEN_FROM", 1.0)
    runs = {}
    for share in (0.0, 100.0):
        monkeypatch.setattr(first_order, "PDHG_SHARPEN_SHARE", share)
        said: list[str] = []
        run = solve_pdhg(s, lp, labour=0, gap=1e-12, iteration_limit=1024, progress=said.append)
        runs[share] = run.certificate, said
        c = run.certificate
        assert c.lower_bound <= optimum * (1 + 1e-9)
        assert optimum <= c.upper_bound * (1 + 1e-9)
    (plain, plain_said), (sharp, sharp_said) = runs[0.0], runs[100.0]
    assert not any("surrogate" in line for line in plain_said)
    assert any(line.startswith("surrogate: upper bound") for line in sharp_said)
    assert sharp.upper_bound < plain.upper_bound


def test_pdhg_sharpens_again_from_a_later_point_s_prices_once_its_steps_doubled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Besides whenever a point proves a better upper bound than the last surrogate, pdhg
    tries a surrogate again from a later point's prices once it has taken twice the steps
    (:data:`first_order.PDHG_RESHARPEN`); never twice from the same prices."""
    s = compile_economy(generate_economy(products=150, years=4, seed=7))
    lp = build_programme(s)
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "PDHG_SHARPEN_FROM", 1.0)
    monkeypatch.setattr(first_order, "PDHG_SHARPEN_SHARE", 100.0)
    # Every slice certified, as the clock would have it on a slow machine: which slices are
    # certified otherwise follows the clock, and with it whether a try falls in the run.
    monkeypatch.setattr(first_order, "CERTIFY_SHARE", np.inf)
    sharpen = first_order._sharpen

    def tries(resharpen: float) -> list[tuple[int, np.ndarray]]:
        monkeypatch.setattr(first_order, "PDHG_RESHARPEN", resharpen)
        calls: list[tuple[int, np.ndarray]] = []
        said: list[str] = []

        def counting(*args: object, **kwargs: object) -> tuple[object, int, int]:
            steps = [int(line.split()[1][:-1]) for line in said if line.startswith("iteration")]
            calls.append((max(steps), np.array(args[4])))
            return sharpen(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(first_order, "_sharpen", counting)
        solve_pdhg(s, lp, labour=0, gap=1e-12, iteration_limit=3000, progress=said.append)
        return calls

    again, only_fresh = tries(2.0), tries(np.inf)
    assert len(again) > len(only_fresh) >= 1
    assert any(after >= 2 * before for (before, _), (after, _) in itertools.pairwise(again))
    for (_, first), (_, second) in itertools.pairwise(again):
        assert not np.array_equal(first, second)


def test_hipdlp_stopped_by_the_time_limit_returns_the_closed_form_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    economy = generate_economy(products=150, years=3, seed=6)
    # Its runs judged short enough to start, though they are not: it returns nothing, the
    # start is kept.
    monkeypatch.setattr(first_order, "_hipdlp_seconds", lambda *args, **kwargs: 0.0)
    plan = solve_plan(economy, solver="first-order", gap=1e-12, time_limit=0.02)
    assert plan.status == "time limit"
    assert plan.certificate.lower_bound > 0
    assert plan.certificate.max_violation <= 1e-9


def test_an_iteration_limit_keeps_the_best_certificate_which_only_improves() -> None:
    s = compile_economy(generate_economy(products=100, years=3, seed=7))
    lp = build_programme(s)
    start = closed_form(s, labour=0)
    assert start is not None
    first = solve_pdhg(s, lp, labour=0, gap=0.0, iteration_limit=0)
    longer = solve_pdhg(s, lp, labour=0, gap=0.0, iteration_limit=3000)
    assert first.stopped == longer.stopped == "iteration limit"
    assert longer.certificate.gap <= first.certificate.gap
    assert longer.certificate.lower_bound >= first.certificate.lower_bound - 1e-12


def _iterates(products: int, seed: int) -> first_order._Iterates:
    """PDHG's iterates on a generated economy's programme, at its closed-form start."""
    s = compile_economy(generate_economy(products=products, years=3, seed=seed))
    lp = build_programme(s)
    start = closed_form(s, labour=0)
    assert start is not None
    x, y = point_of(lp, start)
    q = first_order._Scaled(lp)
    return first_order._Iterates(q, x / q.cols, y / q.rows)


def test_pdhg_takes_a_step_only_within_pdlp_s_bound_and_adapts_its_size() -> None:
    it = _iterates(120, 11)
    first = it.eta
    for _ in range(200):
        x, y, ax, w = it.xs.copy(), it.ys.copy(), it.ax.copy(), it.weight
        it._anchor()  # the sums then hold this one step, weighted by its size
        it.steps(1)
        taken = it.summed
        dx, dy = it.xs - x, it.ys - y
        across = abs(float(dy @ (it.ax - ax)))
        moved = w * float(dx @ dx) + float(dy @ dy) / w
        assert across == 0.0 or taken <= moved / (2.0 * across) * (1 + 1e-12)
    assert it.tried == 200 + it.rejected
    assert it.eta != first  # the size adapted to the steps taken


def test_a_step_that_is_not_a_number_is_taken_not_retried_for_ever() -> None:
    it = _iterates(40, 13)
    it.ys[0] = np.nan
    it.aty = it.q.at @ it.ys
    it.steps(3)
    assert it.tried == 3
    assert np.isnan(it.ys).any()


def _pdhg_step(
    q: first_order._Scaled, x: np.ndarray, y: np.ndarray, weight: float, eta: float
) -> tuple[np.ndarray, np.ndarray]:
    """PDHG's step from ``(x, y)`` in the textbook's form (Chambolle and Pock's)."""
    tau, sigma = eta / weight, eta * weight
    xh = np.clip(x - tau * (q.c - q.at @ y), q.lower, q.upper)
    t = y / sigma - q.a @ (2 * xh - x)
    yh = sigma * (t - np.clip(t, -q.row_upper, -q.row_lower))
    return xh, yh


def test_the_pdlp_kernel_s_fused_step_is_the_textbook_s() -> None:
    it = _iterates(80, 12)
    q = it.q
    for _ in range(12):
        it.eta = q.safe_step  # always taken, so the step's size is known
        x, y, w = it.xs.copy(), it.ys.copy(), it.weight
        sums = [part.copy() for part in it.sums]
        it.steps(1)
        xh, yh = _pdhg_step(q, x, y, w, q.safe_step)
        for mine, theirs in (
            (it.xs, xh), (it.ys, yh), (it.ax, q.a @ xh), (it.aty, q.at @ yh),
            (it.sums[0], sums[0] + q.safe_step * xh), (it.sums[1], sums[1] + q.safe_step * yh),
        ):  # fmt: skip
            assert np.abs(mine - theirs).max() <= 1e-12 * max(1.0, np.abs(theirs).max())
    # Balances are bounded below, every other row above: their prices have those signs.
    below = np.isfinite(q.row_lower) & ~np.isfinite(q.row_upper)
    assert (it.ys[below] >= 0).all()
    assert (it.ys[~below] <= 0).all()


def _in_blocks(it: Any, parts: int) -> Any:
    """``it`` with its programme's sweeps cut into ``parts`` blocks on as many threads."""
    q = copy.copy(it.q)
    q.sweeps = Sweeps(q.a, q.at, ThreadPoolExecutor(parts), parts)
    it.q = q
    return it


def test_the_sweeps_in_blocks_on_threads_step_as_one_block() -> None:
    one, blocks = _iterates(120, 11), _in_blocks(_iterates(120, 11), 3)
    assert len(blocks.q.sweeps.rows) == len(blocks.q.sweeps.cols) == 3
    assert len(one.q.sweeps.rows) == 1
    # PDLP's kernel adds its blocks' sums in another order: the step sizes differ in their last
    # bits, and the iterates with them, by rounding.
    one.steps(5)
    blocks.steps(5)
    pairs = zip((blocks.xs, blocks.ys, *blocks.sums), (one.xs, one.ys, *one.sums), strict=True)
    for mine, theirs in pairs:
        assert np.abs(mine - theirs).max() <= 1e-12 * max(1.0, np.abs(theirs).max())
    # The Halpern kernel's step size is fixed and it sums nothing: the same to the bit.
    one_h, blocks_h = _halpern(120, 11), _halpern(120, 11)
    _in_blocks(blocks_h, 3)
    one_h.steps(20)
    blocks_h.steps(20)
    for mine, theirs in zip(blocks_h.image, one_h.image, strict=True):
        assert mine.tobytes() == theirs.tobytes()


def _halpern(products: int, seed: int) -> first_order._Halpern:
    """The Halpern kernel's iterates on a generated economy's programme, at its closed-form
    start."""
    it = _iterates(products, seed)
    return first_order._Halpern(it.q, it.xs, it.ys)


def test_the_halpern_kernel_stays_at_the_optimum_once_it_has_reached_it_to_rounding() -> None:
    """Past the optimum, reached to rounding in about 1,000 steps here, the restarts keep the
    primal weight and the fixed-point error stays a number: the kernel's point still proves
    the gap after 12,000 steps. Before MOVED_LEAST the weight climbed to 5e14 on distances
    of rounding, and the point's prices certified no better than the closed-form start's
    (0.0583): which point a run certified, by the clock, decided whether pdhg proved 1e-6."""
    s, lp, folded, q, start, _ = _scaled_closed_form(40, 2, 9)
    it = first_order._Halpern(q, start[0], start[2])
    weights, errors, gaps = [], [], []
    for stepped in range(64, 12_001, 64):
        it.steps(64)
        cand, restart = it.candidate(stepped)
        errors.append(it.last_error)
        if stepped % 256 == 0:
            point = candidate_of(s, lp, cand[0] * q.cols, folded.unfold(cand[2] * q.rows))
            gaps.append(first_order.certify(s, point, labour=0).gap)
        if restart:
            it.restart(cand)
        weights.append(it.weight)
    assert not any(math.isnan(error) for error in errors)
    assert gaps[0] > 1e-6  # the kernel has not reached it after 256 steps ...
    assert max(gaps[2048 // 256 - 1 :]) <= 1e-6  # ... and is there from 2,048 on
    assert max(weights[len(weights) // 4 :]) <= 1e3 * min(weights[len(weights) // 4 :])


def test_the_halpern_kernel_steps_as_the_textbook_writes_them() -> None:
    """The kernel keeps its iterates as offsets from the anchor and folds constants into the
    epoch: the same steps as ``z <- (k+1)/(k+2) (2 T(z) - z) + z0/(k+2)``, rounding apart."""
    it = _halpern(80, 12)
    x0, _, y0, _ = it.anchor
    x, y = x0.copy(), y0.copy()
    for k in range(12):
        xh, yh = _pdhg_step(it.q, x, y, it.weight, it.eta)
        keep = (k + 1) / (k + 2)
        x = keep * (2 * xh - x) + x0 / (k + 2)
        y = keep * (2 * yh - y) + y0 / (k + 2)
        it.steps(1)
        mine_x, mine_ax, mine_y, mine_aty = (
            a + u for a, u in zip(it.anchor, it.offsets, strict=True)
        )
        for mine, theirs in (
            (mine_x, x),
            (mine_y, y),
            (mine_ax, it.q.a @ x),
            (mine_aty, it.q.at @ y),
        ):
            assert np.abs(mine - theirs).max() <= 1e-9 * max(1.0, np.abs(theirs).max())


def test_the_halpern_kernel_s_fixed_point_error_falls_and_restarts_balance_the_weight() -> None:
    it = _halpern(120, 11)
    first = it.fixed_point_error()
    total = 0
    for _ in range(20):
        it.steps(first_order.CHECK_EVERY)
        total += first_order.CHECK_EVERY
        cand, restart = it.candidate(total)
        if restart:
            it.restart(cand)
    assert 0 < it.fixed_point_error() < first / 10
    # A restart that moved the primal e times as far as the dual (in the weight's terms)
    # lowers the weight by a factor of e (the gains add up to 1 on a first imbalance).
    it.errors.clear()
    x0, ax0, y0, aty0 = it.anchor
    direction_x = np.ones_like(x0) / np.sqrt(x0.size)
    direction_y = np.ones_like(y0) / np.sqrt(y0.size)
    weight = it.weight
    moved = (x0 + np.e / weight * direction_x, ax0, y0 + direction_y, aty0)
    it.restart(moved)
    assert it.weight == pytest.approx(weight / np.e, rel=1e-12)
    assert it.inner == 0
    assert all(not u.any() for u in it.offsets)


def test_a_halpern_point_that_is_not_a_number_restarts_and_ends_its_steps() -> None:
    it = _halpern(40, 13)
    it.anchor[2][0] = np.nan
    it._begin(*it.anchor)
    it.steps(3)
    # A total so large that the artificial restart cannot be what restarts it.
    _, restart = it.candidate(10**9)
    assert restart
    assert it.inner == 3


@pytest.mark.parametrize("kernel", sorted(first_order.KERNELS))
def test_each_pdhg_kernel_brackets_the_exact_optimum(kernel: str) -> None:
    s = compile_economy(generate_economy(products=80, years=3, seed=2))
    lp = build_programme(s)
    optimum = run_highs(lp, maximise=True, solver="primal", threads=0).objective
    run = solve_pdhg(s, lp, labour=0, gap=1e-6, kernel=kernel)
    c = run.certificate
    assert run.stopped == "gap"
    assert c.gap <= 1e-6
    assert _brackets(c.lower_bound, optimum, c.upper_bound)


def test_pdhg_runs_the_halpern_kernel_where_its_steps_have_time_to_pay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a limit, and where the limit leaves HALPERN_FROM_STEPS of its steps at their
    pace here, the Halpern kernel runs; under a tighter limit, PDLP's, whose prices are the
    better ones early on."""
    s = compile_economy(generate_economy(products=40, years=2, seed=3))
    lp = build_programme(s)
    q = first_order._Scaled(lp)
    pace = first_order._step_seconds(q)
    assert 0 < pace < 0.1  # a step of a programme this small
    monkeypatch.setattr(first_order, "_step_seconds", lambda q: 1e-3)
    steps = first_order.HALPERN_FROM_STEPS * 1e-3
    assert first_order.choose_kernel(q, None) == "halpern"
    assert first_order.choose_kernel(q, steps * 1.01) == "halpern"
    assert first_order.choose_kernel(q, steps * 0.99) == "pdlp"
    said: list[str] = []
    solve_pdhg(s, lp, labour=0, gap=1e-4, time_limit=steps * 0.5, progress=said.append)
    assert "pdhg's kernel: pdlp" in said


def test_an_unknown_pdhg_kernel_is_refused() -> None:
    s = compile_economy(generate_economy(products=20, years=2, seed=1))
    with pytest.raises(
        PlanningError, match="unknown pdhg kernel 'adam'; use one of auto, halpern, pdlp"
    ):
        solve_pdhg(s, build_programme(s), labour=0, kernel="adam")


def test_the_closed_form_start_is_feasible_and_close_on_generated_economies() -> None:
    economy = generate_economy(products=200, years=3, seed=8)
    s = compile_economy(economy)
    start = closed_form(s, labour=0)
    assert start is not None
    exact = solve_plan(economy, solver="primal").objective
    from rada.planning.certificate import certify

    c = certify(s, start, labour=0)
    assert c.max_violation <= 1e-9
    assert exact * 0.99 <= c.lower_bound <= exact


def test_economies_with_a_choice_of_technique_have_no_closed_form() -> None:
    s = compile_economy(generate_economy(products=40, years=2, seed=9, alternatives=0.5))
    assert closed_form(s, labour=0) is None


def _dual_check(lp: LinearProgramme, y: np.ndarray) -> tuple[float, float]:
    """The largest violation of the dual's signs by prices ``y`` of ``min -cost x``, and their
    dual objective."""
    reduced = -lp.cost - lp.matrix.T @ y
    worst = max(
        float(np.max(np.where(np.isfinite(lp.row_lower), 0.0, np.maximum(y, 0.0)), initial=0)),
        float(np.max(np.where(np.isfinite(lp.row_upper), 0.0, np.maximum(-y, 0.0)), initial=0)),
        float(np.max(np.where(np.isfinite(lp.col_lower), 0.0, np.maximum(reduced, 0.0)))),
        float(np.max(np.where(np.isfinite(lp.col_upper), 0.0, np.maximum(-reduced, 0.0)))),
    )
    # Rounding leaves reduced costs of about 1e-15 on either side of zero; they are worth nothing.
    y, reduced = np.where(abs(y) > 1e-12, y, 0.0), np.where(abs(reduced) > 1e-12, reduced, 0.0)
    rows = np.where(y > 0, lp.row_lower, lp.row_upper)
    cols = np.where(reduced > 0, lp.col_lower, lp.col_upper)
    value = float(y[y != 0] @ rows[y != 0]) + float(reduced[reduced != 0] @ cols[reduced != 0])
    return worst, value


def _hand_programme() -> LinearProgramme:
    """max x0 + x1 + x2 with single-entry rows of both signs and senses: ``2 x0 <= 4`` and the
    parallel ``3 x0 <= 6`` (equally tight), ``-x1 >= -5`` (x1 <= 5), ``x1 >= 1``, ``x2 <= 9``
    where x2's own bound 3 is tighter, and one row of two entries ``x0 + x1 + x2 <= 9.5``."""
    matrix = sp.csc_array(
        np.array(
            [[2.0, 0, 0], [3.0, 0, 0], [0, -1.0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 1.0]]
        )
    )
    inf = np.inf
    return LinearProgramme(
        Layout(P=1, N=3, R=0, K=0, T=1),  # read by no one here: the rows are made by hand
        matrix,
        np.ones(3),
        np.zeros(3),
        np.array([inf, inf, 3.0]),
        np.array([-inf, -inf, -5.0, 1.0, -inf, -inf]),
        np.array([4.0, 6.0, inf, inf, 9.0, 9.5]),
    )


@pytest.mark.parametrize("which", ["generated", "hand"])
def test_rows_of_one_entry_fold_into_bounds_and_their_prices_come_back_exact(which: str) -> None:
    if which == "generated":
        lp = build_programme(compile_economy(generate_economy(products=40, years=3, seed=10)))
    else:
        lp = _hand_programme()
    folded = FoldedRows(lp)
    singles = np.diff(sp.csr_array(lp.matrix).indptr) == 1
    assert singles.any()
    assert np.array_equal(folded.kept, ~singles)
    assert folded.lp.matrix.shape == (int((~singles).sum()), lp.matrix.shape[1])
    whole = run_highs(lp, maximise=True, solver="dual", threads=0)
    part = run_highs(folded.lp, maximise=True, solver="dual", threads=0)
    assert whole.status == part.status == "Optimal"
    assert part.objective == pytest.approx(whole.objective, rel=1e-9)
    # The folded programme's optimal prices, read back, are optimal prices of the whole one:
    # dual-feasible, and worth its optimum.
    y = folded.unfold(-part.row_dual)
    worst, value = _dual_check(lp, y)
    assert worst <= 1e-9
    assert -value == pytest.approx(whole.objective, rel=1e-9)
    if which == "hand":
        assert whole.objective == pytest.approx(2.0 + 4.5 + 3.0)
        # The row x0 + x1 + x2 <= 9.5 binds (price 1), and nothing else has a price: the
        # first of the parallel rows x0 <= 2 would hold one had it bound alone.
        assert y[5] == pytest.approx(-1.0)
        assert np.allclose(y[:5], 0.0)


def test_the_row_price_of_a_bound_that_binds_goes_to_the_first_row_that_sets_it() -> None:
    lp = _hand_programme()
    lp = LinearProgramme(
        lp.layout, lp.matrix, lp.cost, lp.col_lower, lp.col_upper, lp.row_lower,
        np.array([4.0, 6.0, np.inf, np.inf, 9.0, 100.0]),
    )  # fmt: skip
    folded = FoldedRows(lp)
    part = run_highs(folded.lp, maximise=True, solver="dual", threads=0)
    assert part.status == "Optimal"
    assert part.objective == pytest.approx(2.0 + 5.0 + 3.0)
    y = folded.unfold(-part.row_dual)
    # x0 <= 2 (2 x0 <= 4, price -1/2 per unit of the row), x1 <= 5 (-x1 >= -5, price 1 on
    # a >= row); x2's own bound 3 holds it, so its row x2 <= 9 has none.
    assert y[:5] == pytest.approx([-0.5, 0.0, 1.0, 0.0, 0.0])
    worst, value = _dual_check(lp, y)
    assert worst <= 1e-12
    assert -value == pytest.approx(10.0)


def test_rows_of_one_entry_that_leave_a_column_no_room_are_not_folded() -> None:
    lp = _hand_programme()
    lp = LinearProgramme(
        lp.layout, lp.matrix, lp.cost, lp.col_lower, lp.col_upper,
        np.array([-np.inf, -np.inf, -5.0, 6.0, -np.inf, -np.inf]), lp.row_upper,
    )  # fmt: skip
    folded = FoldedRows(lp)
    assert folded.kept.all()
    assert folded.lp.matrix.shape == lp.matrix.shape
    y = np.arange(1.0, 7.0)
    assert np.array_equal(folded.unfold(y), y)


@pytest.mark.parametrize("kernel", ["halpern", "pdlp"])
def test_a_programme_whose_rows_all_fold_is_solved_by_either_kernel(kernel: str) -> None:
    """max x0 + x1 with x0 <= 3 and 2 x1 <= 4: no row is left once folded, and the prices
    come back from the bounds alone (1 and 1/2, as rows bounded above read them: -1, -1/2)."""
    lp = _hand_programme()
    lp = LinearProgramme(
        lp.layout, sp.csc_array(np.array([[1.0, 0.0], [0.0, 2.0]])), np.ones(2), np.zeros(2),
        np.full(2, np.inf), np.full(2, -np.inf), np.array([3.0, 4.0]),
    )  # fmt: skip
    folded = FoldedRows(lp)
    assert folded.lp.matrix.shape == (0, 2)
    q = first_order._Scaled(folded.lp)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by the norm of no bounds
        it = first_order.KERNELS[kernel](q, np.zeros(2), np.zeros(0))
        it.steps(64)
    point, _ = it.candidate(64)
    assert point[0] * q.cols == pytest.approx([3.0, 2.0])
    assert folded.unfold(point[2] * q.rows) == pytest.approx([-1.0, -0.5])


def test_a_point_of_the_programme_reads_back_as_the_same_candidate() -> None:
    s = compile_economy(generate_economy(products=40, years=3, seed=10))
    lp = build_programme(s)
    start = closed_form(s, labour=0)
    assert start is not None
    x, y = point_of(lp, start)
    again = candidate_of(s, lp, x, y)
    assert np.allclose(again.activity, start.activity)
    assert np.allclose(again.fulfilment, start.fulfilment)
    assert np.allclose(again.product_prices, start.product_prices)
    assert np.allclose(again.resource_prices, start.resource_prices)
    assert np.allclose(again.stocks, start.stocks)


def test_auto_solves_small_economies_exactly_and_large_ones_by_first_order() -> None:
    small = compile_economy(generate_economy(products=100, years=5, seed=1))
    large = compile_economy(generate_economy(products=1000, years=5, seed=1))
    assert choose_solver(small) == "primal"
    assert choose_solver(large) == "first-order"


def test_auto_asks_first_order_for_an_exact_plan_where_the_exact_finish_applies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    economy = generate_economy(products=250, years=5, seed=3)
    s = compile_economy(economy)
    assert choose_solver(s) == "first-order"
    assert optimal.auto_gap(s, 1e-6) == 1e-9
    said: list[str] = []
    plan = solve_plan(economy, progress=said.append)
    assert plan.status == "optimal"
    assert plan.certificate.gap <= 1e-9
    exact = solve_plan(economy, solver="primal").objective
    assert abs(plan.objective - exact) <= 1e-9 * exact
    assert any(line.startswith("vertex after") for line in said)
    # Past the size whose basis can be factorised, auto keeps the gap asked for.
    monkeypatch.setattr(optimal, "VERTEX_UP_TO", 100)
    assert optimal.auto_gap(s, 1e-6) == 1e-6


@pytest.mark.skipif(hipo_available(), reason="highspy-extras is installed here")
def test_hipo_without_highspy_extras_says_so_instead_of_running_the_simplex() -> None:
    economy = generate_economy(products=20, years=2, seed=1)
    with pytest.raises(SolverUnavailable, match="highspy-extras") as raised:
        solve_plan(economy, solver="hipo")
    assert "rada[hipo]" in (raised.value.hint or "")


def test_an_unknown_solver_is_refused() -> None:
    from rada.planning.errors import PlanningError

    with pytest.raises(PlanningError, match="unknown solver"):
        solve_plan(generate_economy(products=5, years=1, seed=1), solver="simplex")


def test_auto_starts_first_order_from_the_closed_form_it_already_certified(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the closed-form plan was made and certified twice")

    monkeypatch.setattr(optimal, "AUTO_EXACT_UP_TO", 0)
    monkeypatch.setattr(first_order, "_start", again)
    said: list[str] = []
    plan = solve_plan(generate_economy(products=30, years=3, seed=2), progress=said.append)
    assert "solver: first-order" in said
    assert plan.certificate.gap <= 1e-6
    exact = solve_plan(generate_economy(products=30, years=3, seed=2), solver="primal")
    assert plan.certificate.lower_bound <= exact.objective <= plan.certificate.upper_bound


def test_a_gap_finer_than_hipdlp_can_reach_says_so_and_not_time_limit() -> None:
    said: list[str] = []
    plan = solve_plan(
        generate_economy(products=30, years=2, seed=1),
        solver="first-order",
        gap=1e-15,
        progress=said.append,
    )
    assert plan.status == "gap not reached"
    assert plan.certificate.gap > 1e-15
    # No time limit, so no early cheap runs: the point the exact finish starts from (small
    # enough to factorise), then straight to the finest tolerance.
    assert [line for line in said if line.startswith("HiGHS hipdlp to tolerance")] == [
        "HiGHS hipdlp to tolerance 1e-07",
        "HiGHS hipdlp to tolerance 1e-10",
    ]
    assert sum(line.startswith("vertex after") for line in said) == 2


def test_pdhg_takes_over_where_no_hipdlp_run_could_finish_in_the_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HiGHS's runs return nothing when a time limit stops them; one judged too long for the
    time left is not started, and pdhg, which improves in slices up to the deadline, runs
    instead. Here every run is made to look too long."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "HIPDLP_ITERATIONS", 1e12)
    economy = generate_economy(products=60, years=3, seed=8)
    said: list[str] = []
    plan = solve_plan(economy, solver="first-order", gap=1e-5, time_limit=60, progress=said.append)
    exact = solve_plan(economy, solver="primal").objective
    assert not any(line.startswith("HiGHS hipdlp to tolerance 0.") for line in said)
    assert any("Rada's pdhg goes on" in line for line in said)
    assert plan.status == "optimal"
    c = plan.certificate
    assert c.gap <= 1e-5
    assert _brackets(c.lower_bound, exact, c.upper_bound)


def test_pdhg_goes_on_from_hipdlp_s_last_point_when_the_next_run_could_not_finish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runs judged by the programme's size go; the run after them, judged by the last
    one's pace, is made to look too long: pdhg starts from the last run's point."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)

    def judged(lp: object, tolerance: float, *, measured: object) -> float:
        return 0.0 if measured is None else 1e9

    monkeypatch.setattr(first_order, "_hipdlp_seconds", judged)
    economy = generate_economy(products=60, years=3, seed=8)
    said: list[str] = []
    plan = solve_plan(economy, solver="first-order", gap=1e-9, time_limit=30, progress=said.append)
    exact = solve_plan(economy, solver="primal").objective
    runs = [line for line in said if line.startswith("HiGHS hipdlp to tolerance")]
    assert runs == ["HiGHS hipdlp to tolerance 0.01", "HiGHS hipdlp to tolerance 0.001"]
    handed = said.index(next(line for line in said if "Rada's pdhg goes on" in line))
    assert said[handed + 1].startswith("start: gap")  # hipdlp's 1e-3 point, not the closed form
    c = plan.certificate
    assert _brackets(c.lower_bound, exact, c.upper_bound)
    assert c.max_violation <= 1e-9


def _first_order_in_30_s(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """``first-order`` to 1e-6 under a 30-s limit on a small economy: the plan and what the
    run said (the tests of when hipdlp's runs start patch how long they are judged to take).
    Every slice of pdhg is certified: which points reach 1e-6 here depends on the step (at
    1,600 steps 2.2e-11, while the iterates settle where the certificate proves 7.1e-6), so
    certificates timed by the clock made the gap depend on the machine's load (a clean-clone
    CI run under load proved 1.03e-6)."""
    monkeypatch.setattr(first_order, "CERTIFY_SHARE", np.inf)
    said: list[str] = []
    plan = solve_plan(
        generate_economy(products=40, years=2, seed=9),
        solver="first-order",
        gap=1e-6,
        time_limit=30,
        progress=said.append,
    )
    return plan, said


def test_a_hipdlp_run_judged_to_just_fit_is_not_started_without_its_margin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run judged at 90 % of the time left is not started: the judgement is rough, and the
    point would have no time left for the surrogate that makes it worth having."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "_hipdlp_seconds", lambda *args, **kwargs: 0.9 * 30)
    plan, said = _first_order_in_30_s(monkeypatch)
    assert not any(line.startswith("HiGHS hipdlp to tolerance") for line in said)
    assert any("with a margin" in line and "Rada's pdhg goes on" in line for line in said)
    assert plan.certificate.gap <= 1e-6


def test_hipdlp_s_early_runs_are_not_started_where_its_1e_6_run_could_not_finish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the 1e-2 and 1e-3 runs fit the time left but the 1e-6 run does not, none is
    started: pdhg alone does better in that time, from the closed-form plan."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(
        first_order,
        "_hipdlp_seconds",
        lambda lp, tolerance, *, measured: 1e9 if tolerance < 1e-3 else 0.0,
    )
    plan, said = _first_order_in_30_s(monkeypatch)
    assert not any(line.startswith("HiGHS hipdlp to tolerance") for line in said)
    handed = said.index(next(line for line in said if "Rada's pdhg goes on" in line))
    assert said[handed].startswith(
        "not starting HiGHS hipdlp to tolerance 0.01: a run to tolerance 1e-06"
    )
    opening = next(line for line in said if line.startswith("closed-form start: gap "))
    assert said[handed + 1] == opening.removeprefix("closed-form ")  # pdhg starts from it
    assert plan.certificate.gap <= 1e-6


def _first_order_without_a_limit(economy: Any) -> tuple[Any, list[str]]:
    """``first-order`` to 1e-6 with no time limit: the plan and what the run said."""
    said: list[str] = []
    plan = solve_plan(economy, solver="first-order", gap=1e-6, progress=said.append)
    return plan, said


def test_without_a_time_limit_pdhg_s_look_first_may_prove_the_gap_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a time limit pdhg looks first, for a share of the time judged for hipdlp's
    first run (here made the most, LOOK_MOST): where it proves the gap, no run of hipdlp
    starts."""
    monkeypatch.setattr(first_order, "LOOK_SHARE", 1e9)
    economy = generate_economy(products=40, years=2, seed=9)
    plan, said = _first_order_without_a_limit(economy)
    exact = solve_plan(economy, solver="primal").objective
    assert any(line.startswith("a look by Rada's pdhg for ") for line in said)
    assert not any(line.startswith("HiGHS hipdlp to tolerance") for line in said)
    assert plan.status == "optimal"
    c = plan.certificate
    assert c.gap <= 1e-6
    assert _brackets(c.lower_bound, exact, c.upper_bound)


def test_no_look_is_taken_where_hipdlp_s_run_is_judged_cheap() -> None:
    """A tenth of a cheap run is less than LOOK_LEAST: pdhg's set-up would be most of it."""
    plan, said = _first_order_without_a_limit(generate_economy(products=40, years=2, seed=9))
    assert not any(line.startswith("a look by") for line in said)
    assert any(line.startswith("HiGHS hipdlp to tolerance") for line in said)
    assert plan.certificate.gap <= 1e-6


def test_without_a_time_limit_hipdlp_runs_however_long_its_runs_look(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run judged long is started and finishes (pdhg's look is left out here: it would
    prove the gap alone)."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "HIPDLP_ITERATIONS", 1e12)
    monkeypatch.setattr(first_order, "LOOK_MOST", 0.0)
    plan, said = _first_order_without_a_limit(generate_economy(products=40, years=2, seed=9))
    assert plan.certificate.gap <= 1e-6
    assert not any(line.startswith("not starting HiGHS") for line in said)
    assert any(line.startswith("HiGHS hipdlp to tolerance") for line in said)


def test_pdhg_without_a_limit_ends_where_its_certificate_has_stalled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the exact finish, pdhg's points on this economy certify about 1.7e-11 at best
    (rounding), far from the gap asked for: without a limit it ends, "stalled", once its gap
    has stopped falling (STALL_FALL), and its bounds still bracket the optimum. Every slice
    is certified, so which points are certified does not depend on the machine's load."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "CERTIFY_SHARE", np.inf)
    economy = generate_economy(products=40, years=2, seed=9)
    s = compile_economy(economy)
    said: list[str] = []
    run = solve_pdhg(s, build_programme(s), labour=0, gap=1e-15, progress=said.append)
    assert run.stopped == "stalled"
    stall = next(line for line in said if line.startswith("pdhg has stalled: gap "))
    steps = int(stall.split(" after ")[1].split()[0])
    assert steps >= first_order.STALL_FROM
    exact = solve_plan(economy, solver="primal").objective
    c = run.certificate
    assert c.gap > 1e-15
    assert _brackets(c.lower_bound, exact, c.upper_bound)
    # A limit of either kind ends the run instead: the rule is only for runs without one.
    limited = solve_pdhg(s, build_programme(s), labour=0, gap=1e-15, iteration_limit=4 * steps)
    assert limited.stopped == "iteration limit"


def _first_order_past_the_exact_finish(
    monkeypatch: pytest.MonkeyPatch, gap: float
) -> tuple[Any, list[str], list[Any]]:
    """``first-order`` to ``gap`` with no time limit on a programme taken to be too large for
    the exact finish: the plan, what the run said and the points pdhg started from."""
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "CERTIFY_SHARE", np.inf)
    starts: list[Any] = []
    pdhg = first_order.solve_pdhg

    def watched(*args: Any, **kwargs: Any) -> Any:
        starts.append(kwargs.get("start"))
        return pdhg(*args, **kwargs)

    monkeypatch.setattr(first_order, "solve_pdhg", watched)
    said: list[str] = []
    economy = generate_economy(products=60, years=3, seed=8)
    plan = solve_plan(economy, solver="first-order", gap=gap, progress=said.append)
    exact = solve_plan(economy, solver="primal").objective
    c = plan.certificate
    assert _brackets(c.lower_bound, exact, c.upper_bound)
    return plan, said, starts


def test_without_a_limit_past_the_exact_finish_pdhg_goes_on_from_hipdlp_s_1e_6_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """hipdlp's run to 1e-6 first, then pdhg from its point (not from the closed-form plan),
    and only where pdhg stalls the finer runs, to hipdlp's finest tolerance: a gap no
    method reaches here ends there, "gap not reached", not in a run without end."""
    plan, said, starts = _first_order_past_the_exact_finish(monkeypatch, gap=1e-15)
    runs = [line for line in said if line.startswith("HiGHS hipdlp to tolerance")]
    assert runs == ["HiGHS hipdlp to tolerance 1e-06", "HiGHS hipdlp to tolerance 1e-10"]
    assert said.index(runs[0]) < said.index(next(x for x in said if x.startswith("pdhg has")))
    assert said.index(next(x for x in said if x.startswith("pdhg has"))) < said.index(runs[1])
    [start] = starts
    s = compile_economy(generate_economy(products=60, years=3, seed=8))
    opening = closed_form(s, labour=0)
    assert start is not None
    assert opening is not None
    assert not np.allclose(start.activity, opening.activity)  # hipdlp's point, not this
    assert plan.status == "gap not reached"


def test_without_a_limit_past_the_exact_finish_pdhg_alone_runs_to_a_coarse_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """To a gap of HIPDLP_FIRST_BELOW or more, pdhg runs alone from the closed-form plan,
    with no look before it and no run of hipdlp."""
    plan, said, starts = _first_order_past_the_exact_finish(monkeypatch, gap=1e-5)
    assert not any(line.startswith(("HiGHS hipdlp", "a look by")) for line in said)
    assert len(starts) == 1
    assert plan.status == "optimal"
    assert plan.certificate.gap <= 1e-5


def test_where_pdhg_alone_stalls_the_whole_ladder_of_hipdlp_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pdhg is made to stall at once: hipdlp's ladder for the gap follows from its first
    rung, as it would have run without pdhg (to 1e-3: the 1e-3 run first, see
    SHARPENED_ENOUGH)."""
    monkeypatch.setattr(first_order, "stalled", lambda history: True)
    plan, said, _ = _first_order_past_the_exact_finish(monkeypatch, gap=1e-3)
    stall = said.index(next(line for line in said if line.startswith("pdhg has stalled")))
    runs = [line for line in said if line.startswith("HiGHS hipdlp to tolerance")]
    assert runs[0] == "HiGHS hipdlp to tolerance 0.001"  # whose sharpened point may prove it
    assert said.index(runs[0]) > stall
    assert plan.certificate.gap <= 1e-3


def test_hipdlp_s_time_is_judged_by_its_last_run_or_else_by_the_programme_s_size() -> None:
    small = build_programme(compile_economy(generate_economy(products=30, years=2, seed=1)))
    large = build_programme(compile_economy(generate_economy(products=300, years=3, seed=1)))
    # A thousandfold finer tolerance doubles the last run's iterations down to 1e-6, at its
    # pace, and multiplies them by seven past it.
    assert first_order._hipdlp_seconds(small, 1e-3, measured=(1e-3, 1000, 2.0)) == 2.0
    assert first_order._hipdlp_seconds(small, 1e-6, measured=(1e-3, 1000, 2.0)) == 4.0
    assert first_order._hipdlp_seconds(small, 1e-9, measured=(1e-6, 500, 1.0)) == pytest.approx(7.0)
    assert first_order._hipdlp_seconds(small, 1e-9, measured=(1e-3, 1000, 2.0)) == pytest.approx(
        28.0
    )
    # Without a run to go by: more non-zeros, more iterations, each dearer.
    by_size = [first_order._hipdlp_seconds(lp, 1e-3, measured=None) for lp in (small, large)]
    assert 0 < by_size[0] < by_size[1]


@pytest.mark.parametrize("solver", ["auto", "first-order"])
def test_a_first_order_solve_of_an_impossible_plan_names_the_conflict(solver: str) -> None:
    """auto takes the first-order method from 200 products x 5 years on; an impossible
    commitment still gets its conflicts named, as primal simplex names them."""
    from rada.planning.errors import PlanInfeasible

    economy = generate_economy(products=250, years=5, seed=1)
    economy = replace(economy, committed={"P3": (1e6,) * 5})
    with pytest.raises(PlanInfeasible) as raised:
        solve_plan(economy, solver=solver)
    assert "committed delivery of 'P3' in year 1 (1e+06) falls short by 999990" in str(raised.value)


@pytest.mark.parametrize("kernel", sorted(first_order.KERNELS))
def test_pdhg_polishes_its_prices_by_a_fresh_start_and_keeps_its_own_steps(
    kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A polish starts the PDLP kernel afresh from pdhg's point (of either kernel) at a small
    primal weight and certifies its prices with the run's plan: every such certificate
    brackets the optimum, some polish proves a lower upper bound than the run had before it,
    and the run's own iterates are left where they were. The surrogate and the exact finish
    are kept out, so that the polish alone makes the difference."""
    s = compile_economy(generate_economy(products=150, years=4, seed=7))
    lp = build_programme(s)
    optimum = run_highs(lp, maximise=True, solver="primal", threads=0).objective
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "PDHG_SHARPEN_FROM", 0.0)
    monkeypatch.setattr(first_order, "POLISH_FROM_STEPS", 256)
    polish = first_order._polish
    seen: list[tuple[float, float]] = []

    def watched(*args: Any, **kwargs: Any) -> tuple[Any, int, int]:
        kernel_before = [part.copy() for part in args[4]]
        before = kwargs["best"].upper_bound
        best, used, made = polish(*args, **kwargs)
        seen.append((before, best.upper_bound))
        assert made >= 1
        assert used >= first_order.POLISH_STEPS[0]
        assert all(np.array_equal(a, b) for a, b in zip(kernel_before, args[4], strict=True))
        return best, used, made

    monkeypatch.setattr(first_order, "_polish", watched)
    said: list[str] = []
    run = solve_pdhg(
        s, lp, labour=0, gap=1e-12, iteration_limit=12_000, progress=said.append, kernel=kernel
    )
    c = run.certificate
    assert c.lower_bound <= optimum * (1 + 1e-9)
    assert optimum <= c.upper_bound * (1 + 1e-9)
    assert len(seen) >= 2  # at 256 steps and again once they doubled
    assert all(after <= before for before, after in seen)
    assert any(after < before for before, after in seen)
    first = first_order.POLISH_STEPS[0]
    assert any(line.startswith(f"polished after {first} steps") for line in said)


def test_pdhg_polishes_from_enough_steps_on_as_they_double_and_once_before_its_limit() -> None:
    clock = first_order._Polishing()
    far = np.inf
    # Not before POLISH_FROM_STEPS, then each time the steps have doubled.
    assert not clock.due(first_order.POLISH_FROM_STEPS - 1, 0.0, 1.0, 1.0, far, False)
    assert clock.due(first_order.POLISH_FROM_STEPS, 0.0, 1.0, 1.0, far, False)
    steps = first_order.POLISH_FROM_STEPS
    assert not clock.due(int(steps * first_order.POLISH_AGAIN) - 1, 0.0, 1.0, 1.0, far, False)
    assert clock.due(int(steps * first_order.POLISH_AGAIN), 0.0, 1.0, 1.0, far, False)
    # Under a limit: once where a polish and a little after it fill the time left, never one
    # that would pass the deadline, and not on the run's last slice.
    clock = first_order._Polishing()
    assert not clock.due(10, now=0.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    assert clock.due(10, now=94.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    assert not clock.due(11, now=94.5, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    clock = first_order._Polishing()
    assert not clock.due(10, now=96.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    assert not clock.due(10, now=94.0, seconds=5.0, after=2.0, deadline=100.0, closing=True)
    # The polish before the limit only once the run's own steps have grown enough since the
    # polish before: not again from (about) the same point.
    clock = first_order._Polishing()
    steps = first_order.POLISH_FROM_STEPS
    assert clock.due(steps, now=0.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    grown = int(steps * first_order.POLISH_LAST_AFTER)
    assert not clock.due(grown - 1, now=94.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    assert clock.due(grown, now=94.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)


def test_under_a_limit_pdhg_skips_the_polishes_that_the_one_before_it_supersedes() -> None:
    """Under a time limit a polish before the last is due only where the run's steps could
    double again before the last starts; the last is marked ``final`` (it alone may go on
    past :data:`POLISH_LOOK` steps). Without a limit the same steps polish as they double."""
    steps = first_order.POLISH_FROM_STEPS
    clock = first_order._Polishing(started=0.0)
    # At 30 s of a 100-s limit the steps could double by 65 s, and a 5-s polish after that
    # still fits: a look is taken.
    assert clock.due(steps, now=30.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    assert not clock.final
    # Doubled at 60 s they could not double again (by 125 s): skipped.
    assert not clock.due(2 * steps, now=60.0, seconds=5.0, after=2.0, deadline=100.0,
                         closing=False)  # fmt: skip
    # The one before the limit comes all the same, and is the final one.
    assert clock.due(2 * steps, now=94.0, seconds=5.0, after=2.0, deadline=100.0, closing=False)
    assert clock.final
    unlimited = first_order._Polishing(started=0.0)
    assert unlimited.due(steps, now=30.0, seconds=5.0, after=2.0, deadline=np.inf, closing=False)
    assert unlimited.due(2 * steps, now=60.0, seconds=5.0, after=2.0, deadline=np.inf,
                         closing=False)  # fmt: skip
    assert not unlimited.final


def test_under_a_limit_pdhg_sharpens_by_the_surrogate_only_after_its_last_polish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The surrogate is ready from the first certificate on (``PDHG_SHARPEN_FROM`` of 1), yet
    under a time limit it waits for the polish before the limit (here about half way), and then
    runs; without a limit it does not wait."""
    s = compile_economy(generate_economy(products=150, years=4, seed=7))
    lp = build_programme(s)
    monkeypatch.setattr(first_order, "VERTEX_UP_TO", 0)
    monkeypatch.setattr(first_order, "PDHG_SHARPEN_FROM", 1.0)
    monkeypatch.setattr(first_order, "POLISH_FROM_STEPS", 256)
    # The polish before the limit planned for 2 of its 4 s, so that it comes at about 2 s,
    # with time left after it for a surrogate.
    monkeypatch.setattr(first_order, "_polish_plan", lambda *args: (2.0, 2.0))
    clocks: list[Any] = []

    class Watched(first_order._Polishing):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            clocks.append(self)

    sharpened: list[bool] = []  # whether the polish before the limit was done
    sharpen = first_order._sharpen

    def watched(*args: Any, **kwargs: Any) -> Any:
        sharpened.append(clocks[-1].last)
        return sharpen(*args, **kwargs)

    monkeypatch.setattr(first_order, "_Polishing", Watched)
    monkeypatch.setattr(first_order, "_sharpen", watched)
    said: list[str] = []
    solve_pdhg(s, lp, labour=0, gap=1e-12, time_limit=4.0, progress=said.append)
    assert clocks[-1].last  # the polish before the limit was made
    assert sharpened
    assert all(sharpened)
    sharpened.clear()
    solve_pdhg(s, lp, labour=0, gap=1e-12, iteration_limit=20_000)
    assert sharpened
    assert not any(sharpened)


def _scaled_closed_form(
    products: int, years: int, seed: int
) -> tuple[Any, Any, Any, Any, tuple[Any, ...], Any]:
    """A generated economy's structure, programme, folded and scaled programmes, the
    closed-form point on the scaled one (``x, A x, y, A^T y``) and its certificate."""
    s = compile_economy(generate_economy(products=products, years=years, seed=seed))
    lp = build_programme(s)
    folded = first_order.FoldedRows(lp)
    q = first_order._Scaled(folded.lp)
    start = first_order.closed_form(s, labour=0)
    assert start is not None
    x, y = first_order.point_of(lp, start)
    xs, ys = x / q.cols, y[folded.kept] / q.rows
    cand = (xs, q.a @ xs, ys, q.at @ ys)
    best = first_order.certify(s, start, labour=0)
    return s, lp, folded, q, cand, best


def _polish_from_the_closed_form() -> tuple[Any, Any, Any, Any, tuple[Any, ...], Any]:
    """What a polish starts from on a small economy (:func:`_scaled_closed_form`)."""
    return _scaled_closed_form(150, 4, 7)


def test_a_polish_stops_at_the_gap_asked_for_and_before_steps_that_would_pass_its_deadline() -> (
    None
):
    """A polish goes on while its prices improve, but not past the gap the run asked for, and
    it starts no further steps that its pace so far says would end past the deadline (the
    first are always taken)."""
    s, lp, folded, q, cand, best = _polish_from_the_closed_form()

    def polish(gap: float, deadline: float, upto: int = 10**9) -> tuple[Any, int, int]:
        return first_order._polish(
            s, lp, folded, q, cand, labour=0, best=best, gap=gap, deadline=deadline,
            say=lambda line: None, upto=upto,
        )  # fmt: skip

    first = first_order.POLISH_STEPS[0]
    _, used, made = polish(gap=1e-12, deadline=np.inf)
    assert made >= 2
    assert used >= first_order.POLISH_STEPS[1]
    polished, used, made = polish(gap=1.0, deadline=np.inf)  # any certificate meets 1.0
    assert made == 1
    assert first <= used < first_order.POLISH_STEPS[1]  # refused steps count too
    assert polished.upper_bound <= best.upper_bound
    _, used, made = polish(gap=1e-12, deadline=time.perf_counter())
    assert made == 1
    assert first <= used < first_order.POLISH_STEPS[1]
    # A look (a polish under a time limit other than the one before it) stops at its steps.
    _, used, made = polish(gap=1e-12, deadline=np.inf, upto=first)
    assert made == 1
    assert first <= used < first_order.POLISH_STEPS[1]


def test_the_polish_before_a_limit_fills_the_time_left_with_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the next of its step counts and their certificate would pass the deadline, the
    polish before a time limit (``fill``) takes as many steps as fit, in whole slices, before
    its longest certificate so far, and certifies them; a polish that does not fill stops at
    the count before. A clock of its own (a millisecond a step, and a certificate free or 0.1
    s) makes the pace exact."""
    s, lp, folded, q, cand, best = _polish_from_the_closed_form()
    clock, taken, certifying = [0.0], [0], [0.0]
    monkeypatch.setattr(first_order, "time", SimpleNamespace(perf_counter=lambda: clock[0]))
    steps, certify = first_order._Iterates.steps, first_order.certify

    def timed_steps(self: Any, count: int) -> None:
        clock[0] += 1e-3 * count
        taken[0] += count
        steps(self, count)

    def timed_certify(*args: Any, **kwargs: Any) -> Any:
        clock[0] += certifying[0]
        return certify(*args, **kwargs)

    monkeypatch.setattr(first_order._Iterates, "steps", timed_steps)
    monkeypatch.setattr(first_order, "certify", timed_certify)
    first, second = first_order.POLISH_STEPS[:2]

    def polish(fill: bool, deadline: float, certificate: float = 0.0) -> tuple[Any, int, int]:
        """The polish's certificate, the steps it took (refused ones not counted) and the
        certificates it made; each certificate takes ``certificate`` seconds."""
        clock[0], taken[0], certifying[0] = 0.0, 0, certificate
        polished, _, made = first_order._polish(
            s, lp, folded, q, cand, labour=0, best=best, gap=1e-12, deadline=deadline,
            say=lambda line: None, fill=fill,
        )  # fmt: skip
        assert clock[0] <= deadline
        return polished, taken[0], made

    left = 1e-3 * (first + 300)  # 300 steps' time after the first count: 256 in whole slices
    assert polish(fill=False, deadline=left)[1:] == (first, 1)
    filled, count, made = polish(fill=True, deadline=left)
    assert (count, made) == (first + 256, 2)
    assert filled.upper_bound <= best.upper_bound
    # A certificate's time is kept for: 0.3 s after the first count and its certificate of
    # 0.1 s leave 0.2 s of steps, 192 in whole slices.
    assert polish(fill=True, deadline=0.1 + left, certificate=0.1)[1:] == (first + 192, 2)
    # Too few steps to be worth a certificate (under POLISH_FILL_LEAST of those taken): none.
    assert polish(fill=True, deadline=1e-3 * (first + 64))[1:] == (first, 1)
    # Where the next count fits, it is taken as without filling.
    assert polish(fill=True, deadline=1e-3 * (second + 1))[1] >= second


def test_the_time_limit_counts_from_the_start_of_the_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compiling the economy and formulating the programme take part of the time limit: the
    solver gets what is left, and a sliver where nothing is (it then returns the certified
    closed-form plan)."""
    build = optimal.build_programme
    given: list[float | None] = []
    solve = optimal.solve_pdhg

    def slow_build(s: Any) -> Any:
        time.sleep(0.5)
        return build(s)

    def watched(*args: Any, **kwargs: Any) -> Any:
        given.append(kwargs["time_limit"])
        return solve(*args, **kwargs)

    monkeypatch.setattr(optimal, "build_programme", slow_build)
    monkeypatch.setattr(optimal, "solve_pdhg", watched)
    economy = generate_economy(products=60, years=3, seed=2)
    solve_plan(economy, solver="pdhg", gap=1e-9, time_limit=3.0)
    assert given[-1] is not None
    assert 0.0 < given[-1] <= 2.5
    plan = solve_plan(economy, solver="pdhg", gap=1e-9, time_limit=0.3)
    assert given[-1] == optimal.LEFT_AT_LEAST
    assert np.isfinite(plan.certificate.lower_bound)
    assert plan.certificate.max_violation == 0.0


@pytest.mark.parametrize("products", [40, 120])
def test_without_a_time_limit_a_hipdlp_run_past_its_cap_hands_over_to_pdhg(
    monkeypatch: pytest.MonkeyPatch, products: int
) -> None:
    """hipdlp's runs return nothing when stopped, and on some programmes (a WIOD 2011 cycle's
    round) they ran for twenty minutes where pdhg needs ten seconds: without a time limit a
    run stops at HIPDLP_MOST times the iterations judged for it, and pdhg goes on to the gap.
    Here the cap is one iteration, and there is no look."""
    monkeypatch.setattr(first_order, "HIPDLP_MOST", 1e-12)
    monkeypatch.setattr(first_order, "LOOK_LEAST", math.inf)
    s = compile_economy(generate_economy(products=products, years=3, seed=1))
    said: list[str] = []
    run = solve_highs_first_order(s, build_programme(s), labour=0, gap=1e-6, progress=said.append)
    assert any("passed 1 iterations" in m and "pdhg goes on" in m for m in said), said
    assert run.stopped == "gap"
    assert run.certificate.gap <= 1e-6


def test_pdhgs_look_is_counted_in_steps_not_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A look timed in seconds was cut short on a busy machine, and hipdlp then ran on a
    programme it finds hard; counted in steps, the look does the same work however busy."""
    looks: list[dict[str, Any]] = []
    real = first_order.solve_pdhg

    def spy(*args: Any, **kwargs: Any) -> Any:
        looks.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(first_order, "solve_pdhg", spy)
    monkeypatch.setattr(first_order, "LOOK_LEAST", 0.0)
    s = compile_economy(generate_economy(products=60, years=3, seed=1))
    lp = build_programme(s)
    solve_highs_first_order(s, lp, labour=0, gap=1e-6)
    look = looks[0]
    assert look.get("time_limit") is None
    first = tolerances(1e-6, early=False, vertex=True)[0]
    work = first_order.LOOK_SHARE * first_order.hipdlp_iterations(lp, first)
    assert look["iteration_limit"] == pytest.approx(work * first_order.HIPDLP_PRODUCTS, abs=1)
