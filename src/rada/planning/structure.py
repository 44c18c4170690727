"""An economy compiled to sparse arrays, the form every solver works on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from operator import attrgetter, methodcaller

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from rada.planning.economy import CapitalStock, Economy
from rada.planning.errors import NotSquareSystem

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: A SciPy sparse array (CSC or CSR).
Matrix = sp.csc_array | sp.csr_array


@dataclass(frozen=True)
class Structure:
    """Sparse arrays of an economy.

    ``out`` and ``inp`` are products x techniques, ``res`` resources x techniques, all per unit
    of activity. Capital is a list of (technique, good) pairs holding only non-zero stocks.
    ``capacity`` is ``inf`` where a technique has none.
    """

    out: sp.csc_array
    inp: sp.csc_array
    res: sp.csc_array
    pair_tech: IntArray
    pair_good: IntArray
    per_unit: FloatArray
    depreciation: FloatArray
    initial: FloatArray
    capacity: FloatArray
    targets: FloatArray
    committed: FloatArray
    supply: FloatArray

    @property
    def n_products(self) -> int:
        """Number of products."""
        return int(self.out.shape[0])

    @property
    def n_techniques(self) -> int:
        """Number of techniques."""
        return int(self.out.shape[1])

    @property
    def n_resources(self) -> int:
        """Number of resources."""
        return int(self.res.shape[0])

    @property
    def n_pairs(self) -> int:
        """Number of (technique, capital good) pairs with a non-zero stock requirement."""
        return int(self.pair_tech.shape[0])

    @property
    def years(self) -> int:
        """Length of the horizon."""
        return int(self.targets.shape[0])

    @cached_property
    def net(self) -> sp.csc_array:
        """``out - inp``, each technique's net output per unit, made once (at 300,000 products
        the certificate's repairs made it 20 times, 0.9 s). Read it; never write to it."""
        return sp.csc_array(self.out - self.inp)

    @cached_property
    def gross(self) -> sp.csc_array:
        """``out + inp``, the size of each technique's flows per unit, made once. Read it;
        never write to it."""
        return sp.csc_array(self.out + self.inp)

    @cached_property
    def rent_pair(self) -> IntArray:
        """For each technique, the pair of the stock it needs the most of per unit (the first
        of equals), or -1 where it holds none: the stock a profit is charged to as rent."""
        chosen = np.full(self.n_techniques, -1, dtype=np.int64)
        if self.n_pairs:
            order = np.lexsort((np.arange(self.n_pairs), -self.per_unit, self.pair_tech))
            techs, first = np.unique(self.pair_tech[order], return_index=True)
            chosen[techs] = order[first]
        return chosen

    @cached_property
    def res_columns(self) -> sp.csc_array:
        """``res`` with each column's entries once and in the order of the rows. Read it;
        never write to it."""
        if self.res.has_canonical_format:
            return self.res
        canonical = self.res.copy()
        canonical.sum_duplicates()
        return canonical


def _matrix(
    tables: list[Mapping[str, float]], index: Mapping[str, int], shape: tuple[int, int]
) -> sp.csc_array:
    """The matrix whose column ``j`` holds ``tables[j]`` (keys looked up in ``index``); entries
    that are zero are dropped. Read by C iterators over all the tables at once, not a
    Python loop over the techniques (compiling 300,000 x 5: a median of 4.46 s where it
    took 4.93)."""
    counts = np.fromiter(map(len, tables), dtype=np.int64, count=len(tables))
    total = int(counts.sum())
    rows = np.fromiter(
        map(index.__getitem__, chain.from_iterable(tables)), dtype=np.int64, count=total
    )
    values = np.fromiter(
        chain.from_iterable(map(methodcaller("values"), tables)), dtype=np.float64, count=total
    )
    cols = np.repeat(np.arange(len(tables)), counts)
    kept = values != 0
    matrix = sp.coo_array((values[kept], (rows[kept], cols[kept])), shape=shape)
    return sp.csc_array(matrix)


def compile_economy(economy: Economy) -> Structure:
    """Turn an ``Economy`` into sparse arrays (entries that are zero are dropped)."""
    products, resources = economy.product_index, economy.resource_index
    techniques = economy.techniques
    n_p, n_r, n_t, years = len(products), len(resources), len(techniques), economy.years
    holder = [j for j, tech in enumerate(techniques) if tech.capital]
    held: list[tuple[CapitalStock, ...]] = [techniques[j].capital for j in holder]
    capacity = np.full(n_t, np.inf)
    limited = [(j, tech.capacity) for j, tech in enumerate(techniques) if tech.capacity is not None]
    if limited:
        at, limits = zip(*limited, strict=True)
        capacity[list(at)] = limits

    def yearly(
        table: Mapping[str, tuple[float, ...]], index: dict[str, int], width: int
    ) -> FloatArray:
        grid = np.zeros((years, width))
        for key, values in table.items():
            grid[:, index[key]] = values
        return grid

    # The (technique, good) pairs with a stock needed, in the techniques' order.
    stocks = list(chain.from_iterable(held))
    counts = np.fromiter(map(len, held), dtype=np.int64, count=len(held))
    owner = np.repeat(np.asarray(holder, dtype=np.int64), counts)

    def figures(name: str) -> FloatArray:
        return np.fromiter(map(attrgetter(name), stocks), dtype=np.float64, count=len(stocks))

    per_unit = figures("per_unit")
    needed = per_unit != 0
    goods = map(products.__getitem__, map(attrgetter("good"), stocks))
    return Structure(
        out=_matrix([tech.outputs for tech in techniques], products, (n_p, n_t)),
        inp=_matrix([tech.inputs for tech in techniques], products, (n_p, n_t)),
        res=_matrix([tech.resources for tech in techniques], resources, (n_r, n_t)),
        pair_tech=owner[needed],
        pair_good=np.fromiter(goods, dtype=np.int64, count=len(stocks))[needed],
        per_unit=per_unit[needed],
        depreciation=figures("depreciation")[needed],
        initial=figures("initial")[needed],
        capacity=capacity,
        targets=yearly(economy.targets, products, n_p),
        committed=yearly(economy.committed, products, n_p),
        supply=yearly(economy.supply, resources, n_r),
    )


def square_system(economy: Economy) -> tuple[sp.csc_array, FloatArray]:
    """The technical coefficients ``A`` and labour coefficients ``l`` per unit of output.

    Needs exactly one technique per product, each making only that product.

    Raises
    ------
    NotSquareSystem
        If some product has no technique, several, or a technique makes several products.
    """
    products = economy.product_index
    maker: dict[int, int] = {}
    for j, tech in enumerate(economy.techniques):
        made = [p for p, v in tech.outputs.items() if v]
        if len(made) != 1:
            raise NotSquareSystem(
                f"technique {tech.id!r} makes {len(made)} products; Leontief methods need "
                "one single-output technique per product",
                hint="use `rada plan solve`, which handles joint production and choice",
            )
        p = products[made[0]]
        if p in maker:
            raise NotSquareSystem(
                f"product {made[0]!r} has several techniques; Leontief methods need exactly one",
                hint="use `rada plan solve`, which chooses between techniques",
            )
        maker[p] = j
    missing = [economy.products[p].id for p in range(len(products)) if p not in maker]
    if missing:
        raise NotSquareSystem(f"product {missing[0]!r} has no technique")
    s = compile_economy(economy)
    order = np.array([maker[p] for p in range(len(products))])
    scale = 1.0 / s.out.sum(axis=0)
    a = sp.csc_array(s.inp[:, order] @ sp.diags_array(scale[order]))
    labour_row = s.res[[economy.resource_index[economy.labour]], :].toarray()[0]
    return a, labour_row[order] * scale[order]
