"""Exact numbers in JSON results."""

from __future__ import annotations

from fractions import Fraction


def json_number(x: Fraction) -> int | float | str:
    """An integer as int, a terminating decimal as float, anything else as ``"n/d"``.

    >>> json_number(Fraction(3)), json_number(Fraction(1, 4)), json_number(Fraction(1, 3))
    (3, 0.25, '1/3')
    """
    if x.denominator == 1:
        return x.numerator
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return float(x) if d == 1 else str(x)
