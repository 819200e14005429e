"""``run`` and ``seed`` as text: the tables, the GIL observed, and the answers in words, read
from each record's verdict class."""

from __future__ import annotations

import pytest
from rich.console import Console

from gilbench.report.formatting import DASH, TIMES
from gilbench.report.run import executor_table, run_report
from gilbench.report.seed import findings, seed_report
from gilbench.report.verdicts import ANSWER, answer, held_words, startup_words
from gilbench.results import RunResults
from helpers import FAST, SIX, near, observed_gil, pair, record, render, run_of


def article_run(gil_enabled: bool = True) -> RunResults:
    """What a healthy 2-core machine gives: python held under threads and scaling under
    processes, cpp scaling under both, cpp-gil held under threads."""
    python_threads = pair("python", "threads", 1.0, releases_gil=False)
    results = run_of(
        *python_threads,
        pair("python", "processes", 1.95, releases_gil=False)[1],
        *pair("cpp", "threads", 1.95),
        pair("cpp", "processes", 1.96)[1],
        *pair("cpp-gil", "threads", 1.0, releases_gil=False),
        gil={
            "python": observed_gil(0.5, 0.45, 0.55, gil_enabled),
            "cpp": observed_gil(0.01, 0.0, 0.02, gil_enabled),
            "cpp-gil": observed_gil(0.98, 0.97, 1.0, gil_enabled),
        },
        gil_enabled=gil_enabled,
        config={"n": 20_000_000},
    )
    results.sizes = {"python": 20_000_000, "cpp": 20_000_000, "cpp-gil": 20_000_000}
    results.startups = [{"executor": "processes", "workers": 2, "startup_s": 0.05}]
    return results


# --- a real run renders ---------------------------------------------------------------------


def test_run_report_renders_every_table(small_run: RunResults) -> None:
    text = render(run_report(small_run))
    for title in ("sequential:", "threads:", "processes:", "the GIL, observed"):
        assert title in text
    for header in ("speedup", "[95% CI]", "of ceiling", "verdict", "cores", "busy"):
        assert header in text
    for backend in FAST:
        assert text.count(backend) >= 4  # the GIL table, a row per table, an answer
    assert "will threads (or processes) make it faster?" in text
    assert "noise: speedup intervals" in text
    assert "elements per task: python 20k, numpy 20k" in text


def test_seed_report_renders(small_run: RunResults) -> None:
    text = render(seed_report(small_run))
    assert "two tasks of N = 20,000: sequential vs 2 threads vs a 2-process pool" in text
    assert "article, finding 1" in text and "article, finding 2" in text


# --- the words, from synthetic records -------------------------------------------------------


def test_every_verdict_is_shown_beside_its_interval() -> None:
    text = render(run_report(article_run()))
    assert f"1.00{TIMES} [0.99{DASH}1.01]" in text and "held" in text
    assert (
        f"1.95{TIMES} [1.94{DASH}1.96]" in text and f"98% [97{DASH}98]" in text and "scales" in text
    )
    assert "machine ceiling (k native threads, no Python; median): 2 threads 2.00" in text
    assert "start-up, not in the times: 2 workers 50 ms" in text
    assert "0 of 5 cells unstable, 0 inconclusive" in text


def test_the_title_question_is_answered_per_backend() -> None:
    results = article_run()
    python = answer(results, "python").plain
    assert python.startswith(f"threads: no, 1.00{TIMES} [0.99{DASH}1.01] on 2 workers")
    assert "the workers take turns on one GIL" in python
    assert f"processes: yes, 1.95{TIMES}" in python
    assert python.endswith("it holds the GIL 50% of the call [45%-55%]")
    assert answer(results, "cpp").plain.startswith("threads: yes")
    cpp_gil = answer(results, "cpp-gil").plain
    assert cpp_gil.startswith("threads: no") and "processes: not measured above 1 worker" in cpp_gil
    assert set(ANSWER) == {"scales", "partly", "held", "inconclusive", "too short"}


@pytest.mark.parametrize(("cpu_per_task", "said"), [(1.3, True), (1.0, False)])
def test_workers_that_computed_slower_are_named_as_the_machine(
    cpu_per_task: float, said: bool
) -> None:
    """Processes at 1.4x of a 2x ceiling ("partly"), their workers spending 1.3x the
    baseline's CPU time on the same tasks: the sentence says they computed slower."""
    baseline = record("python", "sequential", 2, walls=SIX, releases_gil=False)
    processes = record(
        "python",
        "processes",
        2,
        walls=near(1.4),
        baseline=SIX,
        ceilings=(2.0,) * 6,
        releases_gil=False,
        cores_busy=1.4 * cpu_per_task,
    )
    line = answer(run_of(baseline, processes), "python").plain
    assert line.startswith("processes: partly")
    assert (f"needed 1.30{TIMES} the CPU time" in line) is said
    assert ("the machine, not the GIL" in line) is said


def test_without_a_gil_the_twins_do_not_take_turns() -> None:
    results = article_run(gil_enabled=False)
    assert "take turns" not in answer(results, "cpp-gil").plain
    assert held_words(results, "cpp") == (
        "no GIL on this build; it blocks other threads 1% of the call"
    )
    assert "GIL shared" not in render(run_report(results))
    assert "no GIL on this build" in render(run_report(results))


def test_held_words_come_from_the_observation() -> None:
    results = article_run()
    assert held_words(results, "cpp-gil") == "holds the GIL 98% of the call [97%-100%]"
    assert held_words(results, "numpy") is None


def test_held_words_never_print_a_share_outside_its_interval() -> None:
    results = run_of(gil={"numpy": observed_gil(-0.12, -0.36, 0.01)})
    words = held_words(results, "numpy") or ""
    share = float(words.split("holds the GIL ")[1].split("%")[0])
    low, high = (float(x) for x in words.split("[")[1].rstrip("]").replace("%", "").split("-"))
    assert low <= share <= high, words


def test_a_refused_backend_is_named_with_the_reason() -> None:
    results = article_run()
    results.refusals = [
        {
            "backend": "cpp",
            "executor": "interpreters",
            "reason": "cannot run in a subinterpreter: no\nmore",
        }
    ]
    assert (
        "interpreters: cannot run (cannot run in a subinterpreter: no)"
        in answer(results, "cpp").plain
    )
    text = render(run_report(results))
    assert "interpreters: cannot run any backend here" in text  # no empty table


def test_startup_words() -> None:
    results = article_run()
    results.startups.append({"executor": "processes", "workers": 1, "startup_s": 0.0123})
    assert startup_words(results, "processes") == (
        "start-up, not in the times: 2 workers 50 ms, 1 worker 12.3 ms"
    )
    assert startup_words(results, "threads") is None


def test_an_executor_judged_on_the_work_shows_the_run_beside_it() -> None:
    baseline = record("cpp", "sequential", 2, walls=SIX)
    dask = record("cpp", "dask-threads", 2, walls=near(2 / 1.3), baseline=SIX,
                  ceilings=(2.0,) * 6, overhead=0.3)  # fmt: skip
    results = run_of(baseline, dask)
    line = answer(results, "cpp").plain
    assert line.startswith(f"dask-threads: yes, the work 2.00{TIMES} [")
    assert f"; with its own 300.0 ms per run, the run 1.54{TIMES} [" in line
    text = render(run_report(results))
    assert "the run's" in text and "the work's" in text and "overhead" in text
    # One line per row in 100 columns: the run's median, then the work's interval.
    narrow = Console(record=True, width=100, color_system=None)
    narrow.print(executor_table(results, "dask-threads"))
    assert f"1.54{TIMES}  2.00{TIMES} [1.98{DASH}2.02]     100%  scales" in narrow.export_text()


def test_too_short_and_unstable_are_said() -> None:
    results = article_run()
    found = results.find("cpp", "threads", 2)
    assert found is not None
    found.verdict, found.task_s, found.unstable = "too short", 0.0004, True
    line = answer(results, "cpp").plain
    assert line.startswith("threads: can't tell, a task of 0.4 ms is too short to judge")
    assert "(unstable)" in line
    assert "too short unstable" in render(run_report(results))


@pytest.mark.parametrize(
    ("interrupted", "records", "expected"),
    [
        (True, True, "interrupted: these are the results that finished"),
        (True, False, "no measurement finished"),
        (False, False, "no measurement finished"),
    ],
)
def test_status_notes_stand_above_the_report(
    interrupted: bool, records: bool, expected: str
) -> None:
    results = article_run() if records else run_of()
    results.interrupted = interrupted
    results.warnings.append("something to say")
    text = render(run_report(results))
    assert expected in text and "something to say" in text and "warning" in text


def test_the_article_findings_are_checked() -> None:
    lines = [line.plain for line in findings(article_run())]
    assert lines[0].startswith(
        "article, finding 1: two threads do not speed up the pure-Python loop: reproduced"
    )
    assert lines[1].startswith("article, finding 2: a 2-process pool does: reproduced")
    beyond = "beyond the article, backends that release the GIL, on two threads"
    assert lines[2] == f"{beyond}: cpp 1.95{TIMES} (scales)"
    held = "native code that keeps the GIL held, on two threads"
    assert lines[3] == f"{held}: cpp-gil 1.00{TIMES} (held)"


def test_a_finding_the_run_contradicts_is_not_reproduced() -> None:
    results = run_of(
        *pair("python", "threads", 1.95, releases_gil=False),
        pair("python", "processes", 1.0, releases_gil=False)[1],
    )
    lines = [line.plain for line in findings(results)]
    assert "finding 1: two threads do not speed up the pure-Python loop: NOT reproduced" in lines[0]
    assert "finding 2: a 2-process pool does: NOT reproduced" in lines[1]


def test_finding_1_needs_a_gil() -> None:
    lines = [line.plain for line in findings(article_run(gil_enabled=False))]
    assert lines[0].startswith("article, finding 1 (threads do not help pure Python) needs a GIL")
    assert any(line.startswith("the -gil twins, with no GIL to hold") for line in lines)


def test_the_seed_table_has_both_experiments() -> None:
    text = render(seed_report(article_run()))
    assert "two tasks of N = 20,000,000" in text
    assert "threads" in text and "2 pro-" in text and "cesses" in text
    assert f"{TIMES} incl." in text and "start-up" in text
    assert f"1.96{TIMES} [1.95{DASH}1.97]" in text
