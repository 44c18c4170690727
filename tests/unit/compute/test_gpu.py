"""The GPU backend: cuPDLPx's point is read back and certified on the host.

The real device test skips without a CUDA device. The read-back is also tested here on the
CPU through a stand-in ``cupdlpx`` module with the same API, solved by HiGHS (scipy's
``linprog``), so the signs of the duals and the layout are checked without a GPU.
"""

from __future__ import annotations

import sys
import time
import types
from typing import Any, ClassVar

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

from rada.compute import gpu
from rada.compute.gpu import (
    choose_device,
    cuda_device_count,
    cupdlpx_available,
    gpu_available,
    solve_plan_gpu,
)
from rada.planning.certificate import Certificate, certify
from rada.planning.economy import LABOUR, Economy, Product, Resource, Technique
from rada.planning.errors import PlanningError
from rada.planning.first_order import closed_form, point_of
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan
from rada.planning.programme import build_programme
from rada.planning.structure import compile_economy


class _HighsModel:
    """``cupdlpx.Model``'s API, minimising with HiGHS and returning its multipliers in the
    Lagrangian convention cuPDLPx uses (``c - A^T y`` is the reduced cost)."""

    def __init__(self, **problem: Any) -> None:
        self.problem = problem
        self.X: Any = None
        self.Pi: Any = None
        self.Status: int | None = None
        self.StatusName = "UNSPECIFIED"
        self.IterCount = 0
        self.Runtime: float | None = None  # seconds on cuPDLPx's own clock
        self.params: dict[str, Any] = {}
        self.start: tuple[Any, Any] | None = None
        _HighsModel.last = self

    last: ClassVar[_HighsModel | None] = None

    def setParams(self, **params: Any) -> None:  # noqa: N802 (cupdlpx's name)
        self.params.update(params)

    def setParam(self, name: str, value: Any) -> None:  # noqa: N802
        self.params[name] = value

    def setWarmStart(self, primal: Any = None, dual: Any = None) -> None:  # noqa: N802
        self.start = (primal, dual)

    def optimize(self) -> None:
        p = self.problem
        a = sp.csr_array(p["constraint_matrix"])
        lo, up = p["constraint_lower_bound"], p["constraint_upper_bound"]
        has_up, has_lo = np.isfinite(up), np.isfinite(lo)
        res = linprog(
            p["objective_vector"],
            A_ub=sp.vstack([a[has_up], -a[has_lo]]).tocsr(),
            b_ub=np.concatenate([up[has_up], -lo[has_lo]]),
            bounds=list(zip(p["variable_lower_bound"], p["variable_upper_bound"], strict=True)),
            method="highs",
        )
        assert res.status == 0
        m = res.ineqlin.marginals
        y = np.zeros(a.shape[0])
        y[has_up] += m[: has_up.sum()]
        y[has_lo] -= m[has_up.sum() :]
        self.X, self.Pi, self.Status, self.StatusName = res.x, y, 0, "OPTIMAL"
        self.Runtime = 0.0


def test_the_stand_in_returns_cupdlpx_s_own_duals_on_its_own_example() -> None:
    """cuPDLPx 0.3.0's test_basic.py: minimise x1 + x2 subject to x1 + 2 x2 = 5, x2 <= 2,
    3 x1 + 2 x2 <= 8, x >= 0 has x* = (1, 2) and y* = (1, -1, 0)."""
    model = _HighsModel(
        objective_vector=np.array([1.0, 1.0]),
        constraint_matrix=np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 2.0]]),
        constraint_lower_bound=np.array([5.0, -np.inf, -np.inf]),
        constraint_upper_bound=np.array([5.0, 2.0, 8.0]),
        variable_lower_bound=np.zeros(2),
        variable_upper_bound=np.full(2, np.inf),
    )
    model.optimize()
    np.testing.assert_allclose(model.X, [1.0, 2.0], atol=1e-9)
    np.testing.assert_allclose(model.Pi, [1.0, -1.0, 0.0], atol=1e-9)


def test_the_device_is_chosen_by_what_is_present() -> None:
    assert choose_device("cpu") == "cpu"
    assert choose_device("auto") == ("gpu" if gpu_available() else "cpu")
    assert choose_device("auto", solver="primal") == "cpu"  # an exact solver asked for
    with pytest.raises(PlanningError, match="unknown device"):
        choose_device("tpu")


@pytest.mark.skipif(gpu_available(), reason="a CUDA device with cupdlpx is present")
def test_asking_for_the_gpu_without_one_says_why() -> None:
    with pytest.raises(PlanningError, match="the GPU backend cannot run here"):
        choose_device("gpu")


def test_cupdlpx_s_point_is_read_back_and_certified_on_the_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_HighsModel))
    economy = generate_economy(products=15, years=3, seed=2)
    plan = solve_plan_gpu(economy)
    exact = solve_plan(economy)
    assert plan.status == "optimal"
    assert plan.certificate.gap < 1e-9
    assert plan.certificate.accepted
    assert plan.objective == pytest.approx(exact.objective, rel=1e-9)


def test_cupdlpx_starts_from_the_closed_form_plan_and_its_prices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_HighsModel))
    economy = generate_economy(products=15, years=3, seed=2)
    solve_plan_gpu(economy, time_limit=30.0)
    model = _HighsModel.last
    assert model is not None
    assert model.start is not None
    s = compile_economy(economy)
    start = closed_form(s, labour=0)
    assert start is not None
    x, y = point_of(build_programme(s), start)
    np.testing.assert_array_equal(model.start[0], x)
    np.testing.assert_array_equal(model.start[1], y)
    assert model.params["Presolve"] is False
    assert 1.0 <= model.params["TimeLimit"] < 30.0  # what the host's work left of it
    solve_plan_gpu(economy, warm_start=False)
    assert _HighsModel.last is not None
    assert _HighsModel.last.start is None
    assert "TimeLimit" not in _HighsModel.last.params


class _Rough(_HighsModel):
    """A stand-in that meets a coarse tolerance at a rough point (the optimum's activities
    cut by 1 %, its prices raised by 1 %), and reaches the optimum only at 1e-9 or finer."""

    runs: ClassVar[list[_Rough]] = []

    def optimize(self) -> None:
        super().optimize()
        _Rough.runs.append(self)
        if self.params["OptimalityTol"] > 1e-9:
            self.X, self.Pi = self.X * 0.99, self.Pi * 1.01


def test_a_tolerance_met_before_the_gap_goes_on_from_the_device_s_own_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_Rough))
    _Rough.runs = []
    economy = generate_economy(products=15, years=3, seed=2)
    plan = solve_plan_gpu(economy, gap=1e-7)
    tolerances = [run.params["OptimalityTol"] for run in _Rough.runs]
    assert tolerances == pytest.approx([1e-8, 1e-9])
    first, second = _Rough.runs
    assert second.start is not None
    np.testing.assert_array_equal(second.start[0], first.X)
    np.testing.assert_array_equal(second.start[1], first.Pi)
    assert plan.status == "optimal"
    assert plan.certificate.gap <= 1e-7
    assert plan.objective == pytest.approx(solve_plan(economy).objective, rel=1e-9)


def test_the_ladder_ends_at_the_finest_tolerance(monkeypatch: pytest.MonkeyPatch) -> None:
    class _NeverBetter(_Rough):
        def optimize(self) -> None:
            _HighsModel.optimize(self)
            _Rough.runs.append(self)
            self.X, self.Pi = self.X * 0.99, self.Pi * 1.01

    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_NeverBetter))
    _Rough.runs = []
    plan = solve_plan_gpu(generate_economy(products=15, years=3, seed=2), gap=1e-6)
    tolerances = [run.params["OptimalityTol"] for run in _Rough.runs]
    assert tolerances == pytest.approx([1e-7, 1e-8, 1e-9, 1e-10])
    assert plan.status == "gap not reached"
    assert plan.certificate.gap > 1e-6


def test_the_device_s_time_outside_its_clock_is_kept_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """cuPDLPx's time limit does not count copying and scaling the programme: a first run is
    given less by the judged setup time, and a later one by what the run before took outside
    the clock it reports (here 0.3 s of sleeping before an instant solve)."""

    class _Slow(_Rough):
        def optimize(self) -> None:
            time.sleep(0.3)
            super().optimize()  # reports Runtime 0: all of it was outside the clock

    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_Slow))
    economy = generate_economy(products=15, years=3, seed=2)
    nonzeros = build_programme(compile_economy(economy)).matrix.nnz
    monkeypatch.setattr(gpu, "SETUP_PER_NONZERO", 20.0 / nonzeros)  # judged: 20 s
    _Rough.runs = []
    began = time.perf_counter()
    solve_plan_gpu(economy, gap=1e-7, time_limit=60.0)
    first, second = (run.params["TimeLimit"] for run in _Rough.runs)
    assert 60.0 - 20.0 - (time.perf_counter() - began) * (1 + gpu.RESERVE_FACTOR) <= first
    assert first <= 40.0
    # The second run is charged the 0.3 s measured, not the 20 judged.
    assert second > first + 15.0
    assert second <= 60.0 - 0.3


@pytest.mark.skipif(not cupdlpx_available(), reason="cupdlpx is not installed (rada[gpu])")
@pytest.mark.skipif(cuda_device_count() == 0, reason="no CUDA device")
def test_on_a_gpu_the_certified_plan_matches_the_exact_one() -> None:
    economy = generate_economy(products=200, years=5, seed=1)
    plan = solve_plan_gpu(economy, gap=1e-6)
    exact = solve_plan(economy)
    assert plan.certificate.upper_bound >= exact.objective - 1e-9
    assert plan.objective == pytest.approx(exact.objective, rel=1e-5)


class _NoDevice:
    """A stand-in that must not be used: the host already proved the plan."""

    def __init__(self, **problem: Any) -> None:
        raise AssertionError("cuPDLPx was asked to solve what the closed form settles")


class _StoppedEarly(_HighsModel):
    """A stand-in stopped by its time limit at a rough point: nothing made, prices 0."""

    def optimize(self) -> None:
        n, m = len(self.problem["objective_vector"]), len(self.problem["constraint_lower_bound"])
        self.X, self.Pi, self.Status, self.StatusName = np.zeros(n), np.zeros(m), 3, "TIME_LIMIT"


def _closed_form_certificate(economy: Economy) -> Certificate:
    """The certificate of ``economy``'s plan with no investment, made apart from the GPU path."""
    s = compile_economy(economy)
    start = closed_form(s, labour=0)
    assert start is not None
    return certify(s, start, labour=0)


def test_where_labour_alone_binds_the_host_settles_the_plan_without_the_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_NoDevice))
    economy = Economy(
        products=(Product(id="grain"), Product(id="tools")),
        resources=(Resource(id=LABOUR),),
        techniques=(
            Technique(
                id="farm", outputs={"grain": 1.0}, inputs={"tools": 0.2}, resources={LABOUR: 1.0}
            ),
            Technique(
                id="smithy", outputs={"tools": 1.0}, inputs={"grain": 0.1}, resources={LABOUR: 0.5}
            ),
        ),
        years=2,
        targets={"grain": (1.0, 1.1), "tools": (2.0, 2.0)},
        supply={LABOUR: (10.0, 10.0)},
    )
    plan = solve_plan_gpu(economy)
    assert plan.status == "optimal"
    assert plan.iterations == 0
    assert plan.objective == pytest.approx(solve_plan(economy, solver="primal").objective)


def test_a_device_stopped_early_keeps_the_host_s_closed_form_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_StoppedEarly))
    economy = generate_economy(products=15, years=3, seed=2)
    plan = solve_plan_gpu(economy, gap=1e-6)
    assert plan.status == "time limit"
    closed = _closed_form_certificate(economy)
    assert plan.certificate.lower_bound == closed.lower_bound
    assert plan.certificate.upper_bound <= closed.upper_bound
    assert plan.certificate.max_violation == 0.0


def test_a_large_economy_s_closed_form_is_certified_while_the_device_solves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """From BESIDE_FROM products x years on, the closed form's certificate runs on a thread
    while cuPDLPx solves: here it waits until the stand-in has begun, which it could not do
    if it ran before the device, and its plan still counts (the device stops early with
    nothing made, so the closed form's plan is the one returned)."""
    import threading

    solving = threading.Event()
    waited: list[bool] = []

    class _Started(_StoppedEarly):
        def optimize(self) -> None:
            solving.set()
            super().optimize()

    def certify_after_the_device_began(*args: Any, **kwargs: Any) -> Any:
        if not waited:
            waited.append(solving.wait(timeout=20))
        return certify(*args, **kwargs)

    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_Started))
    monkeypatch.setattr(gpu, "certify", certify_after_the_device_began)
    monkeypatch.setattr(gpu, "BESIDE_FROM", 45)  # 15 products x 3 years
    economy = generate_economy(products=15, years=3, seed=2)
    said: list[str] = []
    plan = solve_plan_gpu(economy, gap=1e-6, progress=said.append)
    assert waited == [True]
    assert "certifying the plan with no investment beside the device" in said
    closed = _closed_form_certificate(economy)
    assert plan.certificate.lower_bound == closed.lower_bound
    assert plan.certificate.upper_bound <= closed.upper_bound
    assert plan.status == "time limit"


def test_below_the_threshold_the_closed_form_is_certified_before_the_device(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_HighsModel))
    monkeypatch.setattr(gpu, "BESIDE_FROM", 46)
    said: list[str] = []
    solve_plan_gpu(generate_economy(products=15, years=3, seed=2), progress=said.append)
    assert "certifying the plan with no investment" in said
    assert "certifying the plan with no investment beside the device" not in said
    assert said.index("certifying the plan with no investment") < said.index(
        "formulating the linear programme"
    )


def test_a_certificate_beside_the_device_is_judged_until_it_is_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first run's limit is charged RESERVE_FACTOR times the certificate judged by the
    programme's size (here 10 s); the second, RESERVE_FACTOR times the one measured."""
    monkeypatch.setitem(sys.modules, "cupdlpx", types.SimpleNamespace(Model=_Rough))
    monkeypatch.setattr(gpu, "BESIDE_FROM", 45)
    monkeypatch.setattr(gpu, "SETUP_PER_NONZERO", 0.0)
    economy = generate_economy(products=15, years=3, seed=2)
    nonzeros = build_programme(compile_economy(economy)).matrix.nnz
    monkeypatch.setattr(gpu, "CERTIFICATE_PER_NONZERO", 10.0 / nonzeros)
    _Rough.runs = []
    began = time.perf_counter()
    plan = solve_plan_gpu(economy, gap=1e-7, time_limit=60.0)
    first, second = (run.params["TimeLimit"] for run in _Rough.runs)
    reserve = gpu.RESERVE_FACTOR * 10.0
    assert 60.0 - reserve - (time.perf_counter() - began) <= first <= 60.0 - reserve
    assert second > first + 0.8 * reserve
    assert plan.status == "optimal"
