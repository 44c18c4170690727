"""Leontief balances and labour values by sparse methods.

``A`` is the matrix of technical coefficients (``A[i, j]``: product ``i`` used per unit of
product ``j``) and ``l`` the labour per unit of each product. Gross output for a final demand
``d`` is ``x = (I - A)^-1 d``; labour values are ``v = l (I - A)^-1``. Neither is computed with a
dense inverse: a sparse LU factorisation (SuperLU) or successive approximation does the work,
and every result is checked against the tolerance in :mod:`rada.planning.tolerances`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from rada.planning.errors import PlanningError, UnproductiveEconomy
from rada.planning.extrapolation import Extrapolation
from rada.planning.structure import FloatArray, Matrix
from rada.planning.threads import split
from rada.planning.tolerances import BALANCE_RTOL, DENSE_LIMIT, ITERATION_ATOL

Method = Literal["auto", "direct", "iterative"]

#: Above this many products ``method="auto"`` iterates instead of factorising.
AUTO_ITERATIVE_ABOVE = 20_000


@dataclass(frozen=True)
class Solution:
    """A solved Leontief system: the vector, how it was found and how well it holds."""

    value: FloatArray
    method: Literal["direct", "iterative"]
    iterations: int
    residual: float


def _identity_minus(a: Matrix) -> sp.csc_array:
    n = a.shape[0]
    return sp.csc_array(sp.eye_array(n, format="csc") - sp.csc_array(a))


def _check_square(a: Matrix, vector: FloatArray, name: str) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise PlanningError(f"A must be square, not {a.shape[0]} x {a.shape[1]}")
    if vector.ndim not in (1, 2) or vector.shape[0] != a.shape[0]:
        raise PlanningError(f"{name} has {vector.shape[0]} entries; A has {a.shape[0]} products")


def successive_approximation(
    step: Callable[[FloatArray], FloatArray],
    start: FloatArray,
    *,
    atol: float = ITERATION_ATOL,
    max_iterations: int = 10_000,
    extrapolate: bool = False,
) -> tuple[FloatArray, int]:
    """Iterate ``z = step(z)`` from ``start`` until the largest change is below ``atol``.

    Returns the fixed point and the number of steps taken. With ``extrapolate``, each step
    starts from a point extrapolated along the slowest mode once that mode dominates the
    changes (:class:`~rada.planning.extrapolation.Extrapolation`); the iteration still ends on a
    plain step that changes nothing by ``atol``, and that step's value is returned.

    >>> z, n = successive_approximation(lambda z: 1 + 0.5 * z, np.zeros(1))
    >>> round(float(z[0]), 9), n
    (2.0, 41)
    >>> z, n = successive_approximation(lambda z: 1 + 0.5 * z, np.zeros(1), extrapolate=True)
    >>> round(float(z[0]), 9), n
    (2.0, 4)
    """
    jump = Extrapolation() if extrapolate else None
    current = start
    for iteration in range(1, max_iterations + 1):
        following = step(current)
        change = float(np.max(np.abs(following - current))) if following.size else 0.0
        if change < atol:
            return following, iteration
        if jump is None:
            current = following
        else:
            # Extrapolation works on columns: a vector is one.
            columns = jump(
                current.reshape(current.shape[0], -1), following.reshape(current.shape[0], -1)
            )
            current = columns.reshape(following.shape)
    raise PlanningError(
        f"successive approximation did not converge in {max_iterations} steps",
        hint="the spectral radius of A is probably close to 1; use method='direct'",
    )


def _solve(
    a: Matrix, rhs: FloatArray, *, transpose: bool, method: Method, atol: float, extrapolate: bool
) -> Solution:
    n = a.shape[0]
    # The operator of the iteration in CSR, without copying: A^T of a CSC array is CSR.
    operator = (a.T if transpose else a).tocsr()
    chosen = method if method != "auto" else ("iterative" if n > AUTO_ITERATIVE_ABOVE else "direct")
    if chosen == "direct":
        system = _identity_minus(operator)
        value = np.asarray(spla.spsolve(system, rhs), dtype=np.float64)
        iterations = 0
    elif chosen == "iterative":
        # Beyond SPLIT_ABOVE products the products run in row blocks on threads, the same to
        # the bit: at 300,000 products the closed form's ten columns took 5.5 s in one.
        iterated = split(operator)
        value, iterations = successive_approximation(
            lambda z: rhs + iterated @ z, rhs.copy(), atol=atol, extrapolate=extrapolate
        )
    else:
        raise PlanningError(f"unknown method {method!r}; use auto, direct or iterative")
    product = operator @ value
    residual = float(np.max(np.abs(value - product - rhs))) if n else 0.0
    allowed = BALANCE_RTOL * max(1.0, float(np.max(np.abs(rhs))) if n else 0.0)
    if chosen == "iterative":
        # The iteration stops when a step changes nothing by more than atol, and the
        # residual is exactly the size of the next step: atol bounds it too.
        allowed = max(allowed, atol)
    if not residual <= allowed:
        raise PlanningError(
            f"the balance does not hold: residual {residual:.3g} exceeds the tolerance",
            hint="the system is badly conditioned; check that A is productive",
        )
    return Solution(value=value, method=chosen, iterations=iterations, residual=residual)


def gross_output(
    a: Matrix,
    final_demand: FloatArray,
    *,
    method: Method = "auto",
    atol: float = ITERATION_ATOL,
    extrapolate: bool = False,
) -> Solution:
    """Gross output ``x`` that delivers ``final_demand`` net: ``x = A x + d``.

    Parameters
    ----------
    a : sparse array, n x n
        Technical coefficients.
    final_demand : array, n, or n x k
        Net output wanted (k of them at once, one per column, with one factorisation).
    method : "auto", "direct" or "iterative"
        Sparse LU, or successive approximation ``x = d + A x`` (auto picks by size).
    extrapolate : bool
        Extrapolate the successive approximation along its slowest mode
        (:func:`successive_approximation`): about half the steps, the same answer within
        ``atol``. Off by default, so that a generated economy stays the same to the bit.

    Returns
    -------
    Solution
        ``value`` is x; ``residual`` is ``max|(I - A) x - d|``.

    >>> a = sp.csc_array(np.array([[0.1, 0.2], [0.3, 0.0]]))
    >>> x = gross_output(a, np.array([1.0, 2.0])).value
    >>> [round(float(v), 6) for v in x]
    [1.666667, 2.5]
    """
    _check_square(a, final_demand, "the final demand")
    demand = np.asarray(final_demand, float)
    return _solve(a, demand, transpose=False, method=method, atol=atol, extrapolate=extrapolate)


def labour_values(
    a: Matrix,
    labour: FloatArray,
    *,
    method: Method = "auto",
    atol: float = ITERATION_ATOL,
    extrapolate: bool = False,
) -> Solution:
    """Labour values ``v = l (I - A)^-1``: labour used directly and indirectly per unit.

    ``method="iterative"`` is Marx's and Cockshott's successive approximation
    ``v = l + v A``, started from ``l``; it converges when the spectral radius of A is below 1.
    ``extrapolate`` as in :func:`gross_output`.

    >>> a = sp.csc_array(np.array([[0.1, 0.2], [0.3, 0.0]]))
    >>> v = labour_values(a, np.array([1.0, 0.5])).value
    >>> [round(float(x), 6) for x in v]
    [1.369048, 0.77381]
    """
    _check_square(a, labour, "the labour row")
    row = np.asarray(labour, float)
    return _solve(a, row, transpose=True, method=method, atol=atol, extrapolate=extrapolate)


def iter_leontief_rows(a: Matrix, *, block: int = 256) -> Iterator[tuple[int, FloatArray]]:
    """Yield ``(first_row, rows)`` blocks of the Leontief inverse ``L = (I - A)^-1``.

    Only one block of rows is ever in memory: row ``i`` of L solves ``(I - A)^T z = e_i``
    with one LU factorisation: dense (LAPACK, partial pivoting) up to
    :data:`DENSE_LIMIT` products, where it is several times faster than a sparse one on a
    table as full as a real one (WIOD 2011's 1,413 products: 0.3 s against 1.0 s), sparse
    (SuperLU) beyond.
    """
    n = a.shape[0]
    solve: Callable[[FloatArray], FloatArray]
    if n <= DENSE_LIMIT:
        factor = sla.lu_factor(np.eye(n) - sp.csc_array(a).toarray().T, check_finite=False)
        solve = lambda unit: sla.lu_solve(factor, unit, check_finite=False)  # noqa: E731
    else:
        solve = spla.splu(_identity_minus(sp.csc_array(a).T)).solve
    for first in range(0, n, block):
        last = min(n, first + block)
        unit = np.zeros((n, last - first))
        unit[np.arange(first, last), np.arange(last - first)] = 1.0
        yield first, solve(unit).T


def leontief_inverse(a: Matrix) -> FloatArray:
    """The dense Leontief inverse, for tables of at most a few thousand products.

    >>> leontief_inverse(sp.csc_array(np.array([[0.5]])))
    array([[2.]])
    """
    n = a.shape[0]
    if n > DENSE_LIMIT:
        raise PlanningError(
            f"a dense {n} x {n} Leontief inverse is too large to hold",
            hint="stream it with iter_leontief_rows (rada io inverse does)",
        )
    result = np.empty((n, n))
    for first, rows in iter_leontief_rows(a):
        result[first : first + rows.shape[0]] = rows
    return result


def spectral_radius(a: Matrix) -> float:
    """The spectral radius (Perron root) of a non-negative matrix.

    >>> round(spectral_radius(sp.csc_array(np.array([[0.0, 2.0], [0.5, 0.0]]))), 12)
    1.0
    """
    n = a.shape[0]
    if n == 0:
        return 0.0
    if n <= DENSE_LIMIT:
        return float(np.max(np.abs(np.linalg.eigvals(sp.csc_array(a).toarray()))))
    values = spla.eigs(sp.csc_array(a), k=1, which="LM", return_eigenvectors=False, tol=1e-10)
    return float(np.max(np.abs(values)))


def check_productive(a: Matrix, *, file: str | None = None) -> float:
    """Raise ``UnproductiveEconomy`` unless the spectral radius of ``A`` is below 1.

    Returns an upper bound of the spectral radius (the largest column sum when that is
    already below 1, else the radius itself).
    """
    if a.shape[0] == 0:
        return 0.0
    bound = float(np.max(np.asarray(abs(sp.csc_array(a)).sum(axis=0))))
    if bound < 1.0:
        return bound
    radius = spectral_radius(a)
    if not radius < 1.0 - 1e-12 or math.isnan(radius):
        raise UnproductiveEconomy(radius, file=file)
    return radius
