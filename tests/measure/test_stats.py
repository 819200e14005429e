"""Tests for stats.py: interval arithmetic, coverage, pyperf rules, stopping and verdicts.

Everything is synthetic and deterministic: no timing is measured here.
"""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gilbench.measure import stats
from gilbench.measure.stats import (
    CONFIDENCE,
    HELD,
    HELD_AT,
    HELD_SHARE_AGREES,
    INCONCLUSIVE,
    MIN_REPEATS,
    PARTLY,
    REL_HALFWIDTH,
    SCALES,
    SCALES_AT,
    TOO_SHORT,
    VERDICTS,
    Estimate,
    Stopping,
    classify,
    classify_with_reason,
    estimate,
    instability,
    median_ci,
    median_ci_coverage,
    min_repeats_for,
    of_ceiling,
    order_statistic_ranks,
    paired_ratios,
    should_continue,
    stable_enough,
    too_short,
    too_short_reason,
    unstable,
)


def est(values: list[float]) -> Estimate:
    return estimate(values)


def tight(center: float, n: int = 8, spread: float = 0.01) -> Estimate:
    """An estimate from n values spread +-spread around center (coverage >= 95 % for n >= 6)."""
    step = 2 * spread / (n - 1)
    return estimate([center - spread + i * step for i in range(n)])


# --------------------------------------------------------------------------- constants


def test_constants_named_once() -> None:
    assert (SCALES_AT, HELD_AT, HELD_SHARE_AGREES, REL_HALFWIDTH, CONFIDENCE) == (
        0.8,
        1.3,
        0.3,
        0.05,
        0.95,
    )
    assert TOO_SHORT == "too short"
    assert set(VERDICTS) == {"scales", "partly", "held", "inconclusive", "too short"}


# --------------------------------------------------------------------------- paired ratios


def test_paired_ratios_divides_per_repeat() -> None:
    assert paired_ratios([2.0, 3.0, 4.0], [1.0, 2.0, 4.0]) == [2.0, 1.5, 1.0]


def test_paired_ratios_keeps_pairing_where_unpaired_medians_mislead() -> None:
    # Machine slowed down by 2x in the second half: each pair still says 2x.
    base = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    par = [0.5, 0.5, 0.5, 1.0, 1.0, 1.0]
    assert paired_ratios(base, par) == [2.0] * 6
    assert statistics.median(base) / statistics.median(par) == pytest.approx(2.0)
    est_ = estimate(paired_ratios(base, par))
    assert (est_.low, est_.high) == (2.0, 2.0)


@pytest.mark.parametrize(
    ("a", "b"),
    [([1.0], [1.0, 2.0]), ([], []), ([1.0], [0.0]), ([-1.0], [1.0]), ([math.nan], [1.0])],
)
def test_paired_ratios_rejects_bad_input(a: list[float], b: list[float]) -> None:
    with pytest.raises(ValueError):
        paired_ratios(a, b)


def test_of_ceiling() -> None:
    assert of_ceiling([1.6, 1.0], [2.0, 2.0]) == [0.8, 0.5]


# --------------------------------------------------------------------------- coverage


@pytest.mark.parametrize(
    ("n", "coverage"),
    [(1, 0.0), (2, 0.5), (3, 0.75), (4, 0.875), (5, 0.9375), (6, 0.96875), (7, 0.984375)],
)
def test_min_max_coverage_small_n(n: int, coverage: float) -> None:
    assert median_ci_coverage(n) == pytest.approx(coverage)
    assert median_ci_coverage(n) == pytest.approx(1 - 2 ** (1 - n))
    assert order_statistic_ranks(n)[:2] == (1, n)


def test_small_n_falls_short_of_95() -> None:
    for n in range(1, 6):
        assert median_ci_coverage(n) < 0.95
    assert median_ci_coverage(6) >= 0.95


@pytest.mark.parametrize(
    ("n", "ranks", "coverage"),
    [
        (9, (2, 8), 0.9609375),
        (10, (2, 9), 0.978515625),
        (12, (3, 10), 0.96142578125),
        (17, (5, 13), 0.950958251953125),
        (20, (6, 15), 0.9586105346679688),
    ],
)
def test_known_order_statistic_ranks(n: int, ranks: tuple[int, int], coverage: float) -> None:
    j, k, cov = order_statistic_ranks(n)
    assert (j, k) == ranks
    assert cov == pytest.approx(coverage)
    assert cov >= 0.95
    # one step narrower would fall under 95 %
    assert stats._coverage_for_rank(n, j + 1) < 0.95


def test_min_repeats() -> None:
    assert MIN_REPEATS == 6
    assert min_repeats_for(0.95) == 6
    assert min_repeats_for(0.99) == 8
    assert min_repeats_for(0.90) == 5


def test_median_ci_picks_order_statistics() -> None:
    values = [float(v) for v in range(1, 21)]
    random.Random(0).shuffle(values)
    assert median_ci(values) == (6.0, 15.0)
    assert median_ci([5.0, 1.0, 3.0, 2.0, 4.0]) == (1.0, 5.0)  # n=5: min..max
    assert median_ci([7.0]) == (7.0, 7.0)


def test_median_ci_rejects_empty_and_bad_confidence() -> None:
    with pytest.raises(ValueError):
        median_ci([])
    with pytest.raises(ValueError):
        median_ci([1.0, 2.0], confidence=1.0)
    with pytest.raises(ValueError):
        min_repeats_for(0.0)


@pytest.mark.parametrize("n", [5, 6, 9, 20])
def test_coverage_claim_by_simulation(n: int) -> None:
    """Seeded Monte Carlo: the stated coverage is what skewed data actually get."""
    rng = random.Random(12345 + n)
    true_median = math.log(2)  # of Exp(1): skewed, like timings
    trials = 4000
    hits = 0
    for _ in range(trials):
        low, high = median_ci([rng.expovariate(1.0) for _ in range(n)])
        hits += low <= true_median <= high
    assert hits / trials == pytest.approx(median_ci_coverage(n), abs=0.02)


# --------------------------------------------------------------------------- Estimate


def test_estimate_fields() -> None:
    e = estimate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert (e.median, e.low, e.high, e.n) == (3.5, 1.0, 6.0, 6)
    assert e.coverage == pytest.approx(0.96875)
    assert e.halfwidth == 2.5
    assert e.rel_halfwidth == pytest.approx(2.5 / 3.5)


def test_estimate_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        estimate([1.0, math.inf])
    with pytest.raises(ValueError):
        estimate([])


def test_rel_halfwidth_edges() -> None:
    assert stats.rel_halfwidth(Estimate(0.0, 0.0, 0.0, 6, 0.97)) == 0.0
    assert stats.rel_halfwidth(Estimate(0.0, -0.1, 0.1, 6, 0.97)) == math.inf


def test_stable_enough() -> None:
    assert stable_enough(tight(2.0, spread=0.05))  # +-2.5 %
    assert not stable_enough(tight(2.0, spread=0.3))  # +-15 %
    # narrow but only 3 repeats: 75 % coverage is not "stable"
    assert not stable_enough(estimate([2.0, 2.0, 2.01]))
    # near-zero shares: relative width explodes, absolute width decides
    near_zero = tight(0.01, spread=0.02)
    assert not stable_enough(near_zero)
    assert stable_enough(near_zero, abs_halfwidth=0.05)


def test_scaled() -> None:
    e = tight(2.0).scaled(0.5)
    assert e.median == pytest.approx(1.0)
    with pytest.raises(ValueError):
        tight(2.0).scaled(0.0)


# --------------------------------------------------------------------------- pyperf rules


def test_instability_none_for_steady_values() -> None:
    assert instability([1.0, 1.01, 0.99, 1.0, 1.02]) is None
    assert not unstable([1.0])


def test_instability_stdev_rule() -> None:
    values = [1.0, 1.3, 0.7, 1.2, 0.8]  # stdev ~0.25 of the mean, min/max within 30 %
    reason = instability(values)
    assert reason is not None
    assert "standard deviation" in reason
    assert "of the mean" in reason
    assert unstable(values)


def test_instability_minmax_rule() -> None:
    # 19 values at 1.0 and one at 3.0: stdev ~ 0.43 of mean, max 82 % above the mean
    values = [1.0] * 19 + [3.0]
    reason = instability(values)
    assert reason is not None
    assert "maximum" in reason
    assert "greater than the mean" in reason
    # min 50 % below the mean
    reason = instability([1.0] * 30 + [0.1] * 1 + [1.9] * 1)
    assert reason is not None


def test_instability_minmax_alone() -> None:
    # many equal values and one far one: max >= 50 % above mean; stdev check reported too
    # only if >= 10 %, so build a case where stdev < 10 % but max is 60 % above the mean
    values = [1.0] * 400 + [1.6 * 1.0015]
    reason = instability(values)
    assert reason is not None
    assert "standard deviation" not in reason
    assert "maximum" in reason


def test_instability_non_positive_mean() -> None:
    assert instability([0.0, 0.0]) is not None
    with pytest.raises(ValueError):
        instability([])


# --------------------------------------------------------------------------- stopping


def test_stopping_rules() -> None:
    wide = tight(2.0, spread=0.4)
    narrow = tight(2.0, spread=0.02)
    policy = Stopping(budget_s=60.0)
    assert policy.should_continue([wide], repeats_done=2, elapsed_s=100.0)  # below min
    assert policy.should_continue([wide], repeats_done=6, elapsed_s=6.0)
    assert not policy.should_continue([narrow], repeats_done=6, elapsed_s=6.0)
    assert policy.should_continue([narrow, wide], repeats_done=6, elapsed_s=6.0)
    assert not policy.should_continue([wide], repeats_done=10, elapsed_s=60.0)  # budget
    # one more 8 s repeat would overrun 60 s
    assert not policy.should_continue([wide], repeats_done=7, elapsed_s=56.0)
    assert not policy.should_continue([wide], repeats_done=50, elapsed_s=1.0)  # max
    reason = policy.reason([wide], repeats_done=10, elapsed_s=61.0)
    assert reason is not None
    assert "budget" in reason


def test_should_continue_function() -> None:
    wide = tight(2.0, spread=0.4)
    assert should_continue([wide], 3, 1.0, 10.0)
    assert should_continue([wide], 6, 1.0, 10.0)
    assert not should_continue([wide], 6, 11.0, 10.0)
    assert not should_continue([wide], 5, 1.0, 10.0, min_repeats=3, max_repeats=5)
    assert not should_continue([tight(2.0)], 6, 1.0, 10.0)


def test_stopping_validates() -> None:
    with pytest.raises(ValueError):
        Stopping(budget_s=1.0, min_repeats=10, max_repeats=5)


# --------------------------------------------------------------------------- too short


def test_too_short() -> None:
    assert too_short(0.0005, 0.0)
    assert too_short(0.005, 0.001)  # 5x dispatch cost
    assert not too_short(0.05, 0.001)
    reason = too_short_reason(0.0005, 0.0)
    assert reason is not None
    assert "1 ms" in reason
    reason = too_short_reason(0.005, 0.001)
    assert reason is not None
    assert "dispatch" in reason
    assert too_short_reason(0.05, 0.001) is None


# --------------------------------------------------------------------------- verdicts


def kw(shares_gil: bool = True, gil: bool = True) -> dict[str, bool]:
    return {"executor_shares_gil": shares_gil, "gil_enabled": gil}


def test_scales() -> None:
    assert classify(tight(1.9), tight(0.95), None, **kw()) == SCALES
    # interval exactly at the threshold counts
    assert classify(tight(1.9), estimate([0.8] * 3 + [0.85] * 3), None, **kw()) == SCALES


def test_held_without_share() -> None:
    assert classify(tight(1.0), tight(0.5), None, **kw(shares_gil=False)) == HELD
    assert classify(estimate([1.3] * 6), tight(0.5), None, **kw()) == HELD


def test_held_share_agrees() -> None:
    assert classify(tight(1.0), tight(0.5), tight(0.5, spread=0.1), **kw()) == HELD


def test_held_share_disagrees_is_inconclusive() -> None:
    verdict, reason = classify_with_reason(tight(1.0), tight(0.5), tight(0.05), **kw())
    assert verdict == INCONCLUSIVE
    assert "mostly free" in reason


def test_held_share_straddling_agrees_by_its_median() -> None:
    above = estimate([0.22, 0.45, 0.5, 0.52, 0.6, 0.66])  # median 0.51, interval from 0.22
    below = estimate([0.1, 0.2, 0.25, 0.27, 0.35, 0.4])  # median 0.26, interval up to 0.4
    assert classify(tight(1.0), tight(0.5), above, **kw()) == HELD
    assert classify(tight(1.0), tight(0.5), below, **kw()) == INCONCLUSIVE


def test_held_share_ignored_for_processes_and_free_threading() -> None:
    free = tight(0.05)
    assert classify(tight(1.0), tight(0.5), free, **kw(shares_gil=False)) == HELD
    assert classify(tight(1.0), tight(0.5), free, **kw(gil=False)) == HELD


def test_processes_whose_workers_computed_slower_are_not_held() -> None:
    verdict, reason = classify_with_reason(
        tight(1.12), tight(0.56), None, **kw(shares_gil=False), cpu_cost=tight(1.77)
    )
    assert verdict == INCONCLUSIVE and "computed slower, not in turn" in reason
    assert (
        classify(tight(1.12), tight(0.56), None, **kw(shares_gil=False), cpu_cost=tight(1.0))
        == HELD
    )
    # threads share one GIL: their CPU time says nothing of turns
    assert classify(tight(1.12), tight(0.56), None, **kw(), cpu_cost=tight(1.77)) == HELD


def test_partly() -> None:
    assert classify(tight(1.5), tight(0.6), None, **kw()) == PARTLY


def test_inconclusive_when_straddling() -> None:
    # speedup straddles 1.3
    assert classify(tight(1.3, spread=0.2), tight(0.6), None, **kw()) == INCONCLUSIVE
    # fraction straddles 0.8
    assert classify(tight(1.6), tight(0.8, spread=0.1), None, **kw()) == INCONCLUSIVE


def test_noisy_set_is_inconclusive_never_a_wrong_class() -> None:
    ratios = [1.1, 1.25, 1.4, 1.55, 1.7, 1.85, 2.0]
    sp = estimate(ratios)
    assert classify(sp, None, None, usable_cores=2, **kw()) == INCONCLUSIVE
    # with a measured ceiling of ~1.9x
    frac = estimate(of_ceiling(ratios, [1.9] * len(ratios)))
    assert classify(sp, frac, None, **kw()) == INCONCLUSIVE
    assert classify(sp, frac, tight(0.5), **kw()) == INCONCLUSIVE
    # the same spread with more repeats still straddles
    many = [1.1 + 0.9 * i / 29 for i in range(30)]
    assert classify(estimate(many), None, None, usable_cores=2, **kw()) == INCONCLUSIVE


def test_no_ceiling_uses_usable_cores() -> None:
    verdict, reason = classify_with_reason(tight(1.9), None, None, usable_cores=2, **kw())
    assert verdict == SCALES
    assert "usable cores" in reason
    assert classify(tight(1.5), None, None, usable_cores=2, **kw()) == PARTLY
    assert classify(tight(1.5), None, None, usable_cores=None, **kw()) == INCONCLUSIVE
    assert classify(tight(1.0), None, None, **kw(shares_gil=False)) == HELD


def test_too_few_repeats_is_inconclusive() -> None:
    three = estimate([1.9, 1.95, 2.0])
    verdict, reason = classify_with_reason(three, estimate([0.95, 0.97, 0.99]), None, **kw())
    assert verdict == INCONCLUSIVE
    assert "too few repeats" in reason
    assert classify(three, estimate([0.95, 0.97, 0.99]), None, min_coverage=0.7, **kw()) == SCALES


def test_low_ceiling_cannot_separate_scaling_from_holding() -> None:
    # ceiling ~1.2x: speedup 1.15x is 0.96 of it, but also below 1.3x
    assert classify(tight(1.15), tight(0.96), None, **kw()) == INCONCLUSIVE


# --------------------------------------------------------------------------- properties

finite = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, min_size=1, max_size=60))
def test_interval_contains_sample_median(values: list[float]) -> None:
    low, high = median_ci(values)
    assert low <= statistics.median(values) <= high
    assert low in values
    assert high in values


@given(st.lists(finite, min_size=1, max_size=60), st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]))
def test_low_le_high_and_coverage_meets_level_when_possible(
    values: list[float], confidence: float
) -> None:
    e = estimate(values, confidence)
    assert e.low <= e.median <= e.high
    assert 0.0 <= e.coverage < 1.0
    if len(values) >= min_repeats_for(confidence):
        assert e.coverage >= confidence
    else:
        assert (e.low, e.high) == (min(values), max(values))


@given(st.integers(min_value=1, max_value=200))
def test_coverage_never_falls_below_level_past_minimum(n: int) -> None:
    if n >= MIN_REPEATS:
        assert median_ci_coverage(n) >= CONFIDENCE
    else:
        assert median_ci_coverage(n) < CONFIDENCE


ratio_lists = st.lists(st.floats(min_value=0.2, max_value=4.0), min_size=1, max_size=30)


@settings(max_examples=300)
@given(ratio_lists, st.one_of(st.none(), ratio_lists), st.one_of(st.none(), ratio_lists))
def test_verdicts_are_supported_by_whole_intervals(
    sp: list[float], frac: list[float] | None, held: list[float] | None
) -> None:
    s = estimate(sp)
    f = estimate(frac) if frac is not None else None
    h = estimate([x / 4 for x in held]) if held is not None else None
    verdict = classify(s, f, h, executor_shares_gil=True, gil_enabled=True, usable_cores=2)
    assert verdict in VERDICTS
    fraction = f if f is not None else s.scaled(0.5)
    if verdict != INCONCLUSIVE:
        assert s.coverage >= CONFIDENCE
    if verdict == SCALES:
        assert fraction.low >= SCALES_AT
    if verdict == HELD:
        assert s.high <= HELD_AT
        assert h is None or h.median >= HELD_SHARE_AGREES
    if verdict == PARTLY:
        assert s.low > HELD_AT
        assert fraction.high < SCALES_AT
