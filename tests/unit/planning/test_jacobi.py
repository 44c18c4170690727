"""The certificate's Jacobi steps as compiled loops: the same to the bit as SciPy's product
and NumPy's passes, in one block of rows or several, for any number of columns; and their
extrapolation along the slowest mode."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from rada.planning import extrapolation, jacobi, repair, threads
from rada.planning.generate import generate_economy
from rada.planning.structure import compile_economy


def _system(n: int, seed: int) -> tuple[sp.csr_array, np.ndarray]:
    """A random off-diagonal part with entries spread over many magnitudes, and a diagonal."""
    rng = np.random.default_rng(seed)
    off = sp.random_array((n, n), density=0.01, format="csr", rng=rng)
    off.data = rng.uniform(0.0, 1.0, off.nnz) * 10.0 ** rng.integers(-8, 3, off.nnz)
    off.setdiag(0.0)
    off.eliminate_zeros()
    return sp.csr_array(off), rng.uniform(1.0, 5.0, n)


def _numpy_step(
    off: sp.csr_array, diagonal: np.ndarray, rhs: np.ndarray, value: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """The step as it was written with SciPy and NumPy."""
    following = (rhs + off @ value) / diagonal[:, None]
    change = float(np.abs(following - value).max(initial=0.0))
    return following, change, float(np.abs(following).max(initial=0.0))


@pytest.mark.parametrize("columns", [1, 2, 3, 5])
@pytest.mark.parametrize("blocks", [1, 3])
def test_a_step_is_numpy_s_to_the_bit(
    monkeypatch: pytest.MonkeyPatch, columns: int, blocks: int
) -> None:
    off, diagonal = _system(600, seed=columns)
    monkeypatch.setattr(threads, "SPLIT_ABOVE", 100 if blocks > 1 else 10**9)
    monkeypatch.setattr(threads, "threads", lambda: blocks)
    steps = jacobi.JacobiSteps(off, diagonal)
    assert len(steps.blocks) == blocks
    rng = np.random.default_rng(columns)
    rhs = rng.standard_normal((600, columns)) * 10.0 ** rng.integers(-5, 5, (600, columns))
    value = rhs / diagonal[:, None]
    for _ in range(6):
        got, change, size = steps.step(rhs, value)
        want, want_change, want_size = _numpy_step(off, diagonal, rhs, value)
        assert got.tobytes() == want.tobytes()
        assert (change, size) == (want_change, want_size)
        value = got


def test_the_int32_indices_of_a_small_matrix_give_the_same_step() -> None:
    off, diagonal = _system(300, seed=11)
    wide = sp.csr_array(off)
    wide.indices, wide.indptr = wide.indices.astype(np.int64), wide.indptr.astype(np.int64)
    narrow = sp.csr_array(off)
    narrow.indices, narrow.indptr = narrow.indices.astype(np.int32), narrow.indptr.astype(np.int32)
    rhs = np.random.default_rng(1).standard_normal((300, 2))
    value = rhs / diagonal[:, None]
    a = jacobi.JacobiSteps(wide, diagonal).step(rhs, value)
    b = jacobi.JacobiSteps(narrow, diagonal).step(rhs, value)
    assert a[0].tobytes() == b[0].tobytes()
    assert a[1:] == b[1:]


def test_a_nan_anywhere_is_reported_so_the_iteration_never_settles_on_it() -> None:
    off, diagonal = _system(200, seed=5)
    steps = jacobi.JacobiSteps(off, diagonal)
    rhs = np.ones((200, 3))
    for column in range(3):  # in the pair's first and second column, and the single one
        value = rhs / diagonal[:, None]
        value[17, column] = np.nan
        _, change, size = steps.step(rhs, value)
        assert np.isnan(change)
        assert np.isnan(size)
        assert not change <= 4 * np.finfo(float).eps * size


def test_an_empty_system_steps_to_nothing() -> None:
    steps = jacobi.JacobiSteps(sp.csr_array((0, 0)), np.zeros(0))
    got, change, size = steps.step(np.zeros((0, 2)), np.zeros((0, 2)))
    assert got.shape == (0, 2)
    assert (change, size) == (0.0, 0.0)


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the compiled steps taken from now on."""
    steps: list[int] = []
    step = jacobi.JacobiSteps.step

    def counted(self: jacobi.JacobiSteps, rhs: np.ndarray, value: np.ndarray) -> object:
        steps.append(1)
        return step(self, rhs, value)

    monkeypatch.setattr(jacobi.JacobiSteps, "step", counted)
    return steps


def test_a_year_system_solves_to_the_numpy_iteration_s_values_in_fewer_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The iteration through the compiled steps, extrapolated along its slowest mode, ends
    within a few ulp of where the loop of SciPy products and NumPy passes it replaced ended,
    in under 60 % of its steps (at 500 products 19 to 21 where it took 37 or 38)."""
    s = compile_economy(generate_economy(products=500, years=2, seed=4))
    monkeypatch.setattr(repair, "FACTORISE_UP_TO", 10)
    system = repair.YearSystem(s, repair.choose_techniques(s, np.ones(s.n_techniques)))
    assert system._steps is not None
    assert system._steps_t is not None
    rng = np.random.default_rng(2)
    steps = _counted(monkeypatch)
    for transposed, stepper in ((False, system._steps), (True, system._steps_t)):
        for rhs in (
            rng.uniform(0.5, 2.0, system.made.size),
            rng.uniform(0, 1, (system.made.size, 3)),
        ):
            columns = rhs.reshape(rhs.shape[0], -1)
            value = columns / system.diagonal[:, None]
            plain = 0
            while plain < repair.MAX_ITERATIONS:
                value, change, size = _numpy_step(stepper.off, system.diagonal, columns, value)
                plain += 1
                if change <= 4 * np.finfo(float).eps * size:
                    break
            steps.clear()
            got = system.solve(rhs, transposed=transposed)
            assert got.shape == rhs.shape
            assert len(steps) <= 0.6 * plain, (len(steps), plain)
            wanted = value.reshape(rhs.shape)
            assert np.abs(got - wanted).max() <= 16 * np.finfo(float).eps * np.abs(wanted).max()


def _iterate(
    off: np.ndarray, rhs: np.ndarray, extrapolate: object, limit: int = 500
) -> tuple[np.ndarray, int]:
    """``z = rhs + off z`` by steps from zero, each passed through ``extrapolate``, until a
    step changes nothing by more than 4 ulp of the largest value."""
    value = np.zeros_like(rhs)
    for taken in range(1, limit + 1):
        following = rhs + off @ value
        change = np.abs(following - value).max()
        if change <= 4 * np.finfo(float).eps * np.abs(following).max():
            return following, taken
        value = extrapolate(value, following)  # type: ignore[operator]
    raise AssertionError("no convergence")


def _plain(value: np.ndarray, following: np.ndarray) -> np.ndarray:
    return following


def test_extrapolation_takes_the_slowest_mode_away_in_every_column() -> None:
    """A dominant mode of 0.9 with the rest at most 0.05: the plain steps take hundreds, the
    extrapolated ones a few dozen, to the same values; a column of zeros stays zeros."""
    rng = np.random.default_rng(5)
    n = 60
    u = rng.uniform(0.5, 1.0, n)
    off = 0.9 * np.outer(u, u) / (u @ u) + rng.uniform(-0.05, 0.05, (n, n)) / n
    rhs = np.column_stack([rng.uniform(0, 1, n), np.zeros(n), rng.uniform(-1, 1, n)])
    exact = np.linalg.solve(np.eye(n) - off, rhs)
    plain, plain_steps = _iterate(off, rhs, _plain)
    with np.errstate(all="raise"):
        fast, fast_steps = _iterate(off, rhs, extrapolation.Extrapolation())
    assert plain_steps > 300
    assert fast_steps < 40
    assert (fast[:, 1] == 0.0).all()
    for got in (plain, fast):
        assert np.abs(got - exact).max() <= 1e-13 * np.abs(exact).max()


@pytest.mark.parametrize("dominant", [-0.9, 0.995])
def test_a_mode_that_alternates_or_is_too_slow_is_not_extrapolated(dominant: float) -> None:
    """A dominant eigenvalue of -0.9 (the changes alternate in sign) or above
    LARGEST_RATIO: no step is extrapolated, so the iteration is the plain one."""
    n = 5
    off = np.diag([dominant, 0.1, 0.05, 0.0, -0.02])
    rhs = np.linspace(1.0, 2.0, n)[:, None]
    extrapolate = extrapolation.Extrapolation()
    value = np.zeros_like(rhs)
    for _ in range(200):
        following = rhs + off @ value
        value_next = extrapolate(value, following)
        assert value_next.tobytes() == following.tobytes()
        value = value_next


def test_an_unsettled_ratio_waits() -> None:
    """The ratio must hold to SETTLED_RATIO over two steps: changes shrinking by 0.5, then
    0.4, are not extrapolated; 0.4 twice more is."""
    extrapolate = extrapolation.Extrapolation()
    value = np.zeros((1, 1))
    changes = [1.0, 0.5, 0.2, 0.08, 0.032]
    out = []
    for change in changes:
        following = value + change
        out.append(extrapolate(value, following))
        value = following
    assert [o.item() for o in out[:3]] == [1.0, 1.5, 1.7]
    # 0.08 / 0.2 = 0.4 = 0.2 / 0.5: settled at the fourth step, whose rest 0.08 * 0.4 / 0.6
    # is added at once; the state starts afresh after it.
    assert out[3].item() == pytest.approx(1.78 + 0.08 * 0.4 / 0.6, rel=1e-15)
    assert out[4].item() == value.item()


def test_a_question_asked_again_is_answered_from_what_the_system_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = compile_economy(generate_economy(products=400, years=2, seed=6))
    monkeypatch.setattr(repair, "FACTORISE_UP_TO", 10)
    system = repair.YearSystem(s, repair.choose_techniques(s, np.ones(s.n_techniques)))
    steps = _counted(monkeypatch)
    rng = np.random.default_rng(3)
    rhs = rng.uniform(0.5, 2.0, (system.made.size, 2))
    first = system.solve(rhs)
    iterated = len(steps)
    assert iterated > 1
    first_bytes = first.tobytes()
    first[:] = 0.0  # the caller's copy is its own
    again = system.solve(rhs.copy())
    assert len(steps) == iterated
    assert again.tobytes() == first_bytes
    # The transposed system, or another right-hand side, is another question.
    system.solve(rhs, transposed=True)
    system.solve(rhs[:, :1])
    assert len(steps) > iterated
    # Only the last KEPT_SOLUTIONS answers are kept.
    for k in range(repair.KEPT_SOLUTIONS):
        system.solve(rhs + k + 1.0)
    before = len(steps)
    assert system.solve(rhs).tobytes() == first_bytes
    assert len(steps) > before


def test_importing_the_certificate_does_not_load_numba() -> None:
    """Numba (about 70 MB and 0.2 s) is loaded at the first large system a certificate
    iterates, not by every process that imports the certificate, such as the web app."""
    import subprocess
    import sys

    code = "import sys, rada.planning.certificate; print('numba' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_an_extrapolation_that_sets_the_steps_back_is_the_last() -> None:
    """Where the step after an extrapolation changes a column by more than the step before
    it, no extrapolation follows, however settled the ratios then look."""

    def fed(changes: list[float]) -> list[float]:
        extrapolate, value, out = extrapolation.Extrapolation(), np.zeros((1, 1)), []
        for change in changes:
            following = value + change
            out.append(extrapolate(value, following).item())
            value = following
        return out

    settled = [1.0, 0.5, 0.25]  # extrapolated at the third
    later = [0.125, 0.0625, 0.03125, 0.015625]  # settled again at the third of these
    assert fed(settled)[-1] == 1.75 + 0.25
    kept_on = fed(settled + later)
    plain = np.cumsum(settled + later)
    assert kept_on[5] == plain[5] + 0.03125  # extrapolated again, by 0.03125 * 0.5 / 0.5
    set_back = fed([*settled, 0.3, *later])  # the step after it changed more than 0.25
    assert set_back[3:] == list(np.cumsum([*settled, 0.3, *later])[3:])
