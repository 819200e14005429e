"""From samples to answers: paired speedups, intervals, ceiling fractions and verdict classes,
on synthetic samples (nothing is timed here)."""

from __future__ import annotations

import statistics

import pytest

from gilbench.measure import analysis, stats
from gilbench.measure.analysis import (
    busy_machine_warnings,
    ceiling_warnings,
    cpu_cost,
    finish_run,
    held_share,
    judge,
    judged,
    noise_summary,
)
from helpers import SIX, near, observed_gil, pair, record, run_of

WOBBLY = (1.0, 1.1, 0.9, 1.0, 1.25, 0.8)  # 2.0 / these: 2, 1.82, 2.22, 2, 1.6, 2.5


# --- one record's arithmetic ---------------------------------------------------------------


def test_the_speedup_is_the_median_of_the_paired_ratios_with_its_interval() -> None:
    found = record("cpp", "threads", 2, walls=WOBBLY, baseline=SIX)
    assert found.ratios == pytest.approx([2.0, 2.0 / 1.1, 2.0 / 0.9, 2.0, 1.6, 2.5])
    assert found.speedup == pytest.approx(2.0)
    # 6 repeats: the 95% interval of the median is min..max (coverage 1 - 2**-5 = 0.969)
    assert found.speedup_ci == pytest.approx([1.6, 2.5])
    assert found.efficiency == pytest.approx(1.0)
    assert found.wall_s == pytest.approx(1.0) and found.repeat == 6
    assert found.task_s == pytest.approx(1.0)  # the sequential time over the 2 tasks
    assert found.unstable and "standard deviation" in (found.instability or "")


def test_the_ceiling_fraction_is_paired_per_repeat_too() -> None:
    ceilings = (2.0, 1.6, 2.0, 2.0, 1.6, 2.0)
    found = record("cpp", "threads", 2, walls=WOBBLY, baseline=SIX, ceilings=ceilings)
    fractions = [r / c for r, c in zip(found.ratios, ceilings, strict=True)]
    assert found.ceiling_ratios == list(ceilings)
    assert found.ceiling == pytest.approx(2.0)
    assert found.ceiling_fraction == pytest.approx(statistics.median(fractions))
    assert found.ceiling_fraction_ci == pytest.approx([min(fractions), max(fractions)])


def test_an_executor_that_tells_its_own_cost_apart_is_judged_on_the_work() -> None:
    # Two tasks of 1 s, a run of 1.3 s of which the executor (Dask) said 0.3 s was its own.
    dask = record("cpp", "dask-threads", 2, walls=near(2 / 1.3), baseline=SIX,
                  ceilings=(2.0,) * 6, overhead=0.3)  # fmt: skip
    assert dask.speedup == pytest.approx(2 / 1.3, abs=0.01)  # the run, Dask's cost in it
    assert dask.work_speedup == pytest.approx(2.0, abs=0.02)  # the work alone
    assert dask.work_ceiling_fraction == pytest.approx(1.0, abs=0.01)
    assert dask.overhead_samples_s == [0.3] * 6
    assert judge(run_of(dask), dask) == stats.SCALES  # the run alone would be "partly" (0.77)
    threads = record("cpp", "threads", 2, walls=near(2 / 1.3), baseline=SIX, ceilings=(2.0,) * 6)
    assert threads.work_speedup is None and judge(run_of(threads), threads) == stats.PARTLY


def test_held_on_the_work_when_the_tasks_took_turns() -> None:
    # 2.3 s a run, 0.3 s of it Dask's: the work took 2 s, as long as one task after the other.
    dask = record("cpp", "dask-threads", 2, walls=near(2 / 2.3), baseline=SIX,
                  ceilings=(2.0,) * 6, overhead=0.3)  # fmt: skip
    assert dask.work_speedup == pytest.approx(1.0, abs=0.01)
    assert judge(run_of(dask), dask) == stats.HELD


@pytest.mark.parametrize(
    ("executor", "cores_busy", "verdict"),
    [
        ("processes", 1.98, stats.INCONCLUSIVE),  # at once, each task 1.77x its CPU time
        ("processes", 1.12, stats.HELD),  # in turn: the same CPU time, spread out
        ("threads", 1.98, stats.HELD),  # a shared GIL: CPU time says nothing of turns
    ],
)
def test_workers_that_computed_slower_are_not_called_held(
    executor: str, cores_busy: float, verdict: str
) -> None:
    # 1.12x on 2 workers: what pure Python under processes read in one run of five (Zen 3).
    baseline = record("python", "sequential", 2, walls=SIX, releases_gil=False)
    found = record("python", executor, 2, walls=near(1.12), baseline=SIX,
                   ceilings=(2.0,) * 6, releases_gil=False, cores_busy=cores_busy)  # fmt: skip
    results = run_of(baseline, found)
    assert judge(results, found) == verdict
    cost = cpu_cost(results, found)
    if executor == "threads":
        assert cost is None
    else:
        assert cost is not None and cost.median == pytest.approx(cores_busy / 1.12, abs=0.02)


def test_one_worker_has_a_ceiling_of_one() -> None:
    found = record("cpp", "threads", 1, walls=(1.0,) * 6, baseline=(1.0,) * 6)
    assert found.ceiling == 1.0 and found.ceiling_ratios == []
    assert found.ceiling_fraction == found.speedup == pytest.approx(1.0)
    assert found.ceiling_fraction_ci == found.speedup_ci


def test_a_record_without_a_baseline_has_no_speedup() -> None:
    found = record("cpp", "threads", 2, walls=WOBBLY)
    assert found.speedup is None and found.speedup_ci is None and found.ratios == []
    assert found.task_s is None
    assert run_of(found).records[0].verdict is None


def test_the_baseline_record_is_not_judged() -> None:
    found = record("cpp", "sequential", 2, walls=SIX)
    assert found.speedup is None and found.task_s == pytest.approx(1.0)
    assert not found.unstable and found.instability is None
    assert judge(run_of(found), found) is None


def test_cores_busy_is_cpu_over_wall() -> None:
    found = record("cpp", "threads", 2, walls=(0.5,) * 6, baseline=SIX, cores_busy=1.9)
    assert found.cores_busy == pytest.approx(1.9)
    assert found.ns_per_element == pytest.approx(0.5 / 2_000_000 * 1e9)


# --- verdict classes, read from the intervals ----------------------------------------------


def test_scales_when_the_whole_fraction_interval_is_at_or_above_0_8() -> None:
    results = run_of(*pair("cpp", "threads", 1.95))
    assert results.find("cpp", "threads", 2).verdict == "scales"


def test_partly_when_both_intervals_lie_between_the_lines() -> None:
    results = run_of(*pair("cpp", "processes", 1.5))  # of ceiling 0.75
    assert results.find("cpp", "processes", 2).verdict == "partly"


def test_held_when_the_speedup_interval_is_at_or_below_1_3() -> None:
    results = run_of(*pair("python", "processes", 1.0, releases_gil=False))
    assert results.find("python", "processes", 2).verdict == "held"


def test_inconclusive_when_an_interval_straddles_a_line() -> None:
    results = run_of(*pair("cpp", "threads", 1.6, spread=0.3))  # fraction 0.65 .. 0.95
    assert results.find("cpp", "threads", 2).verdict == "inconclusive"


def test_held_under_threads_needs_the_observed_gil_to_agree() -> None:
    held = {"python": observed_gil(0.5, 0.45, 0.55)}
    free = {"python": observed_gil(0.02, 0.0, 0.05)}
    straddles_above = {"python": observed_gil(0.35, 0.1, 0.5)}
    straddles_below = {"python": observed_gil(0.25, 0.1, 0.5)}
    for gil, verdict in (
        (held, "held"),
        (free, "inconclusive"),
        (straddles_above, "held"),  # the median names the cause; the speedup shows no gain
        (straddles_below, "inconclusive"),
        (None, "held"),
    ):
        results = run_of(*pair("python", "threads", 1.0, releases_gil=False), gil=gil)
        assert results.find("python", "threads", 2).verdict == verdict, gil


def test_processes_do_not_consult_the_gil() -> None:
    free = {"python": observed_gil(0.02, 0.0, 0.05)}
    results = run_of(*pair("python", "processes", 1.0, releases_gil=False), gil=free)
    assert results.find("python", "processes", 2).verdict == "held"


def test_on_a_build_without_a_gil_held_needs_no_agreement() -> None:
    free = {"cpp-gil": observed_gil(0.02, 0.0, 0.05, enabled=False)}
    results = run_of(
        *pair("cpp-gil", "threads", 1.0, releases_gil=False), gil=free, gil_enabled=False
    )
    assert results.find("cpp-gil", "threads", 2).verdict == "held"


def test_python_may_scale_on_a_build_without_a_gil() -> None:
    free = {"python": observed_gil(0.05, 0.0, 0.1, enabled=False)}
    results = run_of(
        *pair("python", "threads", 1.95, releases_gil=False), gil=free, gil_enabled=False
    )
    assert results.find("python", "threads", 2).verdict == "scales"


def test_without_a_ceiling_the_fraction_is_against_the_usable_cores() -> None:
    results = run_of(*pair("cpp", "threads", 1.95, ceiling=None), cpus=2)
    assert results.find("cpp", "threads", 2).verdict == "scales"
    # 4 workers on 2 cores: 1.9x is all the cores allow
    results = run_of(*pair("cpp", "threads", 1.9, workers=4, ceiling=None), cpus=2)
    assert results.find("cpp", "threads", 4).verdict == "scales"
    # 4 workers on 4 cores: 1.9x is half of them
    results = run_of(*pair("cpp", "threads", 1.9, workers=4, ceiling=None), cpus=4)
    assert results.find("cpp", "threads", 4).verdict == "partly"


def test_a_low_ceiling_cannot_tell_scales_from_held() -> None:
    results = run_of(*pair("cpp", "threads", 1.05, ceiling=1.05))  # of ceiling 1.0, 1.05x
    assert results.find("cpp", "threads", 2).verdict == "inconclusive"
    assert any("machine ceiling at 2 workers: 1.05x" in w for w in ceiling_warnings(results))


def test_too_short_when_one_task_is_under_a_millisecond() -> None:
    baseline = record("cpp", "sequential", 2, walls=(0.0015,) * 6)
    parallel = record("cpp", "threads", 2, walls=(0.00075,) * 6, baseline=(0.0015,) * 6)
    assert parallel.task_s == pytest.approx(0.00075)
    assert run_of(baseline, parallel).find("cpp", "threads", 2).verdict == "too short"


def test_fewer_repeats_than_a_95_percent_interval_needs_are_inconclusive() -> None:
    three = (2.0, 2.0, 2.0)
    baseline = record("python", "sequential", 2, walls=three)
    parallel = record("python", "processes", 2, walls=(2.0, 2.01, 1.99), baseline=three)
    assert parallel.repeat == 3 < stats.MIN_REPEATS
    assert run_of(baseline, parallel).find("python", "processes", 2).verdict == "inconclusive"


def test_held_share_is_read_from_the_runs_observation() -> None:
    results = run_of(gil={"cpp": observed_gil(0.1, 0.05, 0.2)})
    found = held_share(results, "cpp")
    assert found is not None
    assert (found.median, found.low, found.high, found.n) == (0.1, 0.05, 0.2, 5)
    assert held_share(results, "numpy") is None


# --- which record answers, and what the machine did ---------------------------------------


def test_the_answer_is_read_at_the_largest_worker_count_within_the_cores() -> None:
    two = pair("cpp", "threads", 1.95)
    four = pair("cpp", "threads", 1.9, workers=4)
    one = pair("cpp", "threads", 1.0, workers=1)
    results = run_of(*one, *two, *four, cpus=2)
    assert judged(results, "cpp", "threads").workers == 2
    results = run_of(*one, *two, *four, cpus=4)
    assert judged(results, "cpp", "threads").workers == 4
    results = run_of(*one, *four, cpus=2)  # nothing within the cores: beyond them, then
    assert judged(results, "cpp", "threads").workers == 4
    assert judged(run_of(*one), "cpp", "threads") is None  # one worker answers nothing
    assert judged(results, "cpp", "processes") is None


def test_busy_machine_warning_from_sequential_cores() -> None:
    busy = record("cpp", "sequential", 1, walls=SIX, cores_busy=0.5)
    assert "0.50 of a core" in busy_machine_warnings(run_of(busy))[0]
    assert busy_machine_warnings(run_of(*pair("cpp", "threads", 1.95))) == []
    assert busy_machine_warnings(run_of()) == []


def test_no_ceiling_warning_with_a_good_ceiling() -> None:
    assert ceiling_warnings(run_of(*pair("cpp", "threads", 1.95, ceiling=1.98))) == []


def test_noise_summary_counts_the_cells() -> None:
    results = run_of(*pair("cpp", "threads", 1.95), *pair("numpy", "threads", 1.6, spread=0.3))
    noise = noise_summary(results)
    assert noise["cells"] == 2 and noise["inconclusive"] == 1
    assert noise["repeats"] == [6, 6]
    spreads = sorted(
        (r.speedup_ci[1] - r.speedup_ci[0]) / 2 / r.speedup
        for r in results.records
        if r.executor != "sequential"
    )
    assert noise["median_halfwidth"] == pytest.approx(sum(spreads) / 2)
    assert noise_summary(run_of())["cells"] == 0


def test_finish_run_judges_and_warns() -> None:
    results = run_of(*pair("cpp", "threads", 1.05, ceiling=1.05))
    for found in results.records:
        found.verdict = None
    finish_run(results)
    assert results.find("cpp", "threads", 2).verdict == "inconclusive"
    assert len(results.warnings) == 1 and "machine ceiling at 2 workers" in results.warnings[0]
    assert analysis.TOO_SHORT_TASK_S == stats.MIN_TASK_S
