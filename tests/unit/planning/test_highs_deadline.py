"""An exact solve given a time limit keeps it: HiGHS runs in a child process that is stopped
once the limit and a grace period have passed (HiGHS checks its clock only between steps)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rada.planning import highs
from rada.planning.errors import PlanningError
from rada.planning.generate import generate_economy
from rada.planning.programme import LinearProgramme, build_programme
from rada.planning.structure import compile_economy


@pytest.fixture(scope="module")
def lp() -> LinearProgramme:
    return build_programme(compile_economy(generate_economy(products=60, years=3, seed=1)))


def test_within_a_limit_the_child_solves_as_this_process_does(lp: LinearProgramme) -> None:
    here = highs.run_highs(lp, maximise=True, solver="primal", threads=0)
    there = highs.run_highs_within(lp, maximise=True, solver="primal", threads=0, time_limit=120)
    assert here.status == there.status == "Optimal"
    assert there.objective == pytest.approx(here.objective, rel=1e-12)
    np.testing.assert_allclose(there.col_value, here.col_value, atol=1e-9)
    assert there.valid


def test_a_solve_past_its_limit_is_stopped_and_says_so(
    lp: LinearProgramme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No grace: the child is still starting when the limit passes, as a solve stuck in one
    # long step would still be running.
    monkeypatch.setattr(highs, "_grace", lambda limit: 0.0)
    started = time.perf_counter()
    solved = highs.run_highs_within(lp, maximise=True, solver="primal", threads=0, time_limit=0.05)
    assert time.perf_counter() - started < 5
    assert solved.status == "Time limit reached"
    assert not solved.valid
    assert len(solved.col_value) == 0


def test_an_error_in_the_child_is_raised_here(lp: LinearProgramme) -> None:
    with pytest.raises(PlanningError, match="unknown solver"):
        highs.run_highs_within(lp, maximise=True, solver="nonsense", threads=0, time_limit=60)


def test_without_a_limit_nothing_is_started(
    lp: LinearProgramme, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("no child process without a time limit")

    monkeypatch.setattr(highs.multiprocessing, "get_context", refuse)
    solved = highs.run_highs_within(lp, maximise=True, solver="primal", threads=0, time_limit=None)
    assert solved.status == "Optimal"


SCRIPT = """
from rada.planning.generate import generate_economy
from rada.planning.optimal import solve_plan

economy = generate_economy(products=40, years=3, seed=1)
exact = solve_plan(economy, solver="primal", time_limit=60)  # in a child process
print("solved", round(exact.objective, 9), exact.status)
"""


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_script_without_a_main_guard_is_not_run_again_in_the_child(
    tmp_path: Path, how: str
) -> None:
    """Children are fresh interpreters; they must not run the calling script again (it would
    solve its plan a second time and fail to start children of its own)."""
    script = tmp_path / "plan.py"
    script.write_text(SCRIPT)
    command = [sys.executable, str(script)] if how == "file" else [sys.executable, "-"]
    done = subprocess.run(
        command,
        input=None if how == "file" else SCRIPT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sum(line.startswith("solved") for line in lines) == 1
    assert lines[0].endswith("optimal")


def test_a_child_ends_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    """A killed parent runs no cleanup, so its daemon child would run on to its deadline; the
    child watches for that and ends within a couple of seconds."""
    (tmp_path / "sleeper.py").write_text(
        "import os, time\n"
        "def sleep(send, path):\n"
        "    open(path, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
    )
    written = tmp_path / "child.pid"
    parent = (
        "import os, signal, sys, time\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "import sleeper\n"
        "from rada.planning.highs import start_child\n"
        f"start_child(sleeper.sleep, ({str(written)!r},), name='sleeper')\n"
        f"while not os.path.exists({str(written)!r}): time.sleep(0.05)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run([sys.executable, "-c", parent], timeout=60, check=False)
    assert run.returncode == -9
    child = int(written.read_text())
    proc = Path(f"/proc/{child}")
    deadline = time.monotonic() + 10
    while proc.exists() and b"Z" not in _state(proc) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not proc.exists() or b"Z" in _state(proc)


def _state(proc: Path) -> bytes:
    """The process's state letter from /proc (``Z``: ended, not yet reaped)."""
    try:
        return (proc / "stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return b"Z"
