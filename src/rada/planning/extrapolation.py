"""Aitken's extrapolation of a fixed-point iteration along its slowest mode.

Shared by the certificate's Jacobi steps (:mod:`rada.planning.repair`) and the closed form's
successive approximation (:func:`rada.planning.leontief.successive_approximation`). Either
iteration still ends only on a plain step that meets its own stopping rule, so what it
returns does not rest on the extrapolation being right, only how soon it gets there.
"""

from __future__ import annotations

import numpy as np

from rada.planning.structure import FloatArray

#: Aitken's extrapolation (:class:`Extrapolation`) is made once the ratio of successive
#: changes of a column has settled to within this share of itself over two steps...
SETTLED_RATIO = 1e-3
#: ...and lies above 0 and at most this (nearer 1, an error in the ratio is multiplied by
#: ``1 / (1 - ratio) ** 2`` and the extrapolation could set the iteration back).
LARGEST_RATIO = 0.99


class Extrapolation:
    """Aitken's extrapolation of a linear fixed-point iteration along its slowest mode.

    The Jacobi steps of a year's system shrink their error by the spectral radius of ``Off / d``;
    in a productive economy that is the Perron root of the input matrix (about 0.4 in the
    generated ones), and every other eigenvalue is far smaller (about 0.1). After a few
    steps the change of each step is then that one mode's, shrinking by the same ratio
    ``r`` each step, and what is left of it, ``change * r / (1 - r)``, can be added at once.
    Called with each step's value and the next, it returns the point to step from: the
    next value, extrapolated in every column whose ratio (the change's projection on the
    last change) has settled (:data:`SETTLED_RATIO`) within (0, :data:`LARGEST_RATIO`];
    after an extrapolation it waits for the ratios to settle again, and where the step after
    one changes a column by more than the step before it did, it extrapolates no more (the
    plain steps converge whatever the start; an extrapolation that set them back must not be
    repeated). The iteration still ends only on a step that changes nothing by more than its
    rule allows, so the answer is as exact as without it. At 100,000 x 5 a solve took 18
    steps where it took 40.

    >>> import numpy as np
    >>> off, rhs = np.array([[0.0, 0.5], [0.5, 0.0]]), np.array([[1.0], [1.0]])
    >>> def solve(extrapolate):
    ...     value, steps = np.zeros((2, 1)), 0
    ...     while True:
    ...         following, steps = rhs + off @ value, steps + 1
    ...         if np.abs(following - value).max() == 0.0:
    ...             return following.ravel().tolist(), steps
    ...         value = extrapolate(value, following)
    >>> solve(lambda value, following: following)
    ([2.0, 2.0], 55)
    >>> solve(Extrapolation())
    ([2.0, 2.0], 4)
    """

    def __init__(self) -> None:
        self._change: FloatArray | None = None
        self._ratio: FloatArray | None = None
        # The largest change of each column in the step an extrapolation followed.
        self._jumped: FloatArray | None = None
        self._stopped = False

    def __call__(self, value: FloatArray, following: FloatArray) -> FloatArray:
        if self._stopped:
            return following
        change = following - value
        if self._jumped is not None:
            if (np.abs(change).max(axis=0, initial=0.0) > self._jumped).any():
                self._stopped = True
                return following
            self._jumped = None
        last, self._change = self._change, change
        if last is None:
            return following
        across = np.einsum("ij,ij->j", change, last)
        along = np.einsum("ij,ij->j", last, last)
        ratio = np.divide(across, along, out=np.zeros_like(across), where=along > 0)
        before, self._ratio = self._ratio, ratio
        if before is None:
            return following
        settled = (
            (np.abs(ratio - before) <= SETTLED_RATIO * np.abs(ratio))
            & (ratio > 0)
            & (ratio <= LARGEST_RATIO)
        )
        if not settled.any():
            return following
        self._change = self._ratio = None
        self._jumped = np.abs(change).max(axis=0, initial=0.0)
        factor = np.where(settled, ratio / (1.0 - np.where(settled, ratio, 0.0)), 0.0)
        return np.asarray(following + change * factor, dtype=np.float64)
