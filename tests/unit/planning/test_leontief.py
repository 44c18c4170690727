"""Sparse Leontief kernels against small dense reference computations."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from rada.planning.errors import PlanningError
from rada.planning.leontief import (
    check_productive,
    gross_output,
    labour_values,
    leontief_inverse,
    spectral_radius,
)


def _random_productive(n: int, seed: int) -> sp.csc_array:
    rng = np.random.default_rng(seed)
    dense = rng.uniform(0, 1, (n, n)) * (rng.uniform(0, 1, (n, n)) < 0.2)
    dense *= 0.8 / max(1.0, dense.sum(axis=0).max())
    return sp.csc_array(dense)


@pytest.mark.parametrize("method", ["direct", "iterative"])
def test_gross_output_and_values_agree_with_the_dense_inverse(method: str) -> None:
    a = _random_productive(60, seed=3)
    reference = np.linalg.inv(np.eye(60) - a.toarray())
    d = np.linspace(1, 2, 60)
    lab = np.linspace(0.1, 0.9, 60)
    assert np.allclose(gross_output(a, d, method=method).value, reference @ d, atol=1e-10)
    assert np.allclose(labour_values(a, lab, method=method).value, lab @ reference, atol=1e-10)
    assert np.allclose(leontief_inverse(a), reference, atol=1e-12)


def test_auto_method_iterates_above_the_size_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    import rada.planning.leontief as leontief

    monkeypatch.setattr(leontief, "AUTO_ITERATIVE_ABOVE", 10)
    a = _random_productive(20, seed=4)
    solution = labour_values(a, np.ones(20))
    assert solution.method == "iterative"
    assert solution.iterations > 0
    assert solution.residual < 1e-10


def test_spectral_radius_of_a_nonnegative_matrix() -> None:
    a = _random_productive(40, seed=5)
    assert spectral_radius(a) == pytest.approx(max(abs(np.linalg.eigvals(a.toarray()))))
    assert check_productive(a) < 1


def test_a_mismatched_demand_vector_is_refused() -> None:
    with pytest.raises(PlanningError, match="has 3 entries; A has 2 products"):
        gross_output(sp.csc_array(np.zeros((2, 2))), np.ones(3))


def test_a_dense_inverse_past_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import rada.planning.leontief as leontief

    monkeypatch.setattr(leontief, "DENSE_LIMIT", 5)
    with pytest.raises(PlanningError, match="too large"):
        leontief.leontief_inverse(sp.csc_array(np.zeros((6, 6))))


@pytest.mark.parametrize("method", ["direct", "iterative"])
def test_several_demands_at_once_give_what_each_gives_alone(method: str) -> None:
    a = _random_productive(50, seed=6)
    demands = np.random.default_rng(6).uniform(0, 3, (50, 4))
    together = gross_output(a, demands, method=method).value
    assert together.shape == (50, 4)
    for k in range(4):
        alone = gross_output(a, demands[:, k], method=method).value
        np.testing.assert_allclose(together[:, k], alone, rtol=1e-12, atol=1e-12)


def test_streamed_rows_agree_whether_factorised_dense_or_sparse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rada.planning.leontief as leontief

    a = _random_productive(70, seed=7)
    reference = np.linalg.inv(np.eye(70) - a.toarray())
    dense = np.vstack([rows for _, rows in leontief.iter_leontief_rows(a, block=16)])
    monkeypatch.setattr(leontief, "DENSE_LIMIT", 10)  # SuperLU from here on
    sparse = np.vstack([rows for _, rows in leontief.iter_leontief_rows(a, block=16)])
    np.testing.assert_allclose(dense, reference, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(sparse, reference, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("columns", [None, 3])
def test_extrapolated_approximation_gives_the_same_balance_in_fewer_steps(
    columns: int | None,
) -> None:
    a = _random_productive(80, seed=7)
    reference = np.linalg.inv(np.eye(80) - a.toarray())
    rng = np.random.default_rng(7)
    d = rng.uniform(1, 2, 80) if columns is None else rng.uniform(1, 2, (80, columns))
    plain = gross_output(a, d, method="iterative")
    fast = gross_output(a, d, method="iterative", extrapolate=True)
    assert fast.value.shape == d.shape
    np.testing.assert_allclose(fast.value, reference @ d, rtol=0, atol=1e-10)
    assert fast.residual < 1e-11
    assert fast.iterations <= 0.6 * plain.iterations
    lab = rng.uniform(0.1, 0.9, 80)
    plain_values = labour_values(a, lab, method="iterative")
    values = labour_values(a, lab, method="iterative", extrapolate=True)
    np.testing.assert_allclose(values.value, lab @ reference, rtol=0, atol=1e-10)
    assert values.iterations <= 0.6 * plain_values.iterations
