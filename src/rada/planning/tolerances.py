"""Numerical tolerances of the planning engine, defined once.

Plans use floating point; these say how close is close enough, and every check uses them.
"""

#: Residual of a Leontief balance, relative to the size of the right-hand side:
#: ``max|(I - A) x - d| <= BALANCE_RTOL * max(1, max|d|)``.
BALANCE_RTOL = 1e-10

#: Successive approximation stops at the first step whose largest change is below this.
ITERATION_ATOL = 1e-12

#: Primal and dual feasibility tolerance handed to HiGHS.
LP_FEASIBILITY = 1e-9

#: A constraint binds when its slack is below this (relative to its right-hand side)
#: and its shadow price is above it.
BINDING = 1e-7

#: Past this many products a dense inverse is refused; sparse methods only.
DENSE_LIMIT = 3000

#: The certificate's safety margin against rounding, relative to the terms of a row: the
#: repaired plan produces this much more than it needs, the repaired prices sit this much
#: below cost. It costs about this much of the gap (1e-12 where solvers reach 1e-9).
CERTIFICATE_MARGIN = 1e-12

#: What a solver's own plan and prices may be off by, relative, and still be what they claim.
CLAIM_RTOL = 1e-7

#: A certificate of at most this gap says the plan is optimal (exact solvers reach 1e-12).
EXACT_GAP = 1e-9
