"""A first-order solver for plans too large to factorise, stopped by its certificate.

Simplex and interior-point methods factorise ``I - A`` (or a basis holding it) for every year,
and a random sparse ``I - A`` fills in: 1,000 products x 5 years takes minutes, 10,000 does
not finish. This module solves the stock-eliminated programme (:mod:`rada.planning.programme`)
with the primal-dual hybrid gradient method, Ruiz and Pock-Chambolle diagonally
preconditioned, by one of two kernels: restarted reflected Halpern PDHG as cuPDLPx runs it
(Lu and Yang, 2024: a fixed step, restarts on the fixed-point error, a PID-controlled primal
weight; :class:`_Halpern`), or PDHG as PDLP runs it (Applegate et al., 2021: adaptive step
sizes, averaged iterates, restarts on the KKT error; :class:`_Iterates`), for time limits
too short for the first to pay (:func:`choose_kernel`). Each iteration costs two sparse
products, and a step PDLP tried and did not take one more.

It starts from the closed-form plan with no investment (each year's targets by a Leontief
solve, as far as labour allows, priced by labour values), which is feasible and within about
0.4 % of the optimum on generated economies. Between slices of iterations the current point
is certified (:func:`rada.planning.certificate.certify`): the best plan and the best prices
so far are kept, whichever points they come from (:func:`rada.planning.certificate.tighter`),
and the run stops when its gap reaches the one asked for, or at the time limit with the
best certified plan so far, never with nothing.
"""

from __future__ import annotations

import bisect
import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from rada.planning.certificate import (
    Candidate,
    Certificate,
    PlanSide,
    certify,
    plan_side,
    tighter,
)
from rada.planning.errors import PlanningError
from rada.planning.highs import HIGHS_FIRST_ORDER, run_highs
from rada.planning.leontief import Method, gross_output, labour_values
from rada.planning.programme import LinearProgramme, stocks_of
from rada.planning.structure import FloatArray, Structure
from rada.planning.surrogate import Surrogate
from rada.planning.sweeps import THREADS_FROM, Sweeps, scaled_entries, scaled_extremes
from rada.planning.threads import pool, threads
from rada.planning.vertex import VERTEX_TOLERANCE, VERTEX_UP_TO, find_vertex_within

Progress = Callable[[str], None]

#: The gap a first-order run stops at unless told otherwise.
DEFAULT_GAP = 1e-6
#: HiGHS's first-order methods stop at a relative KKT tolerance; measured at 1,000 products
#: x 5 years, hipdlp's plans certify to about 100 to 450 times it (tolerance 1e-7: gap
#: 1.0e-5; 1e-8: 3.7e-6; 1e-9: 4.4e-7), so the tolerance aimed at is the gap over this.
TOLERANCE_PER_GAP = 1e-3
#: Cheap first runs give certified plans early, for a time limit that the run to ``gap`` would
#: miss. At 1,000 x 5: tolerance 1e-2 in 80 iterations (0.3 s) gives prices that, with the
#: closed-form plan, certify 2.2e-2; 1e-3 in 5,160 iterations certifies to 2.0e-3, 1e-6 in
#: 9,760 to 2.7e-5 (the closed-form start alone: 0.207); at 10,000 x 5 an iteration costs
#: about 10 ms.
FIRST_TOLERANCES = (1e-2, 1e-3, 1e-6)
#: Without a time limit an early run still pays where its tolerance is at least this and at
#: most the gap: its point, sharpened by the surrogate, certifies below its tolerance (1e-3:
#: 1.5e-4 to 6.1e-4 at 1,000 to 10,000 x 5). A finer run's does not: its plan stays about
#: 2e-5 short whatever the tolerance (-4.9e-5 at 1e-3, -2.0e-5 at 1e-6, at 1,000 x 5).
#: Coarser points are not sharpened: their prices make a hard surrogate that proves little (at
#: 10,000 x 5 the 1e-2 point's took 68,303 iterations and 131 s, the 1e-3 point's 9,240 and
#: 3.4 s; at 1,000 x 5 the 1e-2 point's bound moved from +1.9e-2 to +1.4e-2 only).
SHARPENED_ENOUGH = 1e-3
#: Tolerances are not tightened past this: hipdlp stalls below it (at 1,000 x 5, tolerances
#: 1e-11 and 1e-12 both end after 15,600 iterations with status "Unknown" and a point that
#: certifies to 5e-6; 1e-10 ends "Optimal" after 324,440).
FINEST_TOLERANCE = 1e-10
#: The first step size tried, over the estimated norm of the scaled matrix; the steps after
#: adapt (:meth:`_Iterates.steps`).
STEP = 0.9
#: The fixed step size of the Halpern kernel (:class:`_Halpern`) over the estimated norm of
#: the scaled matrix (cuPDLPx takes 0.998; the power iteration's estimate is from below).
HALPERN_STEP = 0.99
#: The Halpern kernel's plans are better than PDLP's from the start, its prices only late:
#: at 10,000 x 5 (seed 1, optimum about 4.32815) its plan after 100 s was 5.5e-5 below the
#: optimum against PDLP's 1.8e-4, but its prices gave surrogates 6.1e-3 above it after 60 s
#: and 1.8e-3 after 12,288 steps. Since the prices are polished (:func:`_polish`), the Halpern
#: kernel runs wherever the time limit leaves a polish's worth of its steps, this many, and the
#: PDLP kernel below that (:func:`choose_kernel`). Under a 120-s limit at 10,000 x 5 (seed 1)
#: with the polish of the time (the run's own kernel at the first weight) the PDLP kernel
#: proved 5.45e-4 (its plan 2.6e-4 below the optimum) and the Halpern kernel 5.25e-4 (its plan
#: 4.5e-5 below, its prices 4.8e-4 above), which the polish as it is now mends (1.09e-4 and
#: 1.41e-4 in two runs); at 100,000 x 5 in 900 s, 2.5e-3 and 1.3e-3 (9.7e-4 with this polish).
HALPERN_FROM_STEPS = 4096
#: cuPDLPx's restart on a necessary reduction of the fixed-point error, with a local increase.
HALPERN_NECESSARY = 0.5
#: cuPDLPx's PID controller of the primal weight: proportional and integral gains, and the
#: discount of past imbalances in the integral.
PID_PROPORTIONAL, PID_INTEGRAL, PID_DISCOUNT = 0.99, 0.01, 0.3
#: A restart moves the primal weight only where the point has travelled at least this far on
#: both sides since the anchor (PDLP's kernel and the Halpern kernel alike): nearer, the ratio
#: of the distances is rounding. At 40 x 2 (seed 9) the Halpern kernel reached the optimum to
#: rounding in about 1,000 steps; past it, at the bound of 1e-16 it had until 2026-12-06, the
#: weight climbed from 100 to 5e14 in 2,000 steps, and the point wandered back to prices that
#: certified no better than the closed-form start's (0.0583 where 1.4e-9 had been reached).
MOVED_LEAST = 1e-10
#: A step refused this many times in a row is taken at the first size (which PDHG's theory
#: allows whatever the point) instead of being tried smaller again.
MAX_REFUSED = 32
#: Ruiz equilibration passes before the Pock-Chambolle scaling.
RUIZ_PASSES = 10
#: The KKT error is checked (for restarts) every this many iterations.
CHECK_EVERY = 64
#: cuPDLP's restart criteria: sufficient, necessary and artificial.
SUFFICIENT, NECESSARY, ARTIFICIAL = 0.2, 0.8, 0.36
#: Certification may take at most this share of the run: a point is certified once the last
#: certificate's time over this share has passed since it, at a restart or not. Certifying
#: every restart too, as until 2026-12-04, took 30 % of a run at 10,000 x 5 once the steps were
#: fused (15 certificates of 0.78 s in 40 s, one per 180 steps); without it, seeds 1 and 3
#: under a 120-s limit proved 6.6e-4 and 4.3e-4 where they had proved 2.2e-3 and 1.7e-3.
CERTIFY_SHARE = 0.2
#: pdhg tries the exact finish (:mod:`rada.planning.vertex`) from a point that certifies to
#: this gap or better, where the programme is small enough; hipdlp's 1e-7 points, from which
#: it takes a few dozen pivots at 1,000 products x 5 years, certify to about 5e-6.
FINISH_FROM = 1e-5
#: A finish tried by pdhg may take this share of the time pdhg has run: its points are often
#: farther from the optimal basis than hipdlp's, and a finish that stops after its most pivots
#: (about 90 s at 1,000 x 5) is time taken from the iterations.
FINISH_SHARE = 0.5
#: Rounds of the surrogate (:mod:`rada.planning.surrogate`) after a point: the first from the
#: point's prices, each next from the prices the certificate rebuilt from the one before. At
#: 1,000 x 5 from hipdlp's 1e-3 point the upper bound moved 1.9e-3 -> 4.7e-4 -> 1.0e-4 above
#: the optimum, and a third round changed nothing.
SURROGATE_ROUNDS = 3
#: The surrogate's rounds after a point may take this share of the time the run has taken so
#: far (the first solve, from no basis, took 1.5 s at 1,000 x 5 and 3.4 s at 10,000 x 5 from
#: the 1e-3 points' prices; the rounds after start from its basis and cost little; at 100,000
#: x 5 it did not finish in 194 s). A solve stopped by this keeps its basis for the next.
SHARPEN_SHARE = 0.5
#: pdhg sharpens prices by the surrogate (:func:`_sharpen`) once its best certificate's gap is
#: this or less, within this share of the time it has run, from the prices of the best upper
#: bound so far, which the certificate rebuilt. Not from a point's own prices: at 10,000 x 5
#: they made surrogates that no 60 s could solve, where the rebuilt prices of the 60-s point
#: (gap 5.5e-3) took 7.3 s (16,755 simplex iterations) and moved the upper bound from 4.5e-3
#: to 2.0e-3 above the optimum, and a second round (1.9 s) to 1.6e-3; those of the 25-s point
#: (gap 9.7e-3) took 18.3 s. With a 120-s limit pdhg alone (seed 1) now ends at a gap of
#: 1.8e-3, not 5.0e-3.
PDHG_SHARPEN_FROM = 7e-3
PDHG_SHARPEN_SHARE = 0.5
#: pdhg sharpens again from a later point's rebuilt prices once it has taken this many times
#: the steps it had taken at the last surrogate: without it the upper bound of a 120-s run at
#: 10,000 x 5 (pdhg alone, seed 1) stayed where the first surrogate left it, 2.0e-3 above the
#: optimum, for the last 80 s; sharpened again from the point of 4,224 steps it fell to 9.7e-4.
PDHG_RESHARPEN = 2.0
#: Under a time limit pdhg sharpens from this share of it on, whatever its gap: at 100,000 x 5
#: its gap stays above :data:`PDHG_SHARPEN_FROM` for the whole 15 minutes.
PDHG_SHARPEN_AFTER = 0.5
#: pdhg's prices are polished (:func:`_polish`) by the PDLP kernel started afresh from its
#: point at a small primal weight, certified after these many of its steps (cumulative),
#: stopping at the first that proves no lower upper bound than the one before. At 10,000 x 5
#: (seed 1) from the Halpern kernel's point of 8,192 steps (its prices 1.7e-2 above the
#: optimum, its plan 6.0e-5 below) the fresh kernel's prices were 4.8e-3 above after 448
#: steps, 8.0e-4 after 960, 1.3e-4 after 1,984 and 6.6e-5 after 4,032 (2.4e-5 after 8,128,
#: more than a 120-s run has time for; 2 cores of an Intel Xeon, 2026-12-05).
POLISH_STEPS = (448, 960, 1984, 4032)
#: The polish before a time limit is planned for the most of :data:`POLISH_STEPS` whose steps
#: and certificates fit in this share of the limit (the first at least), when pdhg judges when
#: to start it; it goes on further where the time allows. At 10,000 x 5 under 120 s that is
#: 1,984 steps (about 15 s); at 100,000 x 5 under 900 s, with the steps of early 2026-12-05,
#: 448 (about 70 s): planned for 1,984 steps there too (282 s), it started at 538 s from the
#: point of 2,900 steps, and the run proved 1.39e-3 (4.322255 .. 4.328259: the plan, of 3,400
#: steps, was the short side), where the run whose polish came at 4,096 steps had proved
#: 9.71e-4; planned for 448, it started at 749 s from about 6,000 steps, and the run proved
#: 6.7e-4 in 869 s.
POLISH_LAST_SHARE = 0.15
#: ... but for at least this many steps where they and their certificates fit in
#: :data:`POLISH_LAST_MOST` of the limit: fewer prove little at any size measured. At 100,000 x 5
#: under 900 s (seed 1, 2026-12-05) the polish planned for 960 steps began at 774 s from the
#: point of 9,024 steps and proved 8.98e-3 after 448 of its steps, 1.71e-3 after 960 and 5.37e-4
#: after 1,408, the last filling the time to the limit; a run that fitted fewer ended at
#: 1.46e-3. At 10,000 x 5 under 120 s the 1,984 steps fit in the share already. A quarter
#: of the limit was too little on 2 cores of an Intel Xeon (about 0.11 s a step at 100,000 x
#: 5 and 6 s a certificate: 236 s), where seed 2's polish planned for 960 steps began at 756 s
#: and proved 1.17e-3 after them in another run.
POLISH_LAST_LEAST = 1984
POLISH_LAST_MOST = 1 / 3
#: The polish's primal weight, as a multiple of the first (:func:`_initial_weight`; the run
#: settles near ten thousand times it). At 10,000 x 5 from the point of 6,144 steps, the upper
#: bounds of the PDLP kernel's last iterate (and mean) after 1,984 steps: 4.3307 (4.3528) at
#: the first weight, 4.3288 (4.3286) at ten times it and 4.3301 (4.3294) at a hundred times
#: (optimum 4.32815); the Halpern kernel at ten times, 4.3296.
POLISH_WEIGHT = 10.0
#: Under a time limit a polish other than the one before the limit goes no further than this
#: many steps where a full polish would take more than :data:`POLISH_LOOK_SHARE` of the time
#: left: it pays only where it meets the gap (and ends the run early), for the one before the
#: limit, from a later point, proves far more. At 10,000 x 5 (seed 1) the polish's upper
#: bound after 1,984 steps from the Halpern kernel's point of 4,096 steps stood 4.0e-4 above
#: the optimum; of 8,192, 1.3e-4; of 10,240, 5.6e-5; of 12,288, 4.3e-5; of 14,336, 2.7e-5; of
#: 16,384, 6.5e-6 (each step about 6 ms, 2 cores of an Intel Xeon, 2026-12-05). In a 120-s run
#: the polish at 4,096 steps went on to 4,032 steps (21 to 25 s) to prove a gap of 6.2e-4
#: where 960 had proved 7.5e-4.
POLISH_LOOK = 960
#: Under a 20-minute limit at 10,000 x 5 (the 1e-6 target) a full polish takes about 2 % of the
#: time left, and is what may end the run early; under a 120-s limit, a fifth of it.
POLISH_LOOK_SHARE = 0.1
#: The polish before a time limit goes on to the limit where the steps that fit are at least
#: this share of those it has taken (see :func:`_polish`).
POLISH_FILL_LEAST = 0.25
#: pdhg polishes its prices once it has taken this many steps, again each time its steps have
#: doubled since, and once more where a time limit leaves time for one polish only, if its own
#: steps have grown by :data:`POLISH_LAST_AFTER` since the polish before (at 100,000 x 5 a
#: polish from the point of 4,096 steps was followed at once by the last, from the same point,
#: which took 145 of the 900 s and proved nothing).
POLISH_FROM_STEPS = 4096
POLISH_AGAIN = 2.0
POLISH_LAST_AFTER = 1.25
#: About how long a surrogate takes per non-zero of the programme, from good prices: 0.65 s
#: at 1,000 x 5 (hipdlp's 1e-3 point; 190,000 non-zeros), 7.3 s at 10,000 x 5 (pdhg's 60-s
#: point, gap 5.5e-3; 2.2 million), and 18.3 s from its 25-s point (gap 9.7e-3). pdhg's first
#: try waits until it has this much time.
SURROGATE_SECONDS_PER_NONZERO = 5e-6
#: Beyond this many non-zeros (10,000 x 5) a surrogate's time is judged to grow as the
#: non-zeros to the power 1.5, not 1: at 100,000 x 5 (26 million) two tries from pdhg's best
#: prices did not finish in 233 and 253 s, where the linear estimate said 130 s, and each cost
#: the run that much of its 15 minutes.
SURROGATE_STEEPER_FROM = 2_200_000


def _surrogate_seconds(lp: LinearProgramme) -> float:
    """About how long the surrogate of ``lp`` takes from good prices."""
    nonzeros = lp.matrix.nnz
    steeper = max(1.0, nonzeros / SURROGATE_STEEPER_FROM) ** 0.5
    return float(SURROGATE_SECONDS_PER_NONZERO * nonzeros * steeper)


#: About how many iterations hipdlp takes to tolerance 1e-3, per non-zero of the programme
#: to a power (measured 2026-12-03, seed 1 unless said): 5,160 at 1,000 products x 5 years
#: (190,000 non-zeros), 4,120 and 5,800 at 2,000 (seeds 1 and 2), 9,440 at 5,000 and 14,640 at
#: 10,000 (2.2 million non-zeros; the fit says 15,500). HiGHS's runs cannot be sliced and
#: return nothing when a time limit stops them, so under a time limit a run that cannot finish
#: in the time left is not started, and Rada's pdhg, which improves in slices up to the
#: deadline, takes over (:func:`_hipdlp_seconds`).
HIPDLP_ITERATIONS = 5160.0
HIPDLP_NONZEROS = 190_000.0
HIPDLP_GROWTH = 0.45
#: Each thousandfold finer tolerance down to 1e-6 about doubles hipdlp's iterations (1e-3 to
#: 1e-6: 5,160 to 9,760 at 1,000 x 5; 4,120 to 13,800 and 5,800 to 48,840 at 2,000 x 5): a
#: low estimate, so that a run that may well finish is started.
HIPDLP_FINER = 2.0
#: Past 1e-6 each thousandfold multiplies them by about seven (the 1e-9 run took 70,480
#: iterations at 1,000 x 5, the 1e-6 run 9,760; at 10,000 x 5 the 1e-9 run had not finished
#: after 26 minutes). Judged by doubling, a 20-minute limit at 10,000 x 5 started the 1e-9 run
#: with 950 s left, which it could not finish, and HiGHS's run stopped by the limit returns
#: nothing: the time went to waste where pdhg would have gone on.
HIPDLP_FINEST = 7.0
#: The tolerance at which :data:`HIPDLP_FINER` gives way to :data:`HIPDLP_FINEST`.
HIPDLP_STEEPER_FROM = 1e-6
#: An iteration of hipdlp costs about this many of the programme's pairs of sparse products
#: (``A x`` and ``A^T y``), timed on the spot: 5.3 ms at 10,000 x 5 against 4.0 ms for the
#: pair.
HIPDLP_PRODUCTS = 1.33
#: The time of the products (:func:`_product_seconds`) is the least of five, or of those
#: begun within this many seconds.
PRODUCTS_FOR = 1.0
#: A run judged to fit is started only where this many times its judged time, and a surrogate
#: to sharpen its point (:func:`_surrogate_seconds`), fit in the time left: the
#: judgement is rough (at 10,000 x 5 on 2 cores of an AMD EPYC the 1e-3 run was judged at 103 s
#: and took 113 s, 7.7 ms an iteration; on 2 cores of an Intel Xeon judged at 87 s, it took
#: 88 s), and a 1e-3 point that is not sharpened proves little (2.6e-3 on the EPYC, where pdhg
#: alone proves 1.4e-3 in 120 s). At 1.25 the Xeon did not start that run with 119 s left
#: (123 s needed) and pdhg alone proved a median of 1.31e-3 in 120 s (seeds 1-3: 1.11e-3,
#: 1.31e-3, 6.2e-3); at 1.15 it did, and proved 1.22e-4 (2.42e-4, 8.07e-5 in 84 s, 1.22e-4).
HIPDLP_MARGIN = 1.15
#: Without a time limit, a run of hipdlp is stopped at this many times the iterations judged
#: for it (:func:`hipdlp_iterations`), and pdhg goes on without a limit (from the last point
#: a run returned, or the closed-form plan, with the best certificate so far): a backstop, so
#: that no run goes on without end. The judgement is rough: generated
#: economies took from 0.5 to 5.8 times it (300 x 5, seed 2, to 1e-7: 60,480 iterations
#: judged at 10,502; 1,000 x 5, seed 1, to 1e-10: 2.4 times). A WIOD 2011 cycle's round over
#: five years (2.1 million non-zeros, capacities binding) is judged at 58,000 iterations to
#: 1e-7, 5 ms each; hipdlp was still running after 20 minutes, where pdhg proves 5e-10 in 10 s
#: (its look, then counted in seconds, had been cut short on two cores shared with three
#: other processes).
HIPDLP_MOST = 8.0


def _hipdlp_cap(
    lp: LinearProgramme, tolerance: float, *, measured: tuple[float, int, float] | None
) -> int:
    """The iterations a run of hipdlp to ``tolerance`` may take without a time limit
    (:data:`HIPDLP_MOST` times those judged)."""
    return max(1, round(HIPDLP_MOST * hipdlp_iterations(lp, tolerance, measured=measured)))


#: Without a time limit, pdhg first has a look at the programme for this share of the work
#: judged for hipdlp's first run, at most :data:`LOOK_MOST` seconds of it: some programmes that
#: hipdlp finds hard it solves in seconds (that WIOD variant: the exact finish from its point
#: after 1,000 steps proved 1.9e-11 in 2-9 s), and where it does not, the look costs a tenth
#: (at 1,000 x 5, seed 1: hipdlp's 1e-7 run was judged at 6.4 s and took 6.2, where pdhg took
#: 38 s to the same plan).
LOOK_SHARE = 0.1
LOOK_MOST = 60.0
#: A look shorter than this is not taken: pdhg's set-up and first certificates would be most
#: of it (at 300 x 5, seed 1, a look of 0.11 s made an exact plan of 1.1 s take 1.5 s), and
#: hipdlp's run is cheap there anyway.
LOOK_LEAST = 1.0
#: Without a time limit, beyond the exact finish's size, hipdlp's run to this tolerance comes
#: first where the gap asked for is below :data:`HIPDLP_FIRST_BELOW`, and pdhg goes on from
#: its point, as under a time limit that leaves time for that run and no finer one: at 10,000
#: x 5 its finer run to 1e-9 had not ended after 26 minutes, pdhg from the closed-form plan
#: proved 9.95e-7 in 1,148 s (seed 1), and pdhg from the 1e-6 run's point 1e-6 in 735.7,
#: 917.6 and 920.4 s in all (seeds 1-3).
HANDOVER_TOLERANCE = FIRST_TOLERANCES[-1]
HIPDLP_FIRST_BELOW = 1e-5
#: Without a time limit pdhg ends, "stalled", where its best certified gap has fallen by less
#: than this share while its steps grew :data:`STALL_OVER` times, from :data:`STALL_FROM` steps
#: on: its certificate can settle above the gap asked for (at 40 x 2, seed 9, at 7.1e-6 from
#: about 1,600 steps), and without the rule such a run never ends. A run that converges falls
#: far more: at 2,000 x 5 (seed 1) 9.7e-5 after 8,265 steps, 4.0e-6 after 19,189 and 1.06e-6
#: after 28,752. Near the gap it falls slowly: 1.2e-6 to 1.1e-6 from 16,500 to 33,000 steps
#: there, which a window of one doubling took for a stall.
STALL_FALL = 0.1
STALL_OVER = 4
STALL_FROM = 8192


@dataclass(frozen=True)
class FirstOrderRun:
    """The best certified plan of a first-order run and how the run ended."""

    certificate: Certificate
    iterations: int
    seconds: float
    #: ``"gap"`` (the gap asked for was reached), ``"time limit"``, ``"iteration limit"``,
    #: ``"tolerance"`` (HiGHS's finest tolerance did not reach it), ``"stalled"`` (pdhg
    #: without a limit, see :data:`STALL_FALL`) or HiGHS's own status.
    stopped: str
    certificates: int


def _start(s: Structure, lp: LinearProgramme, *, labour: int) -> Candidate:
    """The closed-form plan, or, where the economy has none, nothing produced."""
    start = closed_form(s, labour=labour)
    if start is None:
        x = np.clip(np.zeros(lp.layout.n_cols), lp.col_lower, lp.col_upper)
        start = candidate_of(s, lp, x, np.zeros(lp.layout.n_rows))
    return start


def certified_closed_form(s: Structure, *, labour: int) -> tuple[Candidate, Certificate] | None:
    """The closed-form plan (:func:`closed_form`) with its certificate; None where the economy
    has none."""
    start = closed_form(s, labour=labour)
    return None if start is None else (start, certify(s, start, labour=labour))


def tolerances(gap: float, *, early: bool = True, vertex: bool = False) -> list[float]:
    """The tolerances HiGHS's first-order method is run to, one after another, for ``gap``;
    ``early``: begin with the cheap runs of :data:`FIRST_TOLERANCES`, which mostly pay under a
    time limit only (each run starts afresh, so without a limit they are time lost: at 10,000
    x 5 the 1e-3 run alone takes about 170 s), except for a coarse run whose sharpened point
    may prove ``gap`` (:data:`SHARPENED_ENOUGH`); ``vertex``: the programme is small enough for the
    exact finish (:mod:`rada.planning.vertex`), so run to
    :data:`~rada.planning.vertex.VERTEX_TOLERANCE` first, whose point it starts from.

    >>> tolerances(1e-6)
    [0.01, 0.001, 1e-06, 1e-09, 1e-10]
    >>> tolerances(1e-6, early=False)
    [1e-09, 1e-10]
    >>> tolerances(1e-3, early=False)
    [0.001, 1e-06, 1e-07, 1e-08, 1e-09, 1e-10]
    >>> tolerances(1e-9, early=False, vertex=True)
    [1e-07, 1e-10]
    """
    aim = max(gap * TOLERANCE_PER_GAP, FINEST_TOLERANCE)
    ladder = [
        first
        for first in FIRST_TOLERANCES
        if (early or SHARPENED_ENOUGH <= first <= gap) and first > aim * 10
    ]
    while aim >= FINEST_TOLERANCE * (1 - 1e-9):
        ladder.append(float(f"{aim:.3g}"))
        aim /= 10
    if vertex and ladder and ladder[-1] < VERTEX_TOLERANCE:
        ladder = sorted({*ladder, VERTEX_TOLERANCE}, reverse=True)
    return ladder


def solve_highs_first_order(
    s: Structure,
    lp: LinearProgramme,
    *,
    labour: int,
    gap: float = DEFAULT_GAP,
    time_limit: float | None = None,
    method: str = "hipdlp",
    threads: int = 0,
    progress: Progress | None = None,
    start: Candidate | None = None,
    certified: Certificate | None = None,
) -> FirstOrderRun:
    """Run HiGHS's first-order method (``hipdlp``, or the older ``pdlp``) to ever finer
    tolerances, certifying each result, until the certified gap reaches ``gap``.

    HiGHS's first-order methods return nothing when stopped by a time or iteration limit,
    and ignore a starting point, so they cannot be run in slices: each run goes to a
    tolerance (:func:`tolerances`) and starts afresh. The best plan and the best prices so
    far are kept (:func:`~rada.planning.certificate.tighter`); at the time limit they are
    returned, at worst those of the closed-form plan.

    Where the programme is small enough to factorise a basis (up to
    :data:`~rada.planning.vertex.VERTEX_UP_TO` techniques x years), each point of tolerance
    :data:`~rada.planning.vertex.VERTEX_TOLERANCE` or finer that misses ``gap`` is finished
    by simplex from the basis it suggests (:func:`~rada.planning.vertex.find_vertex`), and
    that vertex is certified too: at 1,000 products x 5 years the 1e-7 point and three dozen
    pivots certify a gap of about 3e-11 in about 20 s, where the first-order ladder alone
    needs two minutes for 1e-9. The pivots count among the iterations.

    Each point of tolerance :data:`SHARPENED_ENOUGH` or finer that still misses ``gap`` then
    has its prices sharpened by the surrogate of the yearly balances
    (:mod:`rada.planning.surrogate`, :func:`_sharpen`): at 1,000 x 5 the 1e-3 point's certified
    gap falls from 2.0e-3 to 1.5e-4, so ``gap=1e-3`` ends there instead of after the 1e-6 run.
    Its simplex iterations count among the iterations too.

    Under a time limit, a run that cannot finish in the time left (:func:`_hipdlp_seconds`)
    is not started: Rada's pdhg (:func:`solve_pdhg`) runs instead, in the same process, from
    the last point, or from the closed-form plan where no run could finish. One run at a time:
    at 10,000 x 5 hipdlp's 1e-3 run took 78 s alone and 114 s beside pdhg in a second process
    (the two share the memory bandwidth), which left no time to sharpen its point.

    Without a time limit, pdhg first has a look for a share of the work judged for hipdlp's
    first run (:data:`LOOK_SHARE`, from :data:`LOOK_LEAST` to :data:`LOOK_MOST` seconds of
    it, none where the share is shorter), counted in steps so that a busy machine shortens
    no look: neither method is the faster on every programme (1,000 x 5 generated: hipdlp's
    run 6 s, pdhg 38 s; WIOD 2011 over five years with a technique added: pdhg 2-9 s, hipdlp's
    run unfinished after 9 minutes). Each of hipdlp's runs then stops at
    :data:`HIPDLP_MOST` times the iterations judged for it, and pdhg goes on from the best
    point without a limit: every stage ends.

    Without a time limit, past the exact finish's size, hipdlp runs to
    :data:`HANDOVER_TOLERANCE` only (after the look), where the gap is below
    :data:`HIPDLP_FIRST_BELOW`, and pdhg goes on from its point without a limit, or from the
    closed-form plan, alone, for a coarser gap; it ends at the gap or where it has stalled
    (:func:`stalled`), and then the rest of the ladder follows (:func:`split_ladder`). To 1e-6
    at 2,000 x 5 (seeds 1-3) this took 46.3, 85.9 and 24.8 s, where the look and hipdlp's run
    to 1e-9 took 117.7, 110.3 and 37.3 s; at 10,000 x 5, 735.7, 917.6 and 920.4 s.

    Parameters are those of :func:`solve_pdhg`; ``method`` names HiGHS's method, ``start``
    the closed-form plan and ``certified`` its certificate, where the caller has made them
    (pdhg starts from that plan where no run of HiGHS could finish).

    >>> from rada.planning.generate import generate_economy
    >>> from rada.planning.programme import build_programme
    >>> from rada.planning.structure import compile_economy
    >>> s = compile_economy(generate_economy(products=30, years=2, seed=1))
    >>> run = solve_highs_first_order(s, build_programme(s), labour=0, gap=1e-6)
    >>> run.stopped, run.certificate.gap <= 1e-6
    ('gap', True)
    """
    if method not in HIGHS_FIRST_ORDER:
        raise PlanningError(f"HiGHS has no first-order method {method!r}")
    say = progress or (lambda message: None)
    started = time.perf_counter()
    if start is None:
        start = _start(s, lp, labour=labour)
    opening = certified or certify(s, start, labour=labour)
    say(f"closed-form start: gap {opening.gap:.3g}")
    polish = s.n_techniques * s.years <= VERTEX_UP_TO
    tally = _Tally(opening)
    rungs = tolerances(gap, early=time_limit is not None, vertex=polish)
    # Without a time limit, beyond the exact finish, pdhg goes on from hipdlp's coarser point
    # (HANDOVER_TOLERANCE), or alone where the gap is coarse enough, and the finer runs come
    # only where it stalls.
    handing = time_limit is None and method == "hipdlp" and not polish and opening.gap > gap
    finer: list[float] = []
    if handing:
        rungs, finer = split_ladder(rungs, gap)
    budget, steps = 0.0, 0  # pdhg's look (without a time limit only)
    if time_limit is None and method == "hipdlp" and opening.gap > gap and rungs:
        pace = HIPDLP_PRODUCTS * _product_seconds(lp)  # a hipdlp iteration, as judged
        budget = min(LOOK_SHARE * hipdlp_iterations(lp, rungs[0]) * pace, LOOK_MOST)
        # Counted in steps, not seconds, so that a busy machine shortens no look: a step of
        # pdhg costs about a pair of sparse products, an iteration of hipdlp HIPDLP_PRODUCTS.
        steps = round(budget / pace * HIPDLP_PRODUCTS)
    if budget >= LOOK_LEAST:
        say(f"a look by Rada's pdhg for {steps} steps (about {budget:.1f} s) before HiGHS {method}")
        tally.pdhg(
            solve_pdhg(
                s, lp, labour=labour, gap=gap, start=start, certified=opening,
                iteration_limit=steps, progress=progress,
            ),
            look=True,
        )  # fmt: skip
        if tally.best.gap <= gap:
            return tally.ended(started, "gap")
    ladder = functools.partial(
        _ladder, s, lp, labour=labour, gap=gap, method=method, threads=threads, say=say,
        polish=polish, started=started,
    )  # fmt: skip
    end = tally.ladder(ladder(time_limit=time_limit, best=tally.best, rungs=rungs))
    # Without a limit, not after a run that failed (HiGHS's own status says why).
    handover = handing and tally.best.gap > gap and end.stopped == "tolerance"
    if end.handover or handover:  # end.handover: under a time limit, or a run passed its cap
        point, its = end.last or (start, opening)
        left = None if time_limit is None else started + time_limit - time.perf_counter()
        tally.pdhg(
            solve_pdhg(
                s, lp, labour=labour, gap=gap, start=point, certified=tighter(its, tally.best),
                time_limit=left, progress=progress,
            )
        )  # fmt: skip
        say(f"pdhg: gap {tally.best.gap:.3g}")
    if handover and tally.best.gap > gap and finer:
        tally.ladder(ladder(time_limit=None, best=tally.best, rungs=finer))
    return tally.ended(started)


@dataclass
class _Tally:
    """What the stages of :func:`solve_highs_first_order` (pdhg's look, HiGHS's runs, pdhg)
    have found so far: the best certificate, the iterations and certificates made (the first
    that of the start), and why the last stage stopped."""

    best: Certificate
    iterations: int = 0
    certificates: int = 1
    stopped: str = "gap"

    def pdhg(self, run: FirstOrderRun, *, look: bool = False) -> None:
        """Count a run of pdhg (its first certificate is the one it was given); a ``look``
        leaves the reason for stopping to the stages after it."""
        self.best = tighter(self.best, run.certificate)
        self.iterations += run.iterations
        self.certificates += run.certificates - 1
        if not look:
            self.stopped = run.stopped

    def ladder(self, end: _LadderEnd) -> _LadderEnd:
        """Count HiGHS's runs (:func:`_ladder`), which began from the best so far."""
        self.best = end.best
        self.iterations += end.iterations
        self.certificates += end.certificates
        self.stopped = end.stopped
        return end

    def ended(self, started: float, stopped: str | None = None) -> FirstOrderRun:
        """The run, begun at ``started`` (the clock's reading), ended now."""
        seconds = time.perf_counter() - started
        why = self.stopped if stopped is None else stopped
        return FirstOrderRun(self.best, self.iterations, seconds, why, self.certificates)


def split_ladder(rungs: list[float], gap: float) -> tuple[list[float], list[float]]:
    """Without a time limit, past the exact finish: the tolerances of hipdlp's ladder
    ``rungs`` for ``gap`` (:func:`tolerances`) that run before pdhg, and those that run only
    where pdhg stalls (see :data:`HANDOVER_TOLERANCE`).

    >>> split_ladder(tolerances(1e-6, early=False), 1e-6)
    ([1e-06], [1e-09, 1e-10])
    >>> split_ladder(tolerances(1e-3, early=False), 1e-3)  # pdhg alone first
    ([], [0.001, 1e-06, 1e-07, 1e-08, 1e-09, 1e-10])
    """
    if gap >= HIPDLP_FIRST_BELOW:
        return [], rungs
    return [HANDOVER_TOLERANCE], [
        tolerance for tolerance in rungs if tolerance < HANDOVER_TOLERANCE
    ]


@dataclass(frozen=True)
class _LadderEnd:
    """How HiGHS's runs to ever finer tolerances ended (:func:`_ladder`)."""

    best: Certificate
    iterations: int
    certificates: int
    stopped: str
    #: The time limit left time that no run of HiGHS could use: pdhg is to go on.
    handover: bool = False
    #: The last run's point and its certificate, for pdhg to start from.
    last: tuple[Candidate, Certificate] | None = None


def _hipdlp_seconds(
    lp: LinearProgramme, tolerance: float, *, measured: tuple[float, int, float] | None
) -> float:
    """About how long a run of hipdlp to ``tolerance`` (1e-3 or finer) takes: its iterations
    (:func:`hipdlp_iterations`) at the pace of the ``measured`` (tolerance, iterations,
    seconds) of an earlier run on the same programme to 1e-3 or finer, or else at the time
    its sparse products take here (:data:`HIPDLP_PRODUCTS`)."""
    if measured is not None:
        _, count, seconds = measured
        each = seconds / max(count, 1)
    else:
        each = HIPDLP_PRODUCTS * _product_seconds(lp)
    return hipdlp_iterations(lp, tolerance, measured=measured) * each


def hipdlp_iterations(
    lp: LinearProgramme, tolerance: float, *, measured: tuple[float, int, float] | None = None
) -> float:
    """About how many iterations a run of hipdlp to ``tolerance`` (1e-3 or finer) takes:
    scaled from the ``measured`` (tolerance, iterations, seconds) of an earlier run on the same
    programme to 1e-3 or finer, or else from the programme's size (:data:`HIPDLP_ITERATIONS`);
    each thousandfold finer tolerance costs :data:`HIPDLP_FINER` times the iterations down to
    1e-6, :data:`HIPDLP_FINEST` past it."""
    if measured is not None:
        done, count, _ = measured
    else:
        done = SHARPENED_ENOUGH
        count = round(HIPDLP_ITERATIONS * (lp.matrix.nnz / HIPDLP_NONZEROS) ** HIPDLP_GROWTH)
    turn = HIPDLP_STEEPER_FROM
    finer = max(0.0, math.log10(done / max(tolerance, turn)) / 3)
    finest = max(0.0, math.log10(min(done, turn) / tolerance) / 3)
    return float(max(count, 1) * HIPDLP_FINER**finer * HIPDLP_FINEST**finest)


def _product_seconds(lp: LinearProgramme) -> float:
    """The time of ``A x`` and ``A^T y`` with the programme's matrix, the least of five (the
    machine may be busy with something else for a moment)."""
    x, y = np.ones(lp.layout.n_cols), np.ones(lp.layout.n_rows)
    least, started = np.inf, time.perf_counter()
    for _ in range(5):
        begun = time.perf_counter()
        lp.matrix @ x
        lp.matrix.T @ y
        least = min(least, time.perf_counter() - begun)
        if begun - started >= PRODUCTS_FOR:  # three of 0.75 s at 100,000 x 5
            break
    return float(least)


def judged_by(tolerance: float) -> float:
    """The tolerance of the run that judges, under a time limit, whether hipdlp's run to
    ``tolerance`` is started: an early run (:data:`FIRST_TOLERANCES`) only where the last of
    them could finish too, any other by itself.

    Where only the coarser runs fit, pdhg alone does better in the same time: at 10,000 x 5
    under a 120-s limit the 1e-3 run took 85 s and its sharpened point, polished by pdhg in
    the 26 s left, proved 2.1e-4 (seed 1), and pdhg from the 1e-2 run's point (3.3 s) proved
    1.1e-4, where pdhg alone proved 7.5e-5 and 9.1e-5. Where the 1e-6 run fits, its point is
    what pdhg goes on from (a 20-minute limit at 10,000 x 5), and the runs start as before.

    >>> [judged_by(t) for t in (1e-2, 1e-3, 1e-6, 1e-9)]
    [1e-06, 1e-06, 1e-06, 1e-09]
    """
    last = FIRST_TOLERANCES[-1]
    return last if tolerance in FIRST_TOLERANCES and tolerance > last else tolerance


def _ladder(
    s: Structure,
    lp: LinearProgramme,
    *,
    labour: int,
    gap: float,
    time_limit: float | None,
    method: str,
    threads: int,
    say: Progress,
    best: Certificate,
    polish: bool,
    started: float,
    rungs: list[float],
) -> _LadderEnd:
    """HiGHS's runs to the tolerances ``rungs`` (:func:`tolerances`), one after another, each
    point certified and, where ``polish``, finished at a vertex (see
    :func:`solve_highs_first_order`), until the gap is reached, the time is up or the next run
    could not finish in the time left (an early run only where the last of them could,
    :func:`judged_by`)."""
    iterations, certificates, stopped = 0, 0, "gap"
    surrogate = Surrogate(lp)
    measured: tuple[float, int, float] | None = None
    last: tuple[Candidate, Certificate] | None = None
    for tolerance in rungs:
        if best.gap <= gap:
            break
        left = None if time_limit is None else time_limit - (time.perf_counter() - started)
        if left is not None and left <= 0:
            stopped = "time limit"
            break
        if left is not None:
            judged = judged_by(tolerance)
            needs = HIPDLP_MARGIN * _hipdlp_seconds(lp, judged, measured=measured)
            needs += _surrogate_seconds(lp)
            if needs > left:
                say(
                    f"not starting HiGHS {method} to tolerance {tolerance:g}: a run to "
                    f"tolerance {judged:g} and a surrogate after it need about {needs:.0f} s, "
                    f"with a margin, and {left:.0f} s are left; Rada's pdhg goes on"
                )
                return _LadderEnd(best, iterations, certificates, "time limit", True, last)
        say(f"HiGHS {method} to tolerance {tolerance:g}")
        # Without a time limit, a run is stopped at HIPDLP_MOST times the iterations judged
        # for it: past that hipdlp is struggling, and pdhg goes on.
        capped = left is None and method == "hipdlp"  # the judgement is hipdlp's
        cap = _hipdlp_cap(lp, tolerance, measured=measured) if capped else None
        begun = time.perf_counter()
        solved = run_highs(
            lp,
            maximise=True,
            solver=method,
            threads=threads,
            time_limit=left,
            tolerance=tolerance,
            iteration_limit=cap,
        )
        iterations += solved.iterations
        if cap is not None and solved.status == "Iteration limit reached":
            say(
                f"HiGHS {method} passed {cap} iterations, {HIPDLP_MOST:g} times those judged "
                f"for tolerance {tolerance:g}; Rada's pdhg goes on"
            )
            return _LadderEnd(best, iterations, certificates, "iteration limit", True, last)
        if solved.valid and tolerance <= SHARPENED_ENOUGH:
            measured = (tolerance, solved.iterations, time.perf_counter() - begun)
        if solved.valid:
            # HiGHS's status may be "Unknown" where its unscaled check misses the tolerance
            # narrowly; the certificate, not the status, says how good the point is. HiGHS's
            # duals of a maximisation are the negatives of the minimisation's.
            point = candidate_of(s, lp, solved.col_value, -solved.row_dual)
            certificate = certify(s, point, labour=labour)
            certificates += 1
            last = point, certificate
            best = tighter(best, certificate)
            say(f"tolerance {tolerance:g} ({solved.status}): gap {best.gap:.3g}")
            if polish and tolerance <= VERTEX_TOLERANCE and best.gap > gap:
                left = None if time_limit is None else started + time_limit - time.perf_counter()
                best, pivots, made = _finish_onto(
                    best, s, lp, solved.col_value, -solved.row_dual,
                    labour=labour, seconds=left, say=say,
                )  # fmt: skip
                iterations += pivots
                certificates += made
            if best.gap > gap and tolerance <= SHARPENED_ENOUGH:
                now = time.perf_counter()
                budget = SHARPEN_SHARE * (now - started)
                left = budget if time_limit is None else min(budget, started + time_limit - now)
                best, used, made = _sharpen(
                    s, lp, surrogate, solved.col_value, point.product_prices,
                    labour=labour, best=best, seconds=left, say=say,
                )  # fmt: skip
                iterations += used
                certificates += made
        if solved.status == "Time limit reached":
            stopped = "time limit"
            break
        if not solved.valid:
            stopped = solved.status
            break
    else:
        stopped = "gap" if best.gap <= gap else "tolerance"
    return _LadderEnd(best, iterations, certificates, stopped, last=last)


def _sharpen(
    s: Structure,
    lp: LinearProgramme,
    surrogate: Surrogate,
    x: FloatArray,
    prices: FloatArray,
    *,
    labour: int,
    best: Certificate,
    seconds: float | None,
    say: Progress,
    side: PlanSide | None = None,
) -> tuple[Certificate, int, int]:
    """Up to :data:`SURROGATE_ROUNDS` rounds of the surrogate from a point's product
    ``prices``, each certified with the point's plan ``x`` (whose certificate's plan side
    ``side`` is, where made already), within ``seconds``: the best certificate, the simplex
    iterations and the certificates made. Stops at the first round that proves no lower upper
    bound."""
    say("sharpening the prices by the surrogate of the yearly balances")
    started = time.perf_counter()
    iterations, made = 0, 0
    for _ in range(SURROGATE_ROUNDS):
        left = None if seconds is None else seconds - (time.perf_counter() - started)
        if left is not None and left <= 0:
            break
        found = surrogate.duals(prices, seconds=left)
        if found is None:
            say("the surrogate gave no prices: no optimum in the time there was")
            break
        iterations += found.iterations
        candidate = candidate_of(s, lp, x, found.y)
        side = side if side is not None and side.holds(candidate) else plan_side(s, candidate)
        certificate = certify(s, candidate, labour=labour, side=side)
        made += 1
        sharper = certificate.upper_bound < best.upper_bound
        best = tighter(best, certificate)
        say(f"surrogate: upper bound {certificate.upper_bound:.10g}; gap {best.gap:.3g}")
        if not sharper:
            break
        prices = certificate.prices.product
    return best, iterations, made


def _finish_onto(
    best: Certificate,
    s: Structure,
    lp: LinearProgramme,
    x: FloatArray,
    y: FloatArray,
    *,
    labour: int,
    seconds: float | None,
    say: Progress,
) -> tuple[Certificate, int, int]:
    """The exact finish from the point ``(x, y)`` within ``seconds``, certified and kept with
    ``best`` (:func:`tighter`): the best certificate, the pivots and the certificates made (0
    where it found no vertex, see :func:`~rada.planning.vertex.find_vertex_within`; else 1)."""
    say("finishing by simplex from the basis the point suggests")
    vertex = None
    if seconds is None or seconds > 0:
        vertex = find_vertex_within(lp, x, y, seconds=seconds)
    if vertex is None:
        say("no vertex: the basis it suggests is singular, or time ran out")
        return best, 0, 0
    best = tighter(best, certify(s, candidate_of(s, lp, vertex.x, vertex.y), labour=labour))
    say(f"vertex after {vertex.pivots} pivots: gap {best.gap:.3g}")
    return best, vertex.pivots, 1


def closed_form(s: Structure, *, labour: int) -> Candidate | None:
    """The plan with no investment: each year's targets by a Leontief solve, scaled to the
    most that every resource's supply, capacity and initial stock (worn down) allows, priced
    by labour values; ``None`` unless each product has exactly one technique making only it.

    Until 2026-12-06 it was scaled to the labour supply alone: with labour a million times
    what the capacities let the economy use, pdhg started from activities a million times
    too large, and its Halpern kernel, anchored there, stalled (100 x 3, seed 1: at a
    certified gap of 0.031)."""
    out = sp.csc_array(s.out)
    P, N, T = s.n_products, s.n_techniques, s.years
    if P != N or out.nnz != N or np.any(np.diff(out.indptr) != 1):
        return None
    maker = np.full(P, -1)
    maker[out.indices] = np.arange(N)
    if np.any(maker < 0):
        return None
    level = np.empty(P)
    level[out.indices] = out.data
    a = sp.csc_array(s.inp[:, maker] @ sp.diags_array(1.0 / level))
    work = s.res[[labour], :].toarray()[0][maker] / level
    method: Method = "iterative" if P > 2000 else "direct"
    try:
        # Extrapolated: at 1,000,000 x 5 the closed form took 16 to 22 s with the plain steps.
        values = labour_values(a, work, method=method, extrapolate=True).value
        activity = np.zeros((T, N))
        fulfilment = np.zeros(T)
        prices = np.zeros((T, P))
        resource_prices = np.zeros((T, s.n_resources))
        # Every year's targets and committed deliveries in one solve (one factorisation).
        wanted_all = np.vstack([s.targets, s.committed]).T
        gross_all = gross_output(a, wanted_all, method=method, extrapolate=True).value
        held = stocks_of(s, np.zeros((T - 1, s.n_pairs)))
        for y in range(T):
            per = np.zeros(N)
            per[maker] = gross_all[:, y] / level
            owed = np.zeros(N)
            owed[maker] = gross_all[:, T + y] / level
            fulfilment[y] = _most_fulfilment(s, y, per, owed, held[y])
            activity[y] = fulfilment[y] * per + owed
            worth = float(values @ s.targets[y])
            if worth > 0:
                resource_prices[y, labour] = 1.0 / worth
                prices[y] = values / worth
    except PlanningError:
        return None
    K = s.n_pairs
    return Candidate(
        fulfilment=fulfilment,
        activity=activity,
        stocks=stocks_of(s, np.zeros((T - 1, K))),
        investment=np.zeros((T - 1, K)),
        product_prices=prices,
        resource_prices=resource_prices,
        stock_prices=np.zeros((T, K)),
        capacity_prices=np.zeros((T, N)),
        objective=float(fulfilment.sum()),
    )


def _most_fulfilment(
    s: Structure, y: int, per: FloatArray, owed: FloatArray, held: FloatArray
) -> float:
    """The largest fulfilment ``f`` (at least 0) at which the activities ``f * per + owed``
    keep within year ``y``'s supplies, the capacities and the stocks ``held``."""
    finite = np.isfinite(s.capacity)
    rows = [
        (s.res @ per, s.supply[y] - s.res @ owed),
        (per[finite], s.capacity[finite] - owed[finite]),
        (s.per_unit * per[s.pair_tech], held - s.per_unit * owed[s.pair_tech]),
    ]
    most = np.inf
    for use, room in rows:
        taking = use > 0
        if taking.any():
            most = min(most, float((room[taking] / use[taking]).min()))
    return max(0.0, most) if np.isfinite(most) else 0.0


def candidate_of(s: Structure, lp: LinearProgramme, x: FloatArray, y: FloatArray) -> Candidate:
    """Read a primal-dual point of the (minimising) programme back as a candidate plan.

    ``y`` follows the minimisation of ``-cost``: non-negative on ">=" rows (balances), non-
    positive on "<=" rows (resources, stocks), so the prices of the latter are ``-y``.
    """
    lay = lp.layout
    P, N, R, K, T = lay.P, lay.N, lay.R, lay.K, lay.T
    investment = x[lay.invest : lay.fulfil].reshape(T - 1, K)
    reduced = -lp.cost - lp.matrix.T @ y
    capacity = np.maximum(-reduced[: N * T], 0.0).reshape(T, N)
    capacity[:, ~np.isfinite(s.capacity)] = 0.0
    fulfilment = x[lay.fulfil :].copy()
    return Candidate(
        fulfilment=fulfilment,
        activity=x[: N * T].reshape(T, N).copy(),
        stocks=stocks_of(s, investment),
        investment=investment.copy(),
        product_prices=y[: P * T].reshape(T, P).copy(),
        resource_prices=-y[lay.resource : lay.stock_use].reshape(T, R),
        stock_prices=-y[lay.stock_use :].reshape(T, K),
        capacity_prices=capacity,
        objective=float(fulfilment.sum()),
    )


def point_of(lp: LinearProgramme, candidate: Candidate) -> tuple[FloatArray, FloatArray]:
    """The primal-dual point of the programme that a candidate plan stands for."""
    lay = lp.layout
    x = np.zeros(lay.n_cols)
    x[: lay.invest] = candidate.activity.ravel()
    x[lay.invest : lay.fulfil] = candidate.investment.ravel()
    x[lay.fulfil :] = candidate.fulfilment
    y = np.concatenate(
        [
            candidate.product_prices.ravel(),
            -candidate.resource_prices.ravel(),
            -candidate.stock_prices.ravel(),
        ]
    )
    return np.clip(x, lp.col_lower, lp.col_upper), y


class FoldedRows:
    """The programme with each row of a single non-zero folded into its column's bounds, and
    the way back to the whole programme's prices.

    The plan's first-year stock rows are such rows (no investment stands yet, so ``per_unit *
    activity <= initial`` bounds an activity): 60,000 of the 350,005 rows at 10,000 products x
    5 years. HiGHS's presolve folds them before hipdlp runs; pdhg, which has no presolve,
    otherwise carries a price for each, and its prices settle more slowly: at 10,000 x 5
    (seed 1, PDLP's kernel, 120 s) it proved a gap of 1.65e-3 with them and 8.5e-4 folded.

    A folded row's price is read back from its column's reduced cost in the folded programme,
    where that row's bound is the column's tightest (the first such row where several are
    equally tight, and none where the column's own bound is as tight): the whole programme's
    reduced cost of the column is then zero, as at a column held by its bound. Where the rows
    folded into a column leave it no room (lower above upper), nothing is folded.
    """

    def __init__(self, lp: LinearProgramme) -> None:
        rows = sp.csr_array(lp.matrix, copy=True)  # the caller's matrix is left as it is
        rows.eliminate_zeros()
        m = rows.shape[0]
        single = np.flatnonzero(np.diff(rows.indptr) == 1)
        col = rows.indices[rows.indptr[single]].astype(np.int64)
        a = rows.data[rows.indptr[single]]
        lo = np.where(a > 0, lp.row_lower[single], lp.row_upper[single]) / a
        hi = np.where(a > 0, lp.row_upper[single], lp.row_lower[single]) / a
        col_lower, col_upper = lp.col_lower.copy(), lp.col_upper.copy()
        np.maximum.at(col_lower, col, lo)
        np.minimum.at(col_upper, col, hi)
        if np.any(col_lower > col_upper):
            single = single[:0]
            col, a, lo, hi = col[:0], a[:0], lo[:0], hi[:0]
            col_lower, col_upper = lp.col_lower, lp.col_upper
        self.kept = np.ones(m, dtype=bool)
        self.kept[single] = False
        self._single, self._a = single, a
        self._upper = _owners(col, (hi <= col_upper[col]) & (hi < lp.col_upper[col]))
        self._lower = _owners(col, (lo >= col_lower[col]) & (lo > lp.col_lower[col]))
        matrix = sp.csc_array(rows[self.kept]) if single.size else lp.matrix
        # Only the folded rows' columns need their reduced costs (unfold).
        self._columns, self._column_of = np.unique(col, return_inverse=True)
        self._cost = lp.cost[self._columns]
        self._columns_t = sp.csr_array(matrix[:, self._columns].T)
        self.lp = LinearProgramme(
            lp.layout, matrix, lp.cost, col_lower, col_upper,
            lp.row_lower[self.kept], lp.row_upper[self.kept],
        )  # fmt: skip

    def unfold(self, y: FloatArray) -> FloatArray:
        """The whole programme's row prices (of ``min -cost x``, as :func:`candidate_of` reads
        them) from the folded programme's ``y``."""
        full = np.zeros(self.kept.size)
        full[self.kept] = y
        if self._single.size:
            reduced = (-self._cost - self._columns_t @ y)[self._column_of]
            held = np.where(self._upper, np.minimum(reduced, 0.0), 0.0)
            held += np.where(self._lower, np.maximum(reduced, 0.0), 0.0)
            full[self._single] = held / self._a
        return full


def _owners(col: Any, tight: Any) -> Any:
    """Of the folded rows whose bound is ``tight`` for their column ``col``, the first for each
    column."""
    owns = np.zeros(col.size, dtype=bool)
    candidates = np.flatnonzero(tight)
    _, first = np.unique(col[candidates], return_index=True)
    owns[candidates[first]] = True
    return owns


class _Scaled:
    """The programme ``min -cost x`` preconditioned: ``A_s = D_r A D_c``."""

    def __init__(self, lp: LinearProgramme) -> None:
        # The scalings work on the matrix's entries in compiled passes (scaled_extremes), in
        # place of products with diagonal matrices, which SciPy multiplies as general sparse
        # products: at 100,000 x 5 (26 million non-zeros) the eleven passes took 40 s that
        # way, and about 9 s as NumPy's gathers and segmented reductions (this scaling in all,
        # the norm included, 21.7 s then and 8.8 s compiled).
        matrix = _compact(lp.matrix)
        matrix.eliminate_zeros()
        m, n = matrix.shape
        rows, cols = np.ones(m), np.ones(n)
        for _ in range(RUIZ_PASSES):
            r, c = scaled_extremes(matrix, rows, cols, total=False)
            rows /= np.where(r > 0, np.sqrt(r), 1.0)
            cols /= np.where(c > 0, np.sqrt(c), 1.0)
        r, c = scaled_extremes(matrix, rows, cols, total=True)
        rows /= np.where(r > 0, np.sqrt(r), 1.0)
        cols /= np.where(c > 0, np.sqrt(c), 1.0)
        self.rows, self.cols = rows, cols
        self.a: sp.csr_array = sp.csr_array(
            (scaled_entries(matrix, rows, cols), matrix.indices, matrix.indptr),
            shape=matrix.shape,
        )
        self.at = _compact(self.a.T)
        self.c = -lp.cost * cols
        self.lower, self.upper = lp.col_lower / cols, lp.col_upper / cols
        self.row_lower, self.row_upper = lp.row_lower * rows, lp.row_upper * rows
        #: The fused passes of a step, in blocks on threads where the matrix is large.
        parts = threads() if self.a.nnz >= THREADS_FROM else 1
        self.sweeps = Sweeps(self.a, self.at, pool() if parts > 1 else None, parts)
        self.norm = self._norm()
        #: The first step size, which PDHG's theory allows whatever the point.
        self.safe_step = STEP / self.norm

    def _norm(self) -> float:
        """The largest singular value of the scaled matrix, by power iteration (the products
        in the sweeps' blocks, on their threads)."""
        v = np.random.default_rng(0).standard_normal(self.a.shape[1])
        av, w = np.empty(self.a.shape[0]), np.empty(self.a.shape[1])
        estimate = 1.0
        for _ in range(40):
            self.sweeps.forward(v, av)
            self.sweeps.transpose(av, w)
            size = float(np.linalg.norm(w))
            if size == 0.0:
                return 1.0
            estimate, v = float(np.sqrt(size)), w / size
        return estimate

    def kkt(self, x: FloatArray, ax: FloatArray, y: FloatArray, aty: FloatArray, w: float) -> float:
        """The weighted KKT error of a point: primal and dual residuals and the duality gap."""
        primal = np.maximum(self.row_lower - ax, 0.0) + np.maximum(ax - self.row_upper, 0.0)
        reduced = self.c - aty
        dual = np.where(np.isfinite(self.upper), 0.0, np.minimum(reduced, 0.0))
        gap = float(self.c @ x) - self.dual_objective(y, reduced)
        return float(np.sqrt(w**2 * float(primal @ primal) + float(dual @ dual) / w**2 + gap**2))

    def dual_objective(self, y: FloatArray, reduced: FloatArray) -> float:
        """The Lagrangian dual's value at ``y`` (infinite bounds contribute nothing)."""
        rows = np.where(y > 0, self.row_lower, self.row_upper)
        cols = np.where(reduced > 0, self.lower, self.upper)
        rows[~np.isfinite(rows)] = 0.0
        cols[~np.isfinite(cols)] = 0.0
        return float(y @ rows + reduced @ cols)


def _compact(matrix: Any) -> sp.csr_array:
    """``matrix`` in CSR with 32-bit indices where they fit: SciPy keeps the 64-bit ones its
    products gave, and a sparse product reads every index, so at 10,000 x 5 (2.2 million
    non-zeros) ``A x`` takes 3.4 ms against 4.7 ms."""
    csr = sp.csr_array(matrix)
    if max(csr.nnz, *csr.shape) < np.iinfo(np.int32).max:
        csr = sp.csr_array(
            (csr.data, csr.indices.astype(np.int32), csr.indptr.astype(np.int32)),
            shape=csr.shape,
        )
    return csr


class _Iterates:
    """PDHG's iterates on the scaled programme ``q``, their running sums since the last
    restart (weighted by the step taken), the restart's anchor, the primal weight (PDLP's
    adaptive restarts) and the step size (PDLP's adaptive steps)."""

    def __init__(
        self, q: _Scaled, xs: FloatArray, ys: FloatArray, *, weight: float | None = None
    ) -> None:
        self.q = q
        self.xs, self.ys = xs, ys
        self.ax, self.aty = q.a @ xs, q.at @ ys
        self.weight = _initial_weight(q) if weight is None else weight
        self.eta = q.safe_step
        self.tried = 0  # steps tried, taken or not
        self.rejected = 0  # steps tried and not taken: each cost a product with the matrix
        self._buffers: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self._anchor()

    def _anchor(self) -> None:
        self.anchor_x, self.anchor_y = self.xs.copy(), self.ys.copy()
        self.anchor_kkt = self.last_kkt = self.q.kkt(
            self.xs, self.ax, self.ys, self.aty, self.weight
        )
        # The sums of x and y only: the mean's products with the matrix are taken when it
        # is looked at (every CHECK_EVERY steps), which costs less than summing them each step.
        self.sums = [np.zeros_like(self.xs), np.zeros_like(self.ys)]
        self.summed = 0.0  # the steps' sizes added up: the sums' weight
        self.inner = 0

    def steps(self, count: int) -> None:
        """``count`` PDHG steps at the current weight, adding each iterate to the sums.

        The step size is PDLP's adaptive one (Applegate et al., 2021): a step is taken only
        where it is at most ``|dz|^2 / (2 |dy . A dx|)`` (``|dz|`` in the norm the primal weight
        sets), which bounds the matrix's norm along the step actually taken, and the next
        size tried is the least of that bound (less a share that shrinks with the steps
        tried) and the last size (plus a share that shrinks faster). At 1,000 x 5 from the
        closed-form start this proved 5.9e-5 after 16,000 steps, where the fixed step of 0.9
        over the matrix's norm proved 1.2e-4 (3.6e-4 and 8.4e-4 after 12,000).

        Each half-step is one fused pass over the vectors (:mod:`rada.planning.sweeps`),
        in blocks of rows on threads where the programme is large; the vectors of the step
        before are kept as buffers for the next, so an iterate read from ``xs``, ``ys``,
        ``ax`` or ``aty`` must be copied if it is to outlive the next call.
        """
        q, w, sweeps = self.q, self.weight, self.q.sweeps
        xs, ys, ax, aty = self.xs, self.ys, self.ax, self.aty
        x_new, y_new, ax_new = self._spare(xs, ys)
        sum_x, sum_y = self.sums
        safe = q.safe_step
        for _ in range(count):
            refused = 0
            while True:
                eta = self.eta
                tau, sigma = eta / w, eta * w
                moved_x = sweeps.primal(xs, aty, q.c, q.lower, q.upper, tau, x_new)
                across_new, across_old, moved_y = sweeps.dual(
                    x_new, ax, ys, q.row_lower, q.row_upper, sigma, ax_new, y_new
                )
                across = abs(across_new - across_old)
                moved = w * moved_x + moved_y / w
                bound = moved / (2.0 * across) if across > 0 else np.inf
                self.tried += 1
                k = self.tried + 1
                self.eta = min((1.0 - k**-0.3) * bound, (1.0 + k**-0.6) * eta)
                # The fixed step of STEP over the matrix's norm is always safe to take, and
                # a step that is not a number ends the run through its certificate.
                if eta <= bound or eta <= safe or math.isnan(bound):
                    break
                self.rejected += 1
                refused += 1
                if refused >= MAX_REFUSED:
                    self.eta = safe
            sweeps.taken(x_new, y_new, aty, sum_x, sum_y, eta)
            xs, x_new = x_new, xs
            ys, y_new = y_new, ys
            ax, ax_new = ax_new, ax
            self.summed += eta
            self.inner += 1
        self.xs, self.ys, self.ax, self.aty = xs, ys, ax, aty
        self._buffers = (x_new, y_new, ax_new)

    def _spare(self, xs: FloatArray, ys: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Buffers for the next iterate: the last step's, or new ones."""
        buffers = self._buffers
        if buffers is None or buffers[0].shape != xs.shape or buffers[1].shape != ys.shape:
            return np.empty_like(xs), np.empty_like(ys), np.empty_like(ys)
        return buffers

    def candidate(self, total: int) -> tuple[tuple[FloatArray, ...], bool]:
        """The better of the last iterate and the mean since the restart (by the KKT error),
        and whether to restart from it."""
        mean_x, mean_y = (part / self.summed for part in self.sums)
        mean = (mean_x, self.q.a @ mean_x, mean_y, self.q.at @ mean_y)
        kkt_now = self.q.kkt(self.xs, self.ax, self.ys, self.aty, self.weight)
        kkt_mean = self.q.kkt(mean[0], mean[1], mean[2], mean[3], self.weight)
        if kkt_mean < kkt_now:
            cand, cand_kkt = mean, kkt_mean
        else:
            cand, cand_kkt = (self.xs, self.ax, self.ys, self.aty), kkt_now
        restart = (
            cand_kkt <= SUFFICIENT * self.anchor_kkt
            or (cand_kkt <= NECESSARY * self.anchor_kkt and cand_kkt > self.last_kkt)
            or self.inner >= ARTIFICIAL * total
        )
        self.last_kkt = cand_kkt
        return cand, restart

    def restart(self, cand: tuple[FloatArray, ...]) -> None:
        """Restart from ``cand``, moving the primal weight towards the distances travelled."""
        dx = float(np.linalg.norm(cand[0] - self.anchor_x))
        dy = float(np.linalg.norm(cand[2] - self.anchor_y))
        if dx > MOVED_LEAST and dy > MOVED_LEAST:
            self.weight = float(np.exp(0.5 * np.log(dy / dx) + 0.5 * np.log(self.weight)))
        self.xs, self.ax, self.ys, self.aty = (part.copy() for part in cand)
        self._anchor()


class _Halpern:
    """Restarted reflected Halpern PDHG on the scaled programme ``q`` (Lu and Yang, 2024, as
    cuPDLPx runs it): each step reflects PDHG's image of the current point through it and pulls
    the result towards the restart's anchor by ``1 / (k + 2)`` at the ``k``-th step since the
    restart; the step size is fixed, restarts follow the fixed-point error, and the primal
    weight is set at each restart by a PID controller on the log of the ratio of the primal and
    dual distances travelled.

    At 1,000 x 5 from the closed-form start it proved 6.1e-6 after 16,000 steps, where PDLP's
    adaptive steps and averages (:class:`_Iterates`) proved 1.0e-5; at 10,000 x 5 (seed 1) it
    proved 4.8e-5 after 190 s, which PDLP's took 450 s to. Its plans are good early and its
    prices late: the surrogate does the rest.

    The iterates are kept as offsets from the anchor (``z = z0 + u``), which makes the anchored
    reflection ``z <- (k + 1) / (k + 2) (2 T(z) - z) + z0 / (k + 2)`` read
    ``u <- (k + 1) / (k + 2) (2 (T(z) - z0) - u)``, and PDHG's image
    ``x^ = proj(x + tau (A^T y - c))`` read ``proj(g0 + u_x + tau u_aty)`` with
    ``g0 = x0 + tau (A^T y0 - c)`` fixed for the epoch (likewise the dual's): about half the
    passes over the vectors that the plain form takes.
    """

    def __init__(self, q: _Scaled, xs: FloatArray, ys: FloatArray) -> None:
        self.q = q
        self.weight = _initial_weight(q)
        self.eta = HALPERN_STEP / q.norm
        self.rejected = 0  # the step is fixed: none is refused
        self.errors: list[float] = []  # the PID controller's past imbalances, newest last
        self._begin(xs, q.a @ xs, ys, q.at @ ys)

    def _begin(self, x: FloatArray, ax: FloatArray, y: FloatArray, aty: FloatArray) -> None:
        """Start an epoch anchored at ``(x, y)``, at the current weight."""
        q, w = self.q, self.weight
        tau, sigma = self.eta / w, self.eta * w
        self.anchor = (x, ax, y, aty)
        self.offsets = [np.zeros_like(x), np.zeros_like(ax), np.zeros_like(y), np.zeros_like(aty)]
        self.g0 = aty - q.c
        self.g0 *= tau
        self.g0 += x
        self.h0 = ax * sigma
        self.h0 += y
        self.inner = 0
        # The image's vectors, overwritten in place by each step: copy what is to be kept.
        self.image = (np.empty_like(x), np.empty_like(ax), np.empty_like(y), np.empty_like(aty))
        self._image(move=False)
        self.anchor_error = self.last_error = self.fixed_point_error()

    def _image(self, *, move: bool, keep: float = 0.0) -> None:
        """PDHG's image ``T(z)`` of the current point (what the next step reflects), where
        ``move`` after the offsets' reflected step by ``keep`` from the last image: three
        fused passes (:mod:`rada.planning.sweeps`), the columns', the rows' with ``A xh``
        and the columns' with ``A^T yh``."""
        q, w, sweeps = self.q, self.weight, self.q.sweeps
        tau, sigma = self.eta / w, self.eta * w
        offsets, image, anchor = self.offsets, self.image, self.anchor
        sweeps.halpern_primal(offsets, image, anchor, self.g0, q.lower, q.upper, keep, tau, move)
        sweeps.halpern_dual(
            offsets, image, anchor, self.h0, q.row_lower, q.row_upper, keep, sigma, move
        )
        sweeps.transpose(image[2], image[3])

    def fixed_point_error(self) -> float:
        """``|z - T(z)|`` in PDHG's norm: ``w/eta |dx|^2 + |dy|^2/(w eta) + 2 dy . A dx``."""
        w, eta = self.weight, self.eta
        (x0, ax0, y0, _), (ux, uax, uy, _) = self.anchor, self.offsets
        xh, axh, yh, _ = self.image
        dx, adx, dy = ux + x0 - xh, uax + ax0 - axh, uy + y0 - yh
        size = w / eta * float(dx @ dx) + float(dy @ dy) / (w * eta) + 2.0 * float(dy @ adx)
        # The form is positive semi-definite at this step size: a negative value at a point
        # converged to rounding is rounding; only a value that is not a number means the
        # vectors are not numbers (which the run's certificate then shows).
        return math.nan if math.isnan(size) else math.sqrt(max(size, 0.0))

    def steps(self, count: int) -> None:
        """``count`` anchored, reflected steps."""
        for _ in range(count):
            k = self.inner
            self.inner += 1
            self._image(move=True, keep=(k + 1) / (k + 2))

    def candidate(self, total: int) -> tuple[tuple[FloatArray, ...], bool]:
        """PDHG's image of the current point, and whether to restart from it (cuPDLPx's
        criteria on the fixed-point error)."""
        error = self.fixed_point_error()
        restart = (
            error <= SUFFICIENT * self.anchor_error
            or (error <= HALPERN_NECESSARY * self.anchor_error and error > self.last_error)
            or self.inner >= ARTIFICIAL * total
            or math.isnan(error)
        )
        self.last_error = error
        return self.image, restart

    def restart(self, cand: tuple[FloatArray, ...]) -> None:
        """Restart from ``cand``; the weight moves to balance the distances travelled."""
        x0, _, y0, _ = self.anchor
        dx = float(np.linalg.norm(cand[0] - x0))
        dy = float(np.linalg.norm(cand[2] - y0))
        if MOVED_LEAST < dx <= 1e12 and MOVED_LEAST < dy <= 1e12:
            self.errors.append(math.log(self.weight * dx / dy))
            integral = sum(
                PID_DISCOUNT**age * error for age, error in enumerate(reversed(self.errors))
            )
            step = PID_PROPORTIONAL * self.errors[-1] + PID_INTEGRAL * integral
            self.weight = float(np.exp(np.log(self.weight) - step))
        self._begin(*(part.copy() for part in cand))


@dataclass
class _Polishing:
    """When pdhg polishes its prices (:func:`_polish`): once it has taken
    :data:`POLISH_FROM_STEPS` steps, each time they have doubled since, and once more where the
    time limit leaves time for one polish and a little after it only. Under a time limit the
    polishes before that one are skipped where the steps could not double again before it,
    and, where a full polish would take much of the time left, go no further than
    :data:`POLISH_LOOK` steps."""

    at: int = 0  # the steps taken at the last polish
    last: bool = False  # the polish before the time limit is done
    started: float = 0.0  # when the run started (its clock's reading)
    final: bool = False  # the polish just due is the one before the time limit

    def due(
        self, total: int, now: float, seconds: float, after: float, deadline: float, closing: bool
    ) -> bool:
        """Whether to polish now, after ``total`` steps: a polish takes about ``seconds``, and
        ``after`` it the run needs time for a slice or two before the ``deadline``;
        ``closing``: this slice is the run's last."""
        if now + seconds >= deadline:
            return False
        last = (
            not self.last
            and not closing
            and now + seconds + after >= deadline
            and total >= POLISH_LAST_AFTER * self.at
        )
        if not last:
            if total < max(POLISH_FROM_STEPS, POLISH_AGAIN * self.at):
                return False
            # Under a time limit the polish before it, from a later point, supersedes this
            # one unless the run's steps could double again before that polish starts (see
            # POLISH_LOOK for how much later points prove).
            doubled = now + seconds + (POLISH_AGAIN - 1.0) * (now - self.started)
            if doubled + seconds + after >= deadline:
                return False
        self.at, self.last, self.final = total, self.last or last, last
        return True


def _polish(
    s: Structure,
    lp: LinearProgramme,
    folded: FoldedRows,
    q: _Scaled,
    cand: tuple[FloatArray, ...],
    *,
    labour: int,
    best: Certificate,
    gap: float,
    deadline: float,
    say: Progress,
    upto: int = POLISH_STEPS[-1],
    side: PlanSide | None = None,
    fill: bool = False,
) -> tuple[Certificate, int, int]:
    """Polish the prices of pdhg's point ``cand``: the PDLP kernel (:class:`_Iterates`)
    starts afresh from it at a primal weight of :data:`POLISH_WEIGHT` times the first
    (:func:`_initial_weight`, far below the weight the run has settled at), and its prices
    are certified after each of :data:`POLISH_STEPS`, with the run's own plan (the fresh
    kernel's plans wander far: its primal steps are large), until one proves no lower upper
    bound than the one before, the best certificate's gap is ``gap`` or the next steps and
    their certificate would pass the ``deadline`` (at the steps' pace so far and the longest
    of its certificates so far). The run itself goes on from where it was.
    ``side``: the plan side of the last certificate the run made, used where its plan is this
    point's. Where ``fill``, the steps after the last of :data:`POLISH_STEPS` that fit before
    the deadline go on as far as it allows (if they are at least :data:`POLISH_FILL_LEAST` of
    those taken). Returns the best certificate, the steps taken and the certificates made.

    Why it works is not proved here; what is measured: with a small weight each primal step
    jumps close to the best reply to the current prices, and the prices move along what that
    reply leaves short, as in a subgradient method of the Lagrangian dual started from good
    prices; the PDLP kernel's mean of its iterates, which it offers where its KKT error is
    lower, is what such a method's prices converge by. How far it gets depends on the point:
    at 10,000 x 5 (seed 1) from the point of 4,096 steps its prices stood 4.0e-4 above the
    optimum after 1,984 steps and 3.5e-4 after 7,936; from that of 8,192 steps, 1.3e-4 and
    2.4e-5 after 8,128. Restarting it (at its own criteria, the weight kept) did no better.
    """
    say("polishing the prices by a fresh start from the point")
    point_x = cand[0] * q.cols
    fresh = _Iterates(q, cand[0].copy(), cand[2].copy(), weight=POLISH_WEIGHT * _initial_weight(q))
    taken, made = 0, 0
    previous = np.inf
    last = False  # the steps that fill the time are the last
    stepping = certifying = 0.0  # the steps' time so far, and the longest certificate's
    for count in (count for count in POLISH_STEPS if count <= upto):
        if taken:  # the pace so far and the longest certificate judge the next steps
            now = time.perf_counter()
            pace = stepping / taken
            if now + pace * (count - taken) + certifying >= deadline:
                # Where it fills the time to the deadline, as many steps as fit, if that
                # adds enough of them to prove more.
                room = deadline - now - certifying
                fit = int(room / pace) // CHECK_EVERY * CHECK_EVERY if pace and room > 0 else 0
                if not fill or fit < POLISH_FILL_LEAST * taken:
                    break
                count, last = taken + fit, True
        begun = time.perf_counter()
        fresh.steps(count - taken)
        taken = count
        point, _ = fresh.candidate(count)
        y = folded.unfold(point[2] * q.rows)
        candidate = candidate_of(s, lp, point_x, y)
        stepping += time.perf_counter() - begun
        begun = time.perf_counter()
        # The plan is the run's throughout: its side is made once.
        side = side if side is not None and side.holds(candidate) else plan_side(s, candidate)
        certificate = certify(s, candidate, labour=labour, side=side)
        certifying = max(certifying, time.perf_counter() - begun)
        made += 1
        best = tighter(best, certificate)
        say(f"polished after {count} steps: upper bound {certificate.upper_bound:.10g}; "
            f"gap {best.gap:.3g}")  # fmt: skip
        if certificate.upper_bound >= previous or best.gap <= gap or last:
            break
        previous = certificate.upper_bound
    return best, taken + fresh.rejected, made


def _polish_plan(
    step_seconds: float, cert_seconds: float, time_limit: float | None
) -> tuple[float, float]:
    """About how long the polish before a time limit takes (:data:`POLISH_LAST_SHARE`, and
    :data:`POLISH_LAST_LEAST` steps within :data:`POLISH_LAST_MOST`), and a full polish, at
    ``step_seconds`` a step and ``cert_seconds`` a certificate.

    >>> _polish_plan(0.005, 0.5, 120.0)  # 1,984 steps and three certificates fit in 18 s
    (11.42, 22.16)
    >>> _polish_plan(0.01, 1.0, 120.0)  # 960 steps fit in 18 s; 1,984 in 40 s
    (22.84, 44.32)
    >>> _polish_plan(0.08, 5.0, 900.0)  # 960 steps fit in 135 s; 1,984 in 300 s
    (173.72, 342.56)
    >>> _polish_plan(0.08, 5.0, 500.0)  # 448 steps fit in 75 s; 1,984 not in 166.7 s
    (40.84, 342.56)
    """
    times = [count * step_seconds + (i + 1) * cert_seconds for i, count in enumerate(POLISH_STEPS)]
    if time_limit is None:
        return times[-1], times[-1]
    fitting = [seconds for seconds in times if seconds <= POLISH_LAST_SHARE * time_limit]
    planned = fitting[-1] if fitting else times[0]
    least = times[POLISH_STEPS.index(POLISH_LAST_LEAST)]
    if planned < least <= POLISH_LAST_MOST * time_limit:
        planned = least
    return planned, times[-1]


def choose_kernel(q: _Scaled, time_limit: float | None) -> str:
    """pdhg's kernel for the scaled programme ``q`` within ``time_limit``: ``"halpern"``,
    unless the limit leaves fewer than :data:`HALPERN_FROM_STEPS` of its steps at their pace
    here (:func:`_step_seconds`), then ``"pdlp"``."""
    if time_limit is None:
        return "halpern"
    return "halpern" if time_limit / _step_seconds(q) >= HALPERN_FROM_STEPS else "pdlp"


def _step_seconds(q: _Scaled) -> float:
    """The time of a step of the Halpern kernel on ``q``, from the closed-form point or any:
    the least of three rounds of five steps, after one that compiles the sweeps' loops where
    this process has not yet (about a second, once per machine: Numba keeps them on disk)."""
    it = _Halpern(q, np.zeros(q.a.shape[1]), np.zeros(q.a.shape[0]))
    it.steps(1)
    best = np.inf
    for _ in range(3):
        started = time.perf_counter()
        it.steps(5)
        best = min(best, (time.perf_counter() - started) / 5)
    return float(best)


@dataclass
class _Ending:
    """Why pdhg's run ends after a slice, if it does: the ``gap`` is reached, the
    ``iteration_limit`` is, or, where it has no limit (``watch`` and no ``iteration_limit``),
    it has stalled (:func:`stalled`)."""

    gap: float
    iteration_limit: int | None
    watch: bool
    say: Progress
    #: The best gap after each certificate, and the run's own steps then.
    history: list[tuple[int, float]] = field(default_factory=list)

    def why(self, best: float, *, total: int, stepped: int, certified: bool) -> str | None:
        """Why the run ends with the ``best`` gap after ``total`` iterations, ``stepped`` of
        them its own steps; ``certified``: a point was certified in this slice."""
        if best <= self.gap:
            return "gap"
        if self.iteration_limit is not None:
            return "iteration limit" if total >= self.iteration_limit else None
        if certified:
            self.history.append((stepped, best))
            if self.watch and stalled(self.history):
                self.say(f"pdhg has stalled: gap {best:.3g} after {stepped} steps")
                return "stalled"
        return None


def stalled(history: list[tuple[int, float]]) -> bool:
    """Whether pdhg has stalled: its best certified gap, after each certificate so far with
    the steps taken then (``history``, the last the latest), has fallen by less than
    :data:`STALL_FALL` since it had taken a :data:`STALL_OVER`-th of the steps, from
    :data:`STALL_FROM` steps on.

    >>> stalled([(2048, 1e-4), (4096, 9.9e-5), (8192, 2e-5)])
    False
    >>> stalled([(2048, 1e-4), (4096, 2e-5), (8192, 1.9e-5)])  # fell in the last four times
    False
    >>> stalled([(2048, 1e-4), (4096, 9.9e-5), (8192, 9.5e-5)])
    True
    >>> stalled([(1024, 1e-4), (2048, 1e-4)])  # too early to tell
    False
    """
    steps, now = history[-1]
    if steps < STALL_FROM:
        return False
    # The steps only grow along the history: the last entry at a quarter of them by bisection.
    at = bisect.bisect_right(history, (steps // STALL_OVER, math.inf))
    return at > 0 and now > (1 - STALL_FALL) * history[at - 1][1]


#: pdhg's kernels by name (:func:`solve_pdhg`).
KERNELS: dict[str, type[_Halpern] | type[_Iterates]] = {"halpern": _Halpern, "pdlp": _Iterates}


def _initial_weight(q: _Scaled) -> float:
    """The primal weight to start with: the ratio of the objective's and the bounds' norms."""
    finite = np.isfinite(q.row_lower) | np.isfinite(q.row_upper)
    bounds = np.where(np.isfinite(q.row_lower), q.row_lower, q.row_upper)
    size = float(np.linalg.norm(bounds[finite]))  # 0 where every row was folded into bounds
    weight = float(np.linalg.norm(q.c)) / size if size > 0 else 1.0
    return weight if np.isfinite(weight) and weight > 0 else 1.0


def solve_pdhg(
    s: Structure,
    lp: LinearProgramme,
    *,
    labour: int,
    gap: float = DEFAULT_GAP,
    time_limit: float | None = None,
    iteration_limit: int | None = None,
    start: Candidate | None = None,
    progress: Progress | None = None,
    certified: Certificate | None = None,
    kernel: str = "auto",
) -> FirstOrderRun:
    """Run PDHG on ``lp`` until the certified gap reaches ``gap`` or a limit is hit.

    Parameters
    ----------
    s : Structure
        The economy's arrays (what the certificate reads).
    lp : LinearProgramme
        The stock-eliminated programme of ``s`` (:func:`~rada.planning.programme.build_programme`).
    labour : int
        The position of labour among the resources.
    gap : float
        Stop when the best certificate's relative gap is at most this.
    time_limit : float, optional
        Stop after this many seconds with the best certified plan so far.
    iteration_limit : int, optional
        Stop after this many iterations, likewise.
    start : Candidate, optional
        Where to start (another solver's rough plan and prices); by default the closed-form
        plan, or nothing produced where the economy has none.
    certified : Certificate, optional
        The certificate of ``start``, where the caller has made it, or the tighter
        certificate of everything the caller has tried so far (:func:`tighter`).
    kernel : str
        ``"halpern"``, restarted reflected Halpern PDHG (:class:`_Halpern`), ``"pdlp"``,
        PDLP's adaptive steps and averages (:class:`_Iterates`), or ``"auto"``: Halpern's
        unless the time limit leaves fewer than :data:`HALPERN_FROM_STEPS` of its steps
        (:func:`choose_kernel`).

    Without a limit of either kind the run also ends, ``"stalled"``, where its best gap has
    stopped falling (:func:`stalled`): its certificate can settle above the gap asked for.

    Once the best certificate's gap is :data:`PDHG_SHARPEN_FROM` or less, its prices are
    sharpened by the surrogate of the yearly balances (:func:`_sharpen`), within
    :data:`PDHG_SHARPEN_SHARE` of the time run so far; the simplex iterations count among
    the iterations.

    Returns
    -------
    FirstOrderRun
        The best certificate (its ``plan`` is feasible), the iterations and why it stopped.

    >>> from rada.planning.generate import generate_economy
    >>> from rada.planning.programme import build_programme
    >>> from rada.planning.structure import compile_economy
    >>> s = compile_economy(generate_economy(products=30, years=2, seed=1))
    >>> run = solve_pdhg(s, build_programme(s), labour=0, gap=1e-5)
    >>> run.stopped, run.certificate.gap <= 1e-5
    ('gap', True)
    """
    if kernel != "auto" and kernel not in KERNELS:
        known = ", ".join(["auto", *KERNELS])
        raise PlanningError(f"unknown pdhg kernel {kernel!r}; use one of {known}")
    say = progress or (lambda message: None)
    started = time.perf_counter()
    deadline = started + time_limit if time_limit is not None else np.inf
    whence = "closed-form start" if start is None else "start"
    if start is None:
        start = _start(s, lp, labour=labour)
    x, y = point_of(lp, start)
    best = certified if certified is not None else certify(s, start, labour=labour)
    certificates = 1
    cert_seconds = time.perf_counter() - started
    # What the deadline's checks count on a certificate taking: the longest so far (at
    # 100,000 x 5 one point's took 8 s and a later one's 14 s, and the run ended past its limit).
    cert_most = cert_seconds
    say(f"{whence}: gap {best.gap:.3g}")
    if best.gap <= gap:
        return FirstOrderRun(best, 0, time.perf_counter() - started, "gap", certificates)

    folded = FoldedRows(lp)
    q = _Scaled(folded.lp)
    if kernel == "auto":  # timed only where steps are to be taken, on the time left
        kernel = choose_kernel(q, None if time_limit is None else deadline - time.perf_counter())
    say(f"pdhg's kernel: {kernel}")
    it = KERNELS[kernel](q, x / q.cols, y[folded.kept] / q.rows)
    polish = s.n_techniques * s.years <= VERTEX_UP_TO
    finish_from = FINISH_FROM
    surrogate = Surrogate(lp)
    sharpening = 0.0
    wanted = _surrogate_seconds(lp)  # what the next try needs
    sharpened = np.inf  # the upper bound the last surrogate solved left
    sharpened_at = 0  # the steps pdhg had taken then
    total = simplex = 0
    # The run's own steps, not the polishes' or the finishes': what the kernel's artificial
    # restart and the polishes' schedule count (a polish takes up to 4,032 steps, which in the
    # count would put off the artificial restarts of the run it leaves untouched).
    stepped = 0
    last_certified = time.perf_counter()
    stopped = "time limit"
    polishing = _Polishing(started=started)
    side: PlanSide | None = None  # the plan side of the last certificate
    ending = _Ending(gap, iteration_limit=iteration_limit, watch=time_limit is None, say=say)
    while True:
        certified_now = False
        slice_started = time.perf_counter()
        it.steps(CHECK_EVERY)
        total += CHECK_EVERY
        stepped += CHECK_EVERY
        cand, restart = it.candidate(stepped)
        now = time.perf_counter()
        # End a slice early rather than late: where another slice and its certificate would
        # pass the deadline, this point is the last (at 100,000 x 5 a slice and a certificate
        # take about 20 s, past the grace the process alongside hipdlp is given).
        slice_seconds = now - slice_started
        polish_seconds, full_seconds = _polish_plan(
            slice_seconds / CHECK_EVERY, cert_seconds, time_limit
        )
        closing = now + slice_seconds + cert_most >= deadline or (
            iteration_limit is not None and total >= iteration_limit
        )  # the last slice's point is certified, whatever the share
        if now - last_certified >= cert_seconds / CERTIFY_SHARE or closing:
            point_x, point_y = cand[0] * q.cols, folded.unfold(cand[2] * q.rows)
            point = candidate_of(s, lp, point_x, point_y)
            cert_started = time.perf_counter()
            side = plan_side(s, point)
            certificate = certify(s, point, labour=labour, side=side)
            now = time.perf_counter()
            cert_seconds = now - cert_started
            cert_most = max(cert_most, cert_seconds)
            last_certified = now
            certificates += 1
            certified_now = True
            best = tighter(best, certificate)
            say(f"iteration {total}: gap {best.gap:.3g}")
            if polish and best.gap > gap and certificate.gap <= finish_from:
                # The next try only from a point ten times closer: a failed finish costs a
                # factorisation and up to MAX_PIVOTS pivots.
                finish_from = certificate.gap / 10
                budget = FINISH_SHARE * (now - started)
                left = budget if time_limit is None else min(budget, deadline - now)
                best, pivots, made = _finish_onto(
                    best, s, lp, point_x, point_y, labour=labour, seconds=left, say=say
                )
                total += pivots
                certificates += made
                now = time.perf_counter()
            # Sharpen the prices of the best upper bound so far (a point's own make a
            # surrogate too hard to solve in time at 10,000 x 5), whenever a point has proved
            # a better one than the last surrogate, within a share of the run so far and a
            # certificate's time short of the deadline. HiGHS's presolve, which makes the
            # surrogate three times faster, leaves no basis to go on from when the time is up;
            # so the first try waits for the time a surrogate of this size takes, and a try cut
            # short is followed by one only when there is twice its time.
            left = min(
                PDHG_SHARPEN_SHARE * (now - started) - sharpening,
                deadline - now - 2 * cert_most,
            )
            fresh = best.upper_bound < sharpened
            # Or from this point's rebuilt prices, once pdhg has taken as many steps again
            # since the last surrogate: its prices have moved on, where the surrogate's own,
            # rebuilt, lead back to the same surrogate.
            later = sharpened_at > 0 and total >= PDHG_RESHARPEN * sharpened_at
            ready = best.gap <= PDHG_SHARPEN_FROM or (
                time_limit is not None and now - started >= PDHG_SHARPEN_AFTER * time_limit
            )
            # Under a time limit, not before the polish before it: that polish, from a later
            # point, proves far more than a surrogate from the prices before. At 10,000 x 5
            # (seed 1) under a 120-s limit the surrogates after the polish at 4,096 steps took
            # 4.4 and 11.7 s in two runs and moved the gap from 6.2e-4 to 5.9e-4 and 7.4e-4 to
            # 6.3e-4; the polish before the limit proved 1.2e-4 to 1.8e-4 with them, and 7.5e-5
            # to 9.1e-5 with that time spent on steps.
            ready = ready and (time_limit is None or polishing.last)
            if ready and best.gap > gap and (fresh or later) and left > 0 and left >= wanted:
                prices = best.prices.product if fresh else certificate.prices.product
                best, used, made = _sharpen(
                    s, lp, surrogate, point_x, prices,
                    labour=labour, best=best, seconds=left, say=say, side=side,
                )  # fmt: skip
                wanted = 0.0 if made else 2 * left
                if made:
                    sharpened = best.upper_bound
                    sharpened_at = total
                simplex += used
                certificates += made
                sharpening += time.perf_counter() - now
                now = time.perf_counter()
        # Polish the prices (see _polish): from enough steps on each time they have doubled,
        # and once where the time left allows one polish only.
        after = 2 * (slice_seconds + cert_most)  # a slice and its certificate, twice
        if best.gap > gap and polishing.due(stepped, now, polish_seconds, after, deadline, closing):
            # A look (see POLISH_LOOK) where a full polish would take much of the time left.
            look = not polishing.final and full_seconds > POLISH_LOOK_SHARE * (deadline - now)
            upto = POLISH_LOOK if look else POLISH_STEPS[-1]
            best, used, made = _polish(
                s, lp, folded, q, cand, labour=labour, best=best, gap=gap,
                deadline=deadline if polishing.final else deadline - cert_most,
                say=say, upto=upto, side=side, fill=polishing.final,
            )  # fmt: skip
            total += used
            certificates += made
            now = time.perf_counter()
        why = ending.why(best.gap, total=total, stepped=stepped, certified=certified_now)
        if why is not None:
            stopped = why
            break
        # A certificate (or a surrogate) since the check above may leave no time for another
        # slice and its certificate: the point just certified is then the last (at 100,000
        # x 5, where a certificate takes 14 s, a run went on and ended 11 s past its limit).
        if closing or now + slice_seconds + cert_most >= deadline:
            break
        if restart:
            it.restart(cand)
    return FirstOrderRun(
        best, total + it.rejected + simplex, time.perf_counter() - started, stopped, certificates
    )
