"""Interval statistics and verdict rules for gilbench.

Why this module exists: on a shared, noisy machine the same backend got three different
verdicts in three runs because the driver judged *point estimates* (medians of three unpaired
samples). The functions here replace that with

* **paired ratios** -- each repeat times the baseline and the parallel executor back to back,
  so a slow moment on the machine slows both and cancels in their ratio;
* **distribution-free intervals for the median** -- from order statistics, with the coverage
  they actually achieve stated, not assumed;
* **repeat-until-stable** -- keep repeating while an interval is wider than +-5 % of its
  median and the time budget allows;
* **verdicts from intervals only** -- a class is given only when the *whole* interval lies on
  one side of the threshold; otherwise the answer is "inconclusive", never a guess.

Everything here is a pure function (no I/O, no clock, no randomness), so the same samples give
the same verdict every time and the rules can be tested exhaustively.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CONFIDENCE",
    "CPU_INFLATION",
    "DISPATCH_FACTOR",
    "HELD",
    "HELD_AT",
    "HELD_SHARE_AGREES",
    "INCONCLUSIVE",
    "MIN_REPEATS",
    "MIN_TASK_S",
    "PARTLY",
    "PYPERF_MINMAX_PCT",
    "PYPERF_STDEV_PCT",
    "REL_HALFWIDTH",
    "SCALES",
    "SCALES_AT",
    "TOO_SHORT",
    "VERDICTS",
    "Estimate",
    "Stopping",
    "classify",
    "classify_with_reason",
    "decided",
    "estimate",
    "instability",
    "median_ci",
    "median_ci_coverage",
    "min_repeats_for",
    "of_ceiling",
    "order_statistic_ranks",
    "paired_ratios",
    "rel_halfwidth",
    "should_continue",
    "stable_enough",
    "too_short",
    "too_short_reason",
    "unstable",
]

# --------------------------------------------------------------------------------------------
# Constants, each named once.
# --------------------------------------------------------------------------------------------

#: "scales": the interval of speedup / machine-ceiling speedup lies at or above this.
SCALES_AT = 0.8
#: "held": the interval of the speedup lies at or below this (1.3x on k workers is noise or
#: overhead, not parallelism).
HELD_AT = 1.3
#: For threads on a GIL build, "held" also needs the directly observed held share (see
#: gil_probe.py) to lie at or above this; 0.3 is well clear of the ~0 a GIL-free call gives
#: and below the ~0.5 that Python code taking turns gives.
HELD_SHARE_AGREES = 0.3
#: Workers that share no GIL (processes) and spend this many times the sequential run's CPU
#: time on the same tasks computed slower, not in turn.  In one repeat (``run``), they did
#: not have whole cores: a VM's two vCPUs on one physical core's two hardware threads each
#: run at about half speed, and the guest counts the time as CPU time all the same; that
#: repeat is set aside.  Over a whole interval, their "held" is "inconclusive": their
#: speedup is the cores they kept busy over that cost, which says nothing about turns.  On
#: a 2-vCPU AMD EPYC (Zen 3), idle, one run in five read pure Python under processes at
#: 1.12x [1.11-1.14] with 1.98 cores busy: both workers ran it 1.73-1.77x slower than the
#: parent did, for the whole cell, while native kernels in the same pool ran at 1.00x; the
#: other four runs read 1.03-1.07x and "scales".
CPU_INFLATION = 1.3
#: Keep repeating while an interval's half-width exceeds this fraction of its median.
REL_HALFWIDTH = 0.05
#: Nominal confidence of the median intervals.
CONFIDENCE = 0.95

# pyperf's instability thresholds (percent of the mean), see `instability`. Source:
# psf/pyperf, pyperf/_cli.py, format_checks() (read at commit 506eb6f3):
#     # Display a warning if the standard deviation is greater than 10%
#     # of the mean
#     ... if percent >= 10.0: warn("the standard deviation (%s) is %.0f%% of the mean (%s)" ...
#     # Minimum and maximum, detect obvious outliers
#     ... if abs(percent) >= 50: ... "the %s (%s) is %s than the mean (%s)"
# Both tests are ">=" in the code although the comment says "greater than"; we follow the code.
PYPERF_STDEV_PCT = 10.0
PYPERF_MINMAX_PCT = 50.0

#: Shortest task that can be timed honestly. pyperf warns when "the shortest raw value is only"
#: below 1 ms (psf/pyperf, pyperf/_cli.py, format_checks: "Check that the shortest raw value
#: took at least 1 ms"); below that, timer resolution, scheduler ticks and cache effects are a
#: large part of what is measured.
MIN_TASK_S = 1e-3
#: A task must take at least this many times the executor's dispatch cost (the time to run an
#: empty task through it). With dispatch d and task t = f*d, dispatch alone caps the fraction
#: of ceiling at about f/(f+1): f=4 gives exactly SCALES_AT (0.8), so below ~4 the overhead,
#: not the code, would decide between "scales" and "partly". f=10 caps it at 0.91, a margin.
DISPATCH_FACTOR = 10.0

# Verdict strings.
SCALES = "scales"
PARTLY = "partly"
HELD = "held"
INCONCLUSIVE = "inconclusive"
TOO_SHORT = "too short"
VERDICTS = (SCALES, PARTLY, HELD, INCONCLUSIVE, TOO_SHORT)


# --------------------------------------------------------------------------------------------
# Paired ratios
# --------------------------------------------------------------------------------------------


def _check_positive_pairs(a: Sequence[float], b: Sequence[float], what: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{what}: sequences differ in length ({len(a)} != {len(b)})")
    if not a:
        raise ValueError(f"{what}: no samples")
    for x in (*a, *b):
        if not (x > 0 and math.isfinite(x)):
            raise ValueError(f"{what}: every value must be finite and > 0, got {x!r}")


def paired_ratios(baseline: Sequence[float], parallel: Sequence[float]) -> list[float]:
    """Per-repeat speedups ``baseline[i] / parallel[i]``.

    Why paired: repeat i timed its baseline and its parallel run back to back, so machine-wide
    slow-downs (a neighbour process, frequency changes, a noisy hypervisor) hit both and
    largely cancel in their ratio. Taking the median of the baselines and the median of the
    parallel times separately throws that pairing away and lets noise in each add up. The
    median of these ratios (with `median_ci`) is what the verdicts are judged on.
    """
    _check_positive_pairs(baseline, parallel, "paired_ratios")
    return [b / p for b, p in zip(baseline, parallel, strict=True)]


def of_ceiling(speedups: Sequence[float], ceiling_speedups: Sequence[float]) -> list[float]:
    """Per-repeat fraction of the machine ceiling: ``speedups[i] / ceiling_speedups[i]``.

    The ceiling (k plain native threads, no Python) was timed in the same repeat as the
    speedup, so this ratio is paired too: a repeat during which the machine could only give
    1.4x of its 2 cores is compared with that 1.4x, not with a nominal 2x.
    """
    _check_positive_pairs(speedups, ceiling_speedups, "of_ceiling")
    return [s / c for s, c in zip(speedups, ceiling_speedups, strict=True)]


# --------------------------------------------------------------------------------------------
# Median confidence interval from order statistics
# --------------------------------------------------------------------------------------------


def _binom_half_cdf(n: int, k: int) -> float:
    """P(B <= k) for B ~ Binomial(n, 1/2), exactly (integers, then one division)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return sum(math.comb(n, i) for i in range(k + 1)) / (1 << n)


def _coverage_for_rank(n: int, j: int) -> float:
    """Coverage of [x_(j), x_(n+1-j)] (1-based order statistics) for the median.

    The population median m lies in the interval unless fewer than j samples fall below it or
    fewer than j fall above it. The count below m is Binomial(n, 1/2) for i.i.d. continuous
    samples, whatever their distribution, so coverage = P(j <= B <= n-j) = 1 - 2 P(B <= j-1).
    """
    return max(0.0, 1.0 - 2.0 * _binom_half_cdf(n, j - 1))


def order_statistic_ranks(n: int, confidence: float = CONFIDENCE) -> tuple[int, int, float]:
    """1-based ranks (j, n+1-j) of the narrowest symmetric order-statistic interval for the
    median whose coverage is at least `confidence`, and that coverage.

    When no such interval exists (n too small), returns (1, n, coverage of min..max), which
    is then *below* `confidence`: callers must report the coverage, not the nominal level.
    """
    if n < 1:
        raise ValueError("need at least one value")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    best_j = 1
    for j in range(1, (n + 1) // 2 + 1):
        if _coverage_for_rank(n, j) >= confidence:
            best_j = j
        else:
            break
    return best_j, n + 1 - best_j, _coverage_for_rank(n, best_j)


def median_ci_coverage(n: int, confidence: float = CONFIDENCE) -> float:
    """Coverage actually achieved by `median_ci` for n samples at nominal `confidence`.

    Order statistics only give a discrete set of coverages, so the achieved value is at least
    `confidence` when n is large enough and then usually above it (e.g. n=6: 0.969, n=9:
    0.961, n=20: 0.959). For small n even min..max is not enough, and the coverage is
    ``1 - 2**(1-n)``:

    ====  =================
    n     min..max coverage
    ====  =================
    1     0.0
    2     0.5
    3     0.75
    4     0.875
    5     0.9375
    6     0.96875 (>= 0.95)
    ====  =================

    So the driver's current 3 repeats give a 75 % interval at best; see `min_repeats_for`.
    """
    return order_statistic_ranks(n, confidence)[2]


def min_repeats_for(confidence: float = CONFIDENCE) -> int:
    """Smallest n whose min..max interval covers the median with at least `confidence`.

    Solves ``1 - 2**(1-n) >= confidence``: 6 for 0.95, 8 for 0.99, 5 for 0.90. The driver
    should never stop before this many repeats if it wants intervals at the stated level.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    n = 1
    while _coverage_for_rank(n, 1) < confidence:
        n += 1
    return n


#: Fewest repeats for a 95 % interval (6). The driver's minimum.
MIN_REPEATS = min_repeats_for(CONFIDENCE)


def median_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Distribution-free interval for the population median, from order statistics.

    Returns ``(x_(j), x_(n+1-j))`` for the largest j whose binomial coverage is at least
    `confidence` (see `order_statistic_ranks`). For n < `MIN_REPEATS` (n <= 5 at 95 %) no
    order-statistic interval reaches the level; min..max is returned and its true, lower
    coverage is given by `median_ci_coverage` (and carried in `Estimate.coverage`).

    Why order statistics and not a bootstrap:

    * exact for any continuous distribution (timings on a noisy VM are skewed, heavy-tailed
      and often bimodal); it only assumes the repeats are independent and identically
      distributed, which the driver's rotated, paired order is there to approximate;
    * the coverage is known exactly and can be printed, including how far short it falls
      for small n; a percentile bootstrap of the median with 5-10 samples is supported only
      on the observed values, is known to under-cover for small n, and does not say by how
      much;
    * deterministic: no resampling seed, so the same samples always give the same interval
      and hence the same verdict (the complaint was different verdicts for one backend);
    * cheap (no 10 000 resamples per cell).

    The cost is conservatism: coverage moves in steps, so the interval is usually a little
    wider than a nominal 95 % one would be.
    """
    if not values:
        raise ValueError("median_ci: no values")
    xs = sorted(values)
    j, k, _ = order_statistic_ranks(len(xs), confidence)
    return xs[j - 1], xs[k - 1]


# --------------------------------------------------------------------------------------------
# Estimate
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    """A median with its order-statistic interval.

    `coverage` is the coverage the interval actually has for `n` samples (below the nominal
    confidence when n < MIN_REPEATS), so a report can say "[1.2, 1.9], 75 % (3 repeats)"
    rather than pretend to 95 %.
    """

    median: float
    low: float
    high: float
    n: int
    coverage: float

    @property
    def halfwidth(self) -> float:
        """Half the interval's width (the interval need not be symmetric about the median)."""
        return (self.high - self.low) / 2.0

    @property
    def rel_halfwidth(self) -> float:
        """Half-width relative to the median; see `rel_halfwidth`."""
        return rel_halfwidth(self)

    def scaled(self, factor: float) -> Estimate:
        """The same estimate multiplied by a positive constant (e.g. 1 / usable cores)."""
        if not factor > 0:
            raise ValueError("factor must be > 0")
        return Estimate(
            self.median * factor, self.low * factor, self.high * factor, self.n, self.coverage
        )


def estimate(values: Sequence[float], confidence: float = CONFIDENCE) -> Estimate:
    """Median, order-statistic interval, n and achieved coverage of `values`."""
    if not values:
        raise ValueError("estimate: no values")
    for v in values:
        if not math.isfinite(v):
            raise ValueError(f"estimate: non-finite value {v!r}")
    low, high = median_ci(values, confidence)
    return Estimate(
        median=statistics.median(values),
        low=low,
        high=high,
        n=len(values),
        coverage=median_ci_coverage(len(values), confidence),
    )


def rel_halfwidth(est: Estimate) -> float:
    """``(high - low) / 2 / |median|``; 0 for a zero-width interval, inf if the median is 0.

    Relative width suits speedups and ceiling fractions (positive, away from zero). It is
    meaningless for quantities that sit near zero, such as a GIL held share of a call that
    releases the GIL: use `stable_enough(..., abs_halfwidth=...)` for those.
    """
    width = est.high - est.low
    if width == 0:
        return 0.0
    if est.median == 0:
        return math.inf
    return width / 2.0 / abs(est.median)


def stable_enough(
    est: Estimate,
    rel_halfwidth: float = REL_HALFWIDTH,
    *,
    abs_halfwidth: float | None = None,
    confidence: float = CONFIDENCE,
) -> bool:
    """True when `est` is narrow enough to stop repeating.

    Needs both (a) coverage of at least `confidence` -- three repeats that happen to agree
    still only give a 75 % interval, so "stable" must not be declared on them -- and (b) a
    half-width within `rel_halfwidth` of the median, or within `abs_halfwidth` in absolute
    terms when that is given (for shares near zero, where relative width explodes).
    """
    if est.coverage < confidence:
        return False
    if est.rel_halfwidth <= rel_halfwidth:
        return True
    return abs_halfwidth is not None and est.halfwidth <= abs_halfwidth


# --------------------------------------------------------------------------------------------
# pyperf-compatible instability check
# --------------------------------------------------------------------------------------------


def instability(values: Sequence[float]) -> str | None:
    """Why `values` look unstable by pyperf's rules, or None if they do not.

    Follows pyperf's ``format_checks`` (psf/pyperf, pyperf/_cli.py), which warns "the
    benchmark result may be unstable" when

    * "the standard deviation is greater than 10% of the mean" -- the code tests
      ``stdev * 100.0 / mean >= 10.0`` with the sample standard deviation, n >= 2, and
      prints "the standard deviation (%s) is %.0f%% of the mean (%s)";
    * the minimum or maximum is 50 % or more away from the mean -- ``abs(percent) >= 50``,
      printed as "the maximum (%s) is %.0f%% greater than the mean (%s)" (older pyperf/perf
      used 25 %).

    The thresholds here are the same (>= 10 %, >= 50 %), so a result gilbench calls unstable
    is one pyperf would too. This is a warning for the report; verdicts come from intervals
    (`classify`), which account for spread on their own.
    """
    if not values:
        raise ValueError("instability: no values")
    mean = statistics.fmean(values)
    if not mean > 0:
        return f"the mean ({mean:.6g}) is not positive, so relative spread is undefined"
    reasons: list[str] = []
    if len(values) >= 2:
        stdev = statistics.stdev(values)
        pct = stdev * 100.0 / mean
        if pct >= PYPERF_STDEV_PCT:
            reasons.append(
                f"the standard deviation ({stdev:.6g}) is {pct:.0f}% of the mean ({mean:.6g})"
            )
    for label, value in (("minimum", min(values)), ("maximum", max(values))):
        pct = (value - mean) * 100.0 / mean
        if abs(pct) >= PYPERF_MINMAX_PCT:
            side = "greater" if pct >= 0 else "smaller"
            reasons.append(
                f"the {label} ({value:.6g}) is {abs(pct):.0f}% {side} than the mean ({mean:.6g})"
            )
    return "; ".join(reasons) if reasons else None


def unstable(values: Sequence[float]) -> bool:
    """True when pyperf's rules call `values` unstable; `instability` gives the reason."""
    return instability(values) is not None


# --------------------------------------------------------------------------------------------
# Repeat until stable
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stopping:
    """When to stop repeating.

    Rules, in order:

    1. stop at `max_repeats`;
    2. always go on below `min_repeats` (default `MIN_REPEATS`, 6: fewer cannot give a 95 %
       interval, so stopping earlier could only produce "inconclusive");
    3. stop when the budget is used up, or when one more repeat of average length would
       overrun it (so the budget is a limit, not a target to overshoot by a whole repeat);
    4. otherwise go on while any estimate is not `stable_enough` (half-width above
       `rel_halfwidth` of its median, or below-level coverage).

    Pass the estimates the verdicts depend on (speedup and ceiling fraction per executor).
    Held shares near zero should be given with `abs_halfwidth` or left out: their relative
    width is not meaningful.
    """

    budget_s: float
    min_repeats: int = MIN_REPEATS
    max_repeats: int = 50
    rel_halfwidth: float = REL_HALFWIDTH
    abs_halfwidth: float | None = None
    confidence: float = CONFIDENCE

    def __post_init__(self) -> None:
        if self.min_repeats < 1 or self.max_repeats < self.min_repeats:
            raise ValueError("need 1 <= min_repeats <= max_repeats")
        if not self.budget_s >= 0:
            raise ValueError("budget_s must be >= 0")

    def reason(
        self, estimates_so_far: Sequence[Estimate], repeats_done: int, elapsed_s: float
    ) -> str | None:
        """Why to stop now, or None to go on repeating."""
        if repeats_done >= self.max_repeats:
            return f"reached max_repeats ({self.max_repeats})"
        if repeats_done < self.min_repeats:
            return None
        if elapsed_s >= self.budget_s:
            return f"budget used up ({elapsed_s:.1f} s of {self.budget_s:.1f} s)"
        per_repeat = elapsed_s / repeats_done if repeats_done else 0.0
        if elapsed_s + per_repeat > self.budget_s:
            return (
                f"another repeat (~{per_repeat:.1f} s) would overrun the budget "
                f"({elapsed_s:.1f} s of {self.budget_s:.1f} s used)"
            )
        wide = [
            e
            for e in estimates_so_far
            if not stable_enough(
                e,
                self.rel_halfwidth,
                abs_halfwidth=self.abs_halfwidth,
                confidence=self.confidence,
            )
        ]
        if not wide:
            return "every interval is within the target half-width"
        return None

    def should_continue(
        self, estimates_so_far: Sequence[Estimate], repeats_done: int, elapsed_s: float
    ) -> bool:
        """True to run another repeat."""
        return self.reason(estimates_so_far, repeats_done, elapsed_s) is None


def should_continue(
    estimates_so_far: Sequence[Estimate],
    repeats_done: int,
    elapsed_s: float,
    budget_s: float,
    min_repeats: int = MIN_REPEATS,
    max_repeats: int = 50,
) -> bool:
    """Functional form of `Stopping(...).should_continue(...)`; see `Stopping` for the rules."""
    policy = Stopping(budget_s=budget_s, min_repeats=min_repeats, max_repeats=max_repeats)
    return policy.should_continue(estimates_so_far, repeats_done, elapsed_s)


# --------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------


def too_short_reason(task_s: float, floor_s: float) -> str | None:
    """Why a task is too short to time honestly, or None.

    `task_s` is one task's sequential duration, `floor_s` the executor's dispatch cost (an
    empty task through it). Too short when under `MIN_TASK_S` (1 ms, pyperf's floor for a
    raw value) or under `DISPATCH_FACTOR` (10) times the dispatch cost, where overhead, not
    the code, would decide the verdict. Such cells get `TOO_SHORT`, not a judgement.
    """
    if task_s < MIN_TASK_S:
        return f"task takes {task_s * 1e3:.3g} ms, under the {MIN_TASK_S * 1e3:g} ms floor"
    if task_s < DISPATCH_FACTOR * floor_s:
        return (
            f"task takes {task_s * 1e3:.3g} ms, under {DISPATCH_FACTOR:g}x the executor's "
            f"dispatch cost ({floor_s * 1e3:.3g} ms)"
        )
    return None


def too_short(task_s: float, floor_s: float) -> bool:
    """True when the task is too short to judge; see `too_short_reason`."""
    return too_short_reason(task_s, floor_s) is not None


def _fmt(e: Estimate) -> str:
    return f"{e.median:.3g} [{e.low:.3g}, {e.high:.3g}] ({e.coverage:.0%}, n={e.n})"


def decided(speedup: Estimate, ceiling_fraction: Estimate | None) -> bool:
    """Whether the intervals already settle the class: clear of every line they could cross.

    Used to spend repeats where they change an answer: a cell whose speedup interval lies
    at or below `HELD_AT`, whose fraction interval lies at or above `SCALES_AT`, or which
    lies wholly between the two, will not change class with more repeats of the same kind.
    """
    if speedup.high <= HELD_AT:
        return True
    if ceiling_fraction is None:
        return speedup.low > HELD_AT
    return ceiling_fraction.low >= SCALES_AT or (
        speedup.low > HELD_AT and ceiling_fraction.high < SCALES_AT
    )


def classify_with_reason(
    speedup: Estimate,
    ceiling_fraction: Estimate | None,
    held_share: Estimate | None,
    *,
    executor_shares_gil: bool,
    gil_enabled: bool,
    usable_cores: int | None = None,
    min_coverage: float = CONFIDENCE,
    cpu_cost: Estimate | None = None,
) -> tuple[str, str]:
    """`classify`, plus a sentence saying why, for the report."""
    used = [speedup, ceiling_fraction]
    for e in used:
        if e is not None and e.coverage < min_coverage:
            return INCONCLUSIVE, (
                f"too few repeats: n={e.n} gives {e.coverage:.1%} coverage, under "
                f"{min_coverage:.0%} (need {min_repeats_for(min_coverage)})"
            )

    note = ""
    fraction = ceiling_fraction
    if fraction is None and usable_cores is not None:
        fraction = speedup.scaled(1.0 / usable_cores)
        note = f" (no ceiling measured: fraction = speedup / {usable_cores} usable cores)"

    is_held = speedup.high <= HELD_AT
    if fraction is not None and fraction.low >= SCALES_AT:
        if is_held:
            return INCONCLUSIVE, (
                f"speedup {_fmt(speedup)} is at most {HELD_AT}x yet of-ceiling "
                f"{_fmt(fraction)} is at least {SCALES_AT}: the machine ceiling was too low "
                f"to tell{note}"
            )
        return SCALES, f"of-ceiling {_fmt(fraction)} lies at or above {SCALES_AT}{note}"
    if is_held:
        base = f"speedup {_fmt(speedup)} lies at or below {HELD_AT}x"
        if executor_shares_gil and gil_enabled and held_share is not None:
            # The speedup's interval already shows no gain; the held share names the cause.
            # It agrees when its median says the GIL was held; only an interval wholly
            # below the line contradicts it.
            if held_share.high < HELD_SHARE_AGREES:
                return INCONCLUSIVE, (
                    f"{base}, but held share {_fmt(held_share)} says the GIL was mostly free:"
                    " the lack of speedup has another cause"
                )
            if held_share.median >= HELD_SHARE_AGREES:
                return HELD, f"{base}, and held share {_fmt(held_share)} agrees"
            return INCONCLUSIVE, (
                f"{base}, but held share {_fmt(held_share)} straddles {HELD_SHARE_AGREES} "
                "with its median below it"
            )
        if not executor_shares_gil and cpu_cost is not None and cpu_cost.low >= CPU_INFLATION:
            return INCONCLUSIVE, (
                f"{base}, but its workers took {_fmt(cpu_cost)} the sequential run's CPU time "
                "per task: they computed slower, not in turn"
            )
        return HELD, base
    if fraction is not None and speedup.low > HELD_AT and fraction.high < SCALES_AT:
        return PARTLY, (
            f"speedup {_fmt(speedup)} lies above {HELD_AT}x and of-ceiling {_fmt(fraction)}"
            f" below {SCALES_AT}{note}"
        )
    if fraction is None:
        return INCONCLUSIVE, (
            f"speedup {_fmt(speedup)} is not at or below {HELD_AT}x and there is neither a"
            " ceiling nor a core count to judge scaling against"
        )
    return INCONCLUSIVE, (
        f"intervals straddle a threshold: speedup {_fmt(speedup)}, of-ceiling {_fmt(fraction)}"
        f"{note}"
    )


def classify(
    speedup: Estimate,
    ceiling_fraction: Estimate | None,
    held_share: Estimate | None,
    *,
    executor_shares_gil: bool,
    gil_enabled: bool,
    usable_cores: int | None = None,
    min_coverage: float = CONFIDENCE,
    cpu_cost: Estimate | None = None,
) -> str:
    """Verdict from intervals, never from point estimates.

    * "scales": the of-ceiling interval (per-repeat speedup / ceiling speedup) lies at or
      above `SCALES_AT` (0.8);
    * "held": the speedup interval lies at or below `HELD_AT` (1.3x); for an executor whose
      workers share one GIL (threads) on a GIL build, when a held share is given it must
      agree: its median at or above `HELD_SHARE_AGREES` (0.3); if its interval lies
      wholly below 0.3, or straddles it with the median below, "inconclusive"; for one
      whose workers share none (processes), when their CPU time per task over the
      sequential run's (`cpu_cost`) is given, its interval lying at or above
      `CPU_INFLATION` (1.3) makes it "inconclusive";
    * "partly": the whole of both intervals lies between: speedup low > 1.3 and of-ceiling
      high < 0.8;
    * otherwise "inconclusive".

    When no ceiling was measured, pass `usable_cores`: the fraction is then speedup /
    usable_cores (exact for an interval: both ends divide by the same constant), and the
    reason says so. If both the "scales" and "held" conditions hold (a ceiling of ~1.3x or
    less), the machine could not separate the two and the answer is "inconclusive".

    Estimates whose coverage is under `min_coverage` (default 95 %: fewer than 6 repeats)
    give "inconclusive": a min..max over 3 repeats is a 75 % interval and does not support a
    verdict. `too_short` is checked by the caller before this: such cells are `TOO_SHORT`.

    `held_share` comes from gil_probe (pass `GilObservation.held_share_for_verdict`, which is
    None when the probe ran on an oversubscribed machine and reads biased towards "free").
    Its coverage is not checked here: the probe's default 5 repeats give 94 %.
    """
    return classify_with_reason(
        speedup,
        ceiling_fraction,
        held_share,
        executor_shares_gil=executor_shares_gil,
        gil_enabled=gil_enabled,
        usable_cores=usable_cores,
        min_coverage=min_coverage,
        cpu_cost=cpu_cost,
    )[0]
