"""Batches of plans on Dask: each what-if variant of an economy built, solved and certified
as one task, the results gathered as plain data.

The economy is sent to the workers once; each task applies its variant
(:func:`rada.planning.variants.apply_variant`), solves the plan and keeps the headline figures
and the certificate. A variant that fails (infeasible, invalid, over the time limit) is
reported with its error and does not fail the batch. Without a scheduler's address a
``LocalCluster`` is started on this machine and closed afterwards; with one (for instance
``RADA_DASK_SCHEDULER=tcp://10.0.0.5:8786``, read by the command line) the batch runs there.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rada.planning.economy import Economy
from rada.planning.errors import PlanningError
from rada.planning.plan import Plan
from rada.planning.variants import Variant, apply_variant

#: Called as each variant finishes: (how many are done, how many in all, its result).
Progress = Callable[[int, int, "ScenarioResult"], None]


@dataclass(frozen=True)
class ScenarioResult:
    """One variant's plan in plain data (what a worker sends back).

    ``status`` is the plan's (``"optimal"``, ``"time limit"``, ``"gap not reached"``), or
    ``"infeasible"``, ``"unbounded"``, ``"not optimal"`` or ``"error"`` with ``error`` saying
    why.
    """

    name: str
    status: str
    objective: float | None = None
    fulfilment: tuple[float, ...] = ()
    lower_bound: float | None = None
    upper_bound: float | None = None
    gap: float | None = None
    max_violation: float | None = None
    seconds: float = 0.0
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {**asdict(self), "fulfilment": list(self.fulfilment)}


def solve_variant(
    economy: Economy,
    variant: Variant,
    *,
    solver: str | None = None,
    time_limit: float | None = None,
    gap: float | None = None,
) -> ScenarioResult:
    """Build ``variant`` of ``economy``, solve and certify its plan; never raises for a
    planning error, which becomes the result's ``error`` (one task of a batch). ``solver``,
    ``time_limit`` and ``gap`` are :func:`~rada.planning.optimal.solve_plan`'s (its defaults
    where ``None``)."""
    from rada.planning.errors import PlanInfeasible, PlanNotOptimal, PlanUnbounded
    from rada.planning.optimal import solve_plan

    started = time.perf_counter()
    options: dict[str, Any] = {"time_limit": time_limit}
    if solver is not None:
        options["solver"] = solver
    if gap is not None:
        options["gap"] = gap
    try:
        plan = solve_plan(apply_variant(economy, variant), **options)
    except PlanningError as exc:
        status = (
            "infeasible"
            if isinstance(exc, PlanInfeasible)
            else "unbounded"
            if isinstance(exc, PlanUnbounded)
            else "not optimal"
            if isinstance(exc, PlanNotOptimal)
            else "error"
        )
        return ScenarioResult(
            name=variant.name,
            status=status,
            seconds=time.perf_counter() - started,
            error=str(exc),
        )
    c = plan.certificate
    return ScenarioResult(
        name=variant.name,
        status=plan.status,
        objective=float(plan.objective),
        fulfilment=tuple(float(v) for v in plan.fulfilment),
        lower_bound=float(c.lower_bound),
        upper_bound=float(c.upper_bound),
        gap=float(c.gap),
        max_violation=float(c.max_violation),
        seconds=time.perf_counter() - started,
    )


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported (the ``rada[dask]`` extra)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def solve_batch(
    economy: Economy,
    variants: Sequence[Variant],
    *,
    scheduler: str = "",
    workers: int | None = None,
    client: Any = None,
    solver: str | None = None,
    time_limit: float | None = None,
    gap: float | None = None,
    progress: Progress | None = None,
) -> list[ScenarioResult]:
    """Solve every variant of ``economy`` on Dask; the results in the variants' order.

    Parameters
    ----------
    economy : Economy
        The base economy, sent to every worker once.
    variants : sequence of Variant
        The what-ifs; each is built, solved and certified as one task.
    scheduler : str
        A Dask scheduler's address (``tcp://HOST:PORT``); empty: a ``LocalCluster`` of
        ``workers`` processes (one thread each: HiGHS is given the whole process).
    client : distributed.Client, optional
        Use this client instead (the caller owns it).
    solver, time_limit, gap : optional
        How each variant is solved (:func:`solve_variant`): the same for every one.
    progress : callable, optional
        Called as each variant finishes, in the order they finish.

    Raises
    ------
    PlanningError
        ``dask.distributed`` is not installed, or the scheduler cannot be reached.
    """
    from rada.planning.optimal import SOLVER_NAMES

    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise PlanningError("two variants have the same name", hint="give each its own name")
    if solver is not None and solver not in SOLVER_NAMES:  # before a cluster starts
        raise PlanningError(f"unknown solver {solver!r}; use one of {', '.join(SOLVER_NAMES)}")
    if client is not None:
        return _run(
            client, economy, variants, progress, solver=solver, time_limit=time_limit, gap=gap
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise PlanningError(
            "batches of plans need dask.distributed, which is not installed",
            hint="pip install 'rada[dask]'",
        ) from None
    if scheduler:
        try:
            remote = Client(scheduler, timeout=connect_timeout())  # type: ignore[no-untyped-call,unused-ignore]
        except (OSError, ValueError) as exc:  # ValueError: not an address ("missing port")
            raise PlanningError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                hint="check RADA_DASK_SCHEDULER / --scheduler, or leave it empty for a local "
                "cluster",
            ) from None
        with remote:
            return _run(
                remote, economy, variants, progress, solver=solver, time_limit=time_limit, gap=gap
            )
    with (
        LocalCluster(  # type: ignore[no-untyped-call,unused-ignore]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # A worker's heartbeat may race the scheduler's close at the end and log a
            # traceback on the terminal (seen once in CI); a variant's failure comes back
            # through its future and is reported, so the workers' own logs are not needed.
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as local,  # type: ignore[no-untyped-call,unused-ignore]
    ):
        return _run(
            local, economy, variants, progress, solver=solver, time_limit=time_limit, gap=gap
        )


#: Seconds to wait for a Dask scheduler before saying it cannot be reached (the default of
#: ``RADA_DASK_CONNECT_TIMEOUT``), and the bounds that variable may take.
CONNECT_TIMEOUT = 10.0
CONNECT_TIMEOUT_BOUNDS = (0.1, 600.0)


def connect_timeout() -> float:
    """``RADA_DASK_CONNECT_TIMEOUT`` in seconds (10 when unset).

    >>> import os; os.environ["RADA_DASK_CONNECT_TIMEOUT"] = "2.5"; connect_timeout()
    2.5
    >>> del os.environ["RADA_DASK_CONNECT_TIMEOUT"]; connect_timeout()
    10.0
    """
    raw = os.environ.get("RADA_DASK_CONNECT_TIMEOUT", "").strip()
    if not raw:
        return CONNECT_TIMEOUT
    low, high = CONNECT_TIMEOUT_BOUNDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not low <= seconds <= high:
        raise PlanningError(
            f"RADA_DASK_CONNECT_TIMEOUT={raw!r} is not a number of seconds from {low:g} to "
            f"{high:g}",
            hint="leave it unset for 10 s",
        )
    return seconds


def solve_plans(economies: Sequence[Economy], *, scheduler: str) -> list[Plan]:
    """Solve each economy's plan on the Dask cluster at ``scheduler``; the plans in order.

    What a planning cycle's round solves (the replan and the previous round once per contest)
    as one batch: a :class:`~rada.services.ports.PlanSolver` when bound to a scheduler
    (:func:`rada.bootstrap.plan_solver`). A plan that cannot be solved raises its planning
    error here, as ``solve_plan`` would.

    Raises
    ------
    PlanningError
        ``dask.distributed`` is not installed, or the scheduler cannot be reached.
    """
    from rada.planning.optimal import solve_plan

    try:
        from distributed import Client
    except ImportError:
        raise PlanningError(
            "plans on a Dask cluster need dask.distributed, which is not installed",
            hint="pip install 'rada[dask]', or leave RADA_DASK_SCHEDULER empty",
        ) from None
    try:
        client = Client(scheduler, timeout=connect_timeout())  # type: ignore[no-untyped-call,unused-ignore]
    except (OSError, ValueError) as exc:  # ValueError: not an address ("missing port")
        raise PlanningError(
            f"cannot reach the Dask scheduler at {scheduler}: {exc}",
            hint="check RADA_DASK_SCHEDULER, or leave it empty to plan in this process",
        ) from None
    with client:
        futures = [
            client.submit(solve_plan, economy, key=f"rada-plan-{i}-{time.monotonic_ns()}")
            for i, economy in enumerate(economies)
        ]
        return list(client.gather(futures))  # type: ignore[no-untyped-call,unused-ignore]


def _run(
    client: Any,
    economy: Economy,
    variants: Sequence[Variant],
    progress: Progress | None,
    *,
    solver: str | None,
    time_limit: float | None,
    gap: float | None,
) -> list[ScenarioResult]:
    from distributed import as_completed

    shared = client.scatter(economy, broadcast=True)
    futures = [
        client.submit(
            solve_variant,
            shared,
            variant,
            solver=solver,
            time_limit=time_limit,
            gap=gap,
            key=f"rada-variant-{i}-{time.monotonic_ns()}",
            pure=False,
        )
        for i, variant in enumerate(variants)
    ]
    order = {f.key: i for i, f in enumerate(futures)}
    results: list[ScenarioResult | None] = [None] * len(futures)
    for done, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call,unused-ignore]
        i = order[future.key]
        try:
            result: ScenarioResult = future.result()
        except Exception as exc:  # a worker died or the task could not run: keep the batch
            result = ScenarioResult(name=variants[i].name, status="error", error=repr(exc))
        results[i] = result
        if progress is not None:
            progress(done, len(futures), result)
    return [r for r in results if r is not None]
