"""How far ahead a one-year input-output table is planned: the bounds on the horizon and on
yearly growth that every entry point checks, and the growth assumed unless told.

>>> MOST_YEARS, LEAST_GROWTH, MOST_GROWTH, MOST_CHANGE
(100, -0.99, 10.0, 1000000.0)
"""

from __future__ import annotations

#: The longest plan a table is planned over, in years (a plan's size grows with it).
MOST_YEARS = 100
#: Yearly growth is a share between these (-0.99: almost all gone in a year; 10: elevenfold).
LEAST_GROWTH, MOST_GROWTH = -0.99, 10.0
#: The yearly growth of consumption targets and of labour unless told (the shipped UK 2010
#: table is planned with these: targets 2.5 % a year, labour 1 % a year).
TARGET_GROWTH = 0.025
SUPPLY_GROWTH = 0.01
#: Over the whole horizon, targets and labour each grow or shrink at most this many times:
#: each yearly growth within its bounds, a hundred years of them made labour 1e-200 of the
#: table's (at -99 % a year) or targets 1e104 times it (at +1,000 %), figures no solver
#: can tell apart from nothing (HiGHS answered "Empty"; hipdlp ran on without end).
MOST_CHANGE = 1e6


def horizon_problem(years: int, target_growth: float, supply_growth: float) -> str | None:
    """What is wrong with planning a table ``years`` years ahead at these yearly growths
    (:data:`MOST_CHANGE`), or None.

    >>> horizon_problem(5, 0.025, 0.01) is None
    True
    >>> horizon_problem(100, 10.0, 0.01)
    'targets would grow 1.3e+103-fold over 100 years; at most 1,000,000-fold'
    >>> horizon_problem(22, 0.025, -0.5)
    'labour would shrink 2.1e+06-fold over 22 years; at most 1,000,000-fold'
    """
    for what, growth in (("targets", target_growth), ("labour", supply_growth)):
        change = (1.0 + growth) ** (years - 1)
        if not 1.0 / MOST_CHANGE <= change <= MOST_CHANGE:
            verb, by = ("grow", change) if change > 1 else ("shrink", 1.0 / change)
            return (
                f"{what} would {verb} {by:.2g}-fold over {years} years; "
                f"at most {MOST_CHANGE:,.0f}-fold"
            )
    return None
