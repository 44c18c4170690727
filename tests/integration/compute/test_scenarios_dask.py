"""Batches of variants on Dask give what solving each variant alone gives: on a LocalCluster of
two workers, and on a scheduler and a worker started as separate processes on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rada.bootstrap import plan_solver
from rada.compute.scenarios import ScenarioResult, solve_batch, solve_plans, solve_variant
from rada.config import Settings
from rada.planning.economy import Economy
from rada.planning.generate import generate_economy
from rada.planning.variants import (
    AddTechnique,
    ChangeCapacity,
    ScaleTargets,
    Variant,
    apply_variant,
)
from rada.services.planning_cycle import solve_each

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'rada[dask]')"
)


@pytest.fixture(scope="module")
def economy() -> Economy:
    return generate_economy(products=12, years=3, seed=7)


@pytest.fixture(scope="module")
def variants(economy: Economy) -> list[Variant]:
    first = economy.techniques[0].id
    product = next(iter(economy.targets))
    return [
        Variant("base"),
        Variant("targets x1.2", (ScaleTargets(1.2),)),
        Variant("year 3 x2", (ScaleTargets(2.0, products=(product,), years=(3,)),)),
        Variant("capped", (ChangeCapacity(first, 0.5),)),
        Variant("copy", (AddTechnique("copy", copy_of=first, inputs={}),)),
        Variant("broken", (ChangeCapacity("no-such-technique", 1.0),)),
    ]


def _same(batch: list[ScenarioResult], alone: list[ScenarioResult]) -> None:
    assert [r.name for r in batch] == [r.name for r in alone]
    for b, a in zip(batch, alone, strict=True):
        assert (b.status, b.error) == (a.status, a.error)
        if a.objective is not None:
            assert b.objective == pytest.approx(a.objective, rel=1e-12)
            assert b.fulfilment == pytest.approx(a.fulfilment, rel=1e-12)
            assert b.gap == pytest.approx(a.gap, abs=1e-12)


def test_a_batch_on_two_local_workers_equals_each_variant_solved_alone(
    economy: Economy, variants: list[Variant]
) -> None:
    alone = [solve_variant(economy, v) for v in variants]
    seen: list[tuple[int, int, str]] = []
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        batch = solve_batch(
            economy, variants, client=client, progress=lambda d, n, r: seen.append((d, n, r.name))
        )
        assert len(client.scheduler_info()["workers"]) == 2
    _same(batch, alone)
    assert [d for d, _, _ in seen] == list(range(1, len(variants) + 1))
    assert {name for _, _, name in seen} == {v.name for v in variants}
    broken = batch[-1]
    assert broken.status == "error"
    assert broken.error is not None
    assert "no technique 'no-such-technique'" in broken.error
    assert all(r.status == "optimal" for r in batch[:-1])


def _free_port() -> int:
    return _free_ports(1)[0]


def _free_ports(count: int) -> list[int]:
    """``count`` different free ports: each probe stays bound until all are drawn, or the
    kernel may hand a port just released out again (measured: 1 time in 10,000)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@pytest.fixture
def scheduler_and_worker() -> Iterator[str]:
    """A ``dask scheduler`` and a ``dask worker`` as separate processes on loopback ports."""
    port, dashboard = _free_ports(2)
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    started = []
    try:
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                 "--port", str(port), "--dashboard-address", f"127.0.0.1:{dashboard}"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "1",
                 "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                with distributed.Client(address, timeout="5s") as client:
                    if client.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the dask scheduler and worker did not start within 60 s")
            time.sleep(0.5)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_a_batch_on_a_separate_scheduler_and_worker_equals_each_variant_solved_alone(
    economy: Economy, variants: list[Variant], scheduler_and_worker: str
) -> None:
    alone = [solve_variant(economy, v) for v in variants]
    batch = solve_batch(economy, variants, scheduler=scheduler_and_worker)
    _same(batch, alone)


@pytest.mark.slow
def test_the_planning_cycles_plans_on_a_configured_scheduler_equal_those_solved_here(
    economy: Economy, variants: list[Variant], scheduler_and_worker: str, tmp_path: Path
) -> None:
    # What a round of the planning cycle solves goes to RADA_DASK_SCHEDULER when it is set.
    economies = [economy, *(apply_variant(economy, v) for v in variants if v.name != "broken")]
    solve = plan_solver(Settings(data_dir=tmp_path, dask_scheduler=scheduler_and_worker))
    assert solve is not solve_each
    on_cluster = solve(economies)
    here = solve_each(economies)
    assert [p.objective for p in on_cluster] == [p.objective for p in here]
    for a, b in zip(on_cluster, here, strict=True):
        assert np.array_equal(a.activity, b.activity)
        assert a.certificate.gap <= 1e-9
    assert plan_solver(Settings(data_dir=tmp_path)) is solve_each


def test_an_unreachable_scheduler_is_a_planning_error(
    economy: Economy, variants: list[Variant], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rada.planning.errors import PlanningError

    monkeypatch.setenv("RADA_DASK_CONNECT_TIMEOUT", "1")  # not the 10 s a real cluster gets

    with pytest.raises(PlanningError, match="cannot reach the Dask scheduler"):
        solve_batch(economy, variants[:1], scheduler=f"tcp://127.0.0.1:{_free_port()}")
    with pytest.raises(PlanningError, match="cannot reach the Dask scheduler"):
        solve_plans([economy], scheduler=f"tcp://127.0.0.1:{_free_port()}")


@pytest.mark.parametrize("value", ["soon", "0", "-1", "1e9", "nan"])
def test_a_connect_timeout_out_of_bounds_is_refused_by_name(
    economy: Economy, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rada.planning.errors import PlanningError

    monkeypatch.setenv("RADA_DASK_CONNECT_TIMEOUT", value)
    with pytest.raises(PlanningError, match=r"RADA_DASK_CONNECT_TIMEOUT=.* is not a number"):
        solve_plans([economy], scheduler=f"tcp://127.0.0.1:{_free_port()}")
