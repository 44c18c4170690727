"""Counting: turn ballots into decisions, with a round-by-round record anyone can check.

A pure library: it imports only the standard library. Rules live in their own modules
(:mod:`~rada.counting.motions`, :mod:`~rada.counting.single`, :mod:`~rada.counting.stv`,
:mod:`~rada.counting.committee`, :mod:`~rada.counting.pb`) and ballot files in
:mod:`~rada.counting.formats`. Every result carries its rounds and notes where a tie was
broken and how.
"""

from rada.counting.errors import (
    BallotFileError,
    CountingError,
    InvalidBallotError,
    RuleError,
)

__all__ = ["BallotFileError", "CountingError", "InvalidBallotError", "RuleError"]
