"""Counting: turn ballots into decisions, with a round-by-round record anyone can check.

A pure library: it imports nothing else of Rada and no framework; besides the standard
library it uses only NumPy: in the two kernels that need vector arithmetic over voter groups
(:mod:`~rada.counting.mes`, Equal Shares, and :mod:`~rada.counting.committee`, PAV and
committee Equal Shares), where floats only screen and every decision is exact; and where
participatory budgets are read and summed as arrays (:mod:`~rada.counting.formats.pabulib`
takes a VOTES section apart as bytes, :mod:`~rada.counting.budget` holds ballots as arrays and
:mod:`~rada.counting.pb` sums scores with them, in whole numbers). Rules live in
their own modules (:mod:`~rada.counting.motions`, :mod:`~rada.counting.single`,
:mod:`~rada.counting.stv`, :mod:`~rada.counting.meek`, :mod:`~rada.counting.committee`,
:mod:`~rada.counting.pb`, :mod:`~rada.counting.mes`), the types they read and return beside
them (:mod:`~rada.counting.ballots`, :mod:`~rada.counting.budget`), and ballot files in
:mod:`~rada.counting.formats`. Every result carries its rounds and notes where a tie was
broken and how (one tie-break for every rule, :func:`~rada.counting.ties.break_tie`).
"""

from rada.counting.errors import (
    BallotFileError,
    CountingError,
    InvalidBallotError,
    RuleError,
)

__all__ = ["BallotFileError", "CountingError", "InvalidBallotError", "RuleError"]
