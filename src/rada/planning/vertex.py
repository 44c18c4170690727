"""From a first-order point to the exact optimal vertex: guess its basis, finish by simplex.

A first-order method's point is near the optimum but never on it, and its certificate loses
100 to 450 times its tolerance (:mod:`rada.planning.first_order`). Simplex reaches the vertex
exactly, but HiGHS factorises each basis with its own sparse LU, which the dense fill of
``I - A`` makes slow: at 1,000 products x 5 years one refactorisation of a basis near the
optimum took 52 s. This module takes the first-order point and

1. **guesses the optimal basis**: each variable and each row is scored by how far it sits
   from its bounds against its reduced cost or price (far from a bound and priced at zero:
   basic), and the basis is the highest-scoring set of columns that can be matched one to one
   with the rows (a minimum-weight full bipartite matching, so parallel rows such as a
   technique's first-year stocks, which all say "activity at most the base level", do not
   make it singular);
2. **factorises it once** with SuperLU (7 s at 1,000 x 5, against HiGHS's 52 s);
3. **finishes by simplex** from that basis, with the factorisation updated in product form
   (one eta vector per pivot): dual simplex, with the costs of wrongly priced columns
   shifted, until every basic variable is within its bounds, then primal simplex on the true
   costs until every reduced cost has its sign. Where the guess is right this takes no pivot;
   at 1,000 x 5 from hipdlp's 1e-7 point it took 25 to 49 pivots.

The values and prices of every step are recomputed from the factorisation, not updated, so
rounding does not accumulate. Nothing here is trusted: the caller certifies the vertex
(:func:`rada.planning.certificate.certify`), so a wrong guess or a stalled simplex costs time
and a looser gap, never a wrong claim.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from rada.planning.errors import PlanningError
from rada.planning.highs import answer_within, may_spawn
from rada.planning.programme import LinearProgramme
from rada.planning.structure import FloatArray
from rada.planning.tolerances import LP_FEASIBILITY

#: Bases of up to this many techniques x years are factorised: SuperLU's factors of ``I - A``
#: fill in, 7 s and 15 million non-zeros at 1,000 products x 5 years, growing about as the
#: cube of the products.
VERTEX_UP_TO = 7500
#: The first-order tolerance whose point the basis is guessed from. At 1,000 x 5 (seeds 1-3)
#: hipdlp's 1e-7 point is 25 to 49 pivots from the optimal basis and its 1e-8 point 2, but
#: the 1e-8 run takes four times as long; from the 1e-6 point 400 pivots (79 s) were not
#: enough. At 300 x 5 even the 1e-6 point is 41 pivots away.
VERTEX_TOLERANCE = 1e-7
#: At most this many simplex pivots (about 0.15 s each at 1,000 x 5), and a refactorisation
#: after this many eta vectors. A programme of up to :data:`SMALL_ROWS` rows, whose pivots
#: cost well under a millisecond, may take as many pivots as it has rows: where products
#: have alternative techniques the guess is poorer (at 80 products x 4 years with 30 %
#: alternatives, 726 pivots from hipdlp's 1e-7 point, 0.3 s).
MAX_PIVOTS = 200
SMALL_ROWS = 5000
REFACTOR_EVERY = 60
#: Rounds of replacing the dependent columns of a singular basis by slacks.
REPAIRS = 3
#: A pivot of the basis's factors this small, relative to the largest, marks it singular.
SINGULAR = 1e-10
#: Under a time limit, the finish of a programme of more than this many columns runs in a
#: child process that is stopped at the limit: SuperLU's factorisation does not look at the
#: clock (at 1,000 products x 5 years it takes 7 to 9 s, and a 20-s limit ended at 26 s),
#: while below this size it takes well under a second and starting a process would cost more.
WITHIN_ABOVE = 10_000


@dataclass(frozen=True)
class Vertex:
    """The vertex simplex ended at: column values and row prices of the minimisation of
    ``-cost`` (the signs :func:`rada.planning.first_order.candidate_of` reads), the pivots
    taken, and whether it is optimal (primal and dual feasible to :data:`LP_FEASIBILITY`)."""

    x: FloatArray
    y: FloatArray
    pivots: int
    optimal: bool
    seconds: float


class _Factor:
    """A basis matrix's SuperLU factors and the eta vectors of the pivots since."""

    def __init__(self, lu: spl.SuperLU) -> None:
        self.lu = lu
        self.etas: list[tuple[int, FloatArray]] = []

    def solve(self, b: FloatArray) -> FloatArray:
        z = self.lu.solve(b)
        for p, eta in self.etas:
            zp = z[p] / eta[p]
            z -= eta * zp
            z[p] = zp
        return z

    def solve_transposed(self, c: FloatArray) -> FloatArray:
        c = c.copy()
        for p, eta in reversed(self.etas):
            c[p] = (c[p] - (eta @ c - eta[p] * c[p])) / eta[p]
        transposed = cast("Callable[..., FloatArray]", self.lu.solve)  # stubs omit ``trans``
        return transposed(c, trans="T")


class _Simplex:
    """The programme as ``min c v`` over ``v = (x, r)`` with ``A x - r = 0`` and bounds on
    both, and a basis of it."""

    def __init__(self, lp: LinearProgramme, basis: np.ndarray, at_upper: np.ndarray) -> None:
        m, n = lp.matrix.shape
        self.m, self.n = m, n
        self.M = sp.csc_array(sp.hstack([lp.matrix, -sp.eye_array(m, format="csc")]))
        self.MT = sp.csr_array(self.M.T)
        self.c = np.concatenate([-lp.cost, np.zeros(m)])
        self.lo = np.concatenate([lp.col_lower, lp.row_lower])
        self.up = np.concatenate([lp.col_upper, lp.row_upper])
        self.basis = np.asarray(basis, dtype=np.int64)
        self.is_basic = np.zeros(n + m, dtype=bool)
        self.is_basic[self.basis] = True
        # A non-basic variable sits at a finite bound: its upper where asked and finite.
        self.at_upper = at_upper & np.isfinite(self.up) & ~self.is_basic
        self.at_upper |= ~np.isfinite(self.lo) & ~self.is_basic
        self.factor = self._factorise()

    def _factorise(self) -> _Factor:
        """Factorise the basis; where it is singular (a pivot of SuperLU's factors vanishes),
        put the slack of each row whose pivot vanished in place of the column that had it, as
        simplex codes repair a basis, and try again."""
        for _ in range(REPAIRS):
            matrix = sp.csc_array(self.M[:, self.basis])
            try:
                lu = spl.splu(matrix, permc_spec="COLAMD")
                exact = True
            except RuntimeError:  # "Factor is exactly singular": find where
                # The incomplete factorisation with nothing dropped is the complete one, but
                # it puts a tiny pivot where the matrix is singular instead of stopping.
                lu = spl.spilu(matrix, drop_tol=0.0, fill_factor=20)
                exact = False
            pivots = abs(lu.U.diagonal())
            dependent = np.flatnonzero(pivots <= SINGULAR * max(float(pivots.max()), 1.0))
            if exact and not len(dependent):
                return _Factor(lu)
            column_at = np.argsort(lu.perm_c)
            row_at = np.argsort(lu.perm_r)
            replaced = 0
            for position in dependent:
                slack = self.n + int(row_at[position])
                if self.is_basic[slack]:
                    continue
                k = int(column_at[position])
                leaving = int(self.basis[k])
                self.basis[k] = slack
                self.is_basic[leaving], self.is_basic[slack] = False, True
                self.at_upper[slack] = False
                self.at_upper[leaving] = bool(
                    np.isfinite(self.up[leaving]) and not np.isfinite(self.lo[leaving])
                )
                replaced += 1
            if not replaced:
                break
        raise RuntimeError("the basis is singular and could not be repaired")

    def values(self) -> FloatArray:
        v = np.where(self.at_upper, self.up, self.lo)
        v[self.is_basic] = 0.0
        v[~np.isfinite(v)] = 0.0
        v[self.basis] = self.factor.solve(-(self.M @ v))
        return v

    def prices(self, c: FloatArray) -> tuple[FloatArray, FloatArray]:
        y = self.factor.solve_transposed(c[self.basis])
        d = c - self.MT @ y
        d[self.basis] = 0.0
        return y, d

    def scale(self, bound: FloatArray) -> FloatArray:
        scale: FloatArray = np.where(np.isfinite(bound), abs(bound), 1.0)
        return LP_FEASIBILITY * np.maximum(1.0, scale)

    def infeasibility(self, v: FloatArray) -> FloatArray:
        """How far each basic variable is outside its bounds (signed: negative below)."""
        vb, lo, up = v[self.basis], self.lo[self.basis], self.up[self.basis]
        below = np.where(vb < lo - self.scale(lo), vb - lo, 0.0)
        above = np.where(vb > up + self.scale(up), vb - up, 0.0)
        signed: FloatArray = below + above
        return signed

    def wrongly_priced(self, d: FloatArray) -> FloatArray:
        """How far each non-basic variable's reduced cost has the wrong sign (0 where right)."""
        free_to_rise = ~self.is_basic & ~self.at_upper & (self.up > self.lo)
        free_to_fall = ~self.is_basic & self.at_upper & (self.up > self.lo)
        wrong = np.zeros_like(d)
        rise = free_to_rise & (d < -LP_FEASIBILITY)
        fall = free_to_fall & (d > LP_FEASIBILITY)
        wrong[rise] = -d[rise]
        wrong[fall] = d[fall]
        return wrong

    def pivot(self, p: int, q: int, leaves_at_upper: bool) -> None:
        """``q`` enters the basis in position ``p``; the variable there leaves at a bound."""
        eta = self.factor.solve(self.M[:, [q]].toarray().ravel())
        leaving = int(self.basis[p])
        self.basis[p] = q
        self.is_basic[q], self.is_basic[leaving] = True, False
        self.at_upper[q] = False
        self.at_upper[leaving] = leaves_at_upper
        if len(self.factor.etas) >= REFACTOR_EVERY or abs(eta[p]) < 1e-11:
            self.factor = self._factorise()
        else:
            self.factor.etas.append((p, eta))

    def dual_step(self, d: FloatArray, bad: FloatArray) -> bool:
        """One dual simplex pivot on the most infeasible basic variable; False if none can."""
        p = int(np.argmax(abs(bad)))
        below = bad[p] < 0
        e = np.zeros(self.m)
        e[p] = 1.0
        alpha = self.MT @ self.factor.solve_transposed(e)
        # Entering q by t moves the leaving variable by -alpha_q t: it must move inwards.
        movable = ~self.is_basic & (self.up > self.lo)
        rising = movable & ~self.at_upper
        falling = movable & self.at_upper
        tol = 1e-9
        if below:
            eligible = (rising & (alpha < -tol)) | (falling & (alpha > tol))
        else:
            eligible = (rising & (alpha > tol)) | (falling & (alpha < -tol))
        if not eligible.any():
            return False
        candidates = np.flatnonzero(eligible)
        ratio = abs(d[candidates]) / abs(alpha[candidates])
        smallest = ratio.min()
        near = candidates[ratio <= smallest + 1e-12]
        q = int(near[np.argmax(abs(alpha[near]))])
        self.pivot(p, q, leaves_at_upper=not below)
        return True

    def primal_step(self, v: FloatArray, wrong: FloatArray) -> bool:
        """One primal simplex pivot on the most wrongly priced variable; False if unbounded."""
        q = int(np.argmax(wrong))
        direction = -1.0 if self.at_upper[q] else 1.0
        alpha = self.factor.solve(self.M[:, [q]].toarray().ravel())
        change = -direction * alpha  # basic values move by change * t, t >= 0
        vb, lo, up = v[self.basis], self.lo[self.basis], self.up[self.basis]
        tol = 1e-9
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where(
                change < -tol,
                (vb - lo) / -change,
                np.where(change > tol, (up - vb) / change, np.inf),
            )
        limit = np.where(np.isfinite(limit), np.maximum(limit, 0.0), np.inf)
        flip = self.up[q] - self.lo[q]
        smallest = float(limit.min()) if len(limit) else np.inf
        if flip <= smallest:
            if not np.isfinite(flip):
                return False
            self.at_upper[q] = not self.at_upper[q]
            return True
        near = np.flatnonzero(limit <= smallest + 1e-12)
        p = int(near[np.argmax(abs(alpha[near]))])
        self.pivot(p, q, leaves_at_upper=bool(change[p] > 0))
        return True


def _scores(lp: LinearProgramme, x: FloatArray, y: FloatArray) -> FloatArray:
    """How basic each column and then each row looks: the log of its distance from its
    nearest bound (relative) less the log of its reduced cost or price."""
    tiny = 1e-300
    reduced = -lp.cost - lp.matrix.T @ y
    rows = lp.matrix @ x

    def distance(value: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", over="ignore"):
            above = np.where(np.isfinite(lower), (value - lower) / np.maximum(1, abs(lower)), 1e300)
            below = np.where(np.isfinite(upper), (upper - value) / np.maximum(1, abs(upper)), 1e300)
        nearest: FloatArray = np.clip(np.minimum(above, below), tiny, 1e300)
        return nearest

    return np.concatenate(
        [
            np.log(distance(x, lp.col_lower, lp.col_upper)) - np.log(abs(reduced) + tiny),
            np.log(distance(rows, lp.row_lower, lp.row_upper)) - np.log(abs(y) + tiny),
        ]
    )


def guess_basis(lp: LinearProgramme, x: FloatArray, y: FloatArray) -> np.ndarray:
    """The highest-scoring set of columns of ``[A, -I]`` (structural, then row) that matches
    the rows one to one; every row's own column is a candidate, so a match always exists."""
    m, n = lp.matrix.shape
    score = _scores(lp, x, y)
    weight = (score.max() - score) + 1.0
    pattern = sp.csc_array(sp.hstack([lp.matrix, sp.eye_array(m, format="csc")]))
    pattern.data = weight[np.repeat(np.arange(n + m), np.diff(pattern.indptr))]
    matched = min_weight_full_bipartite_matching(sp.csr_array(pattern))[1]
    return np.asarray(matched, dtype=np.int64)


def find_vertex(
    lp: LinearProgramme,
    x: FloatArray,
    y: FloatArray,
    *,
    deadline: float | None = None,
) -> Vertex | None:
    """The optimal vertex near a first-order point ``(x, y)`` of the minimisation of
    ``-cost`` (``y`` as :func:`rada.planning.first_order.candidate_of` reads it), or the
    vertex simplex stopped at (``optimal`` False); None where the guessed basis is singular.

    >>> from rada.planning.generate import generate_economy
    >>> from rada.planning.programme import build_programme
    >>> from rada.planning.structure import compile_economy
    >>> from rada.planning.highs import run_highs
    >>> lp = build_programme(compile_economy(generate_economy(products=40, years=3, seed=1)))
    >>> rough = run_highs(lp, maximise=True, solver="hipdlp", threads=0, tolerance=1e-8)
    >>> vertex = find_vertex(lp, rough.col_value, -rough.row_dual)
    >>> exact = run_highs(lp, maximise=True, solver="primal", threads=0)
    >>> vertex.optimal, abs(float(lp.cost @ vertex.x) - exact.objective) < 1e-9
    (True, True)
    """
    started = time.perf_counter()
    m, n = lp.matrix.shape
    basis = guess_basis(lp, x, y)
    reduced = -lp.cost - lp.matrix.T @ y
    rows = lp.matrix @ x
    middle_col = np.where(np.isfinite(lp.col_upper), (lp.col_lower + lp.col_upper) / 2, np.inf)
    with np.errstate(invalid="ignore"):
        middle_row = np.where(
            np.isfinite(lp.row_upper) & np.isfinite(lp.row_lower),
            (lp.row_lower + lp.row_upper) / 2,
            np.where(np.isfinite(lp.row_lower), np.inf, -np.inf),
        )
    at_upper = np.concatenate(
        [(x > middle_col) | (reduced < 0) & np.isfinite(lp.col_upper), rows > middle_row]
    )
    try:
        simplex = _Simplex(lp, basis, at_upper)
    except RuntimeError:  # SuperLU: "Factor is exactly singular"
        return None
    pivots = 0
    limit = max(MAX_PIVOTS, m) if m <= SMALL_ROWS else MAX_PIVOTS
    shifted = simplex.c.copy()
    optimal = False
    try:
        # Dual simplex on shifted costs until the basic values are within their bounds.
        _, d = simplex.prices(shifted)
        shifted -= np.where(simplex.wrongly_priced(d) > 0, d, 0.0)
        while pivots < limit and (deadline is None or time.perf_counter() < deadline):
            v = simplex.values()
            bad = simplex.infeasibility(v)
            if not bad.any():
                break
            _, d = simplex.prices(shifted)
            d = np.where(simplex.wrongly_priced(d) > 0, 0.0, d)
            if not simplex.dual_step(d, bad):
                break
            pivots += 1
        # Primal simplex on the true costs until every reduced cost has its sign.
        while pivots < limit and (deadline is None or time.perf_counter() < deadline):
            v = simplex.values()
            _, d = simplex.prices(simplex.c)
            wrong = simplex.wrongly_priced(d)
            if not wrong.any():
                optimal = not simplex.infeasibility(v).any()
                break
            if not simplex.primal_step(v, wrong):
                break
            pivots += 1
    except RuntimeError:  # a refactorisation found the basis singular
        return None
    v = simplex.values()
    y_out, _ = simplex.prices(simplex.c)
    return Vertex(v[:n], y_out, pivots, optimal, time.perf_counter() - started)


def find_vertex_within(
    lp: LinearProgramme, x: FloatArray, y: FloatArray, *, seconds: float | None
) -> Vertex | None:
    """:func:`find_vertex` held to ``seconds`` (None: no limit).

    The simplex steps look at the clock, but the factorisation of the guessed basis cannot be
    interrupted; so a large programme's finish under a limit runs in a child process, stopped
    once the limit and a short grace period have passed (see
    :func:`~rada.planning.highs.answer_within`), and gives None when it is. Without a limit,
    for a small programme or where no child can be started (a Dask worker), it runs here.
    """
    if seconds is None:
        return find_vertex(lp, x, y)
    if lp.matrix.shape[1] <= WITHIN_ABOVE or not may_spawn():
        return find_vertex(lp, x, y, deadline=time.perf_counter() + seconds)
    try:
        answer = answer_within(
            _vertex_and_send,
            (lp, x, y, seconds),
            seconds=seconds,
            name="rada-vertex",
            what="the exact finish",
        )
    except PlanningError:
        return None
    return answer if isinstance(answer, Vertex) else None


def _vertex_and_send(
    send: Any, lp: LinearProgramme, x: FloatArray, y: FloatArray, seconds: float
) -> None:
    """In the child process: the vertex within ``seconds``, or None where finding it failed
    (the parent goes on with the first-order point)."""
    answer: Vertex | None
    try:
        answer = find_vertex(lp, x, y, deadline=time.perf_counter() + seconds)
    except Exception:  # a failed finish costs the finish, never the plan
        answer = None
    send.send(answer)
    send.close()
