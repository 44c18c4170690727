"""The certificate's Jacobi steps as compiled loops: the same to the bit as SciPy's product
and NumPy's passes, in one block of rows or several, for any number of columns."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from rada.planning import jacobi, repair, threads
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


def test_a_year_system_solves_as_the_numpy_iteration_did(monkeypatch: pytest.MonkeyPatch) -> None:
    """The iteration through the compiled steps ends on the same values, after the same
    number of steps, as the loop of SciPy products and NumPy passes it replaced."""
    s = compile_economy(generate_economy(products=500, years=2, seed=4))
    monkeypatch.setattr(repair, "FACTORISE_UP_TO", 10)
    system = repair.YearSystem(s, repair.choose_techniques(s, np.ones(s.n_techniques)))
    assert system._steps is not None
    assert system._steps_t is not None
    rng = np.random.default_rng(2)
    for transposed, steps in ((False, system._steps), (True, system._steps_t)):
        for rhs in (
            rng.uniform(0.5, 2.0, system.made.size),
            rng.uniform(0, 1, (system.made.size, 3)),
        ):
            columns = rhs.reshape(rhs.shape[0], -1)
            value = columns / system.diagonal[:, None]
            for _ in range(repair.MAX_ITERATIONS):
                value, change, size = _numpy_step(steps.off, system.diagonal, columns, value)
                if change <= 4 * np.finfo(float).eps * size:
                    break
            got = system.solve(rhs, transposed=transposed)
            assert got.shape == rhs.shape
            assert got.tobytes() == value.reshape(rhs.shape).tobytes()


def test_a_question_asked_again_is_answered_from_what_the_system_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = compile_economy(generate_economy(products=400, years=2, seed=6))
    monkeypatch.setattr(repair, "FACTORISE_UP_TO", 10)
    system = repair.YearSystem(s, repair.choose_techniques(s, np.ones(s.n_techniques)))
    steps: list[int] = []
    step = jacobi.JacobiSteps.step

    def counted(self: jacobi.JacobiSteps, rhs: np.ndarray, value: np.ndarray) -> object:
        steps.append(1)
        return step(self, rhs, value)

    monkeypatch.setattr(jacobi.JacobiSteps, "step", counted)
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
