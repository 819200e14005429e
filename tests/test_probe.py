"""``gilbench probe`` and ``gilbench.probe``: the user's function, measured as a backend is.

The shipped examples' GIL classes are observed directly (wide margins, no timing
asserted); the command and the API give the same verdicts on one function; every bad
input is one line with its exit status; Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import glob
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

import gilbench
from gilbench import examples
from gilbench.environment import gil_enabled
from gilbench.kernels.function import function_kernel
from gilbench.measure.gil import CALL_S, observe
from gilbench.results import ProbeResults, load_json
from helpers import (
    assert_fits_a_pipe,
    error_of,
    gilbench_main,
    interrupt,
    live_members,
    run_gilbench,
    start_gilbench,
    wait_for,
)

QUICK = ("--workers", "1,2", "--repeat", "6", "--budget", "1", "--no-progress")

# --- the examples' hold on the GIL, observed ------------------------------------------

RELEASED, TURNS, HELD = "released", "takes turns", "held"


def gil_class(share: float) -> str:
    """Wide bands: released well under a quarter, held well over three quarters."""
    if share < 0.25:
        return RELEASED
    if share > 0.75:
        return HELD
    return TURNS


@pytest.mark.parametrize("name", list(examples.CASES))
def test_each_example_has_its_gil_class(name: str) -> None:
    from threadpoolctl import threadpool_limits

    setup, expected = examples.CASES[name]
    if not gil_enabled():  # a free-threaded build: nothing holds a GIL, nothing takes turns
        expected = RELEASED
    function = getattr(examples, name)
    made = getattr(examples, setup)() if setup else ()
    args = made if isinstance(made, tuple) else (made,)
    kernel = function_kernel(function.__name__, function, args, {}, None)
    began = time.perf_counter()
    kernel.task(0, 1)
    loops = max(1, math.ceil(CALL_S / (time.perf_counter() - began)))
    # One BLAS thread: the GIL is what is measured here, not BLAS competing for the cores.
    with threadpool_limits(1):
        for _ in range(3):  # a loop that got under 3/4 of a core cannot tell; look again
            seen = observe(lambda: kernel.task(0, loops))
            if not seen["contended"]:
                break
        else:
            pytest.skip("the machine stayed too busy for the GIL probe (the loop got < 3/4 core)")
    assert gil_class(seen["held_share"]) == expected, seen


# --- the command and the API agree -------------------------------------------------------


@pytest.fixture(scope="module")
def loop_probes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``examples.python_loop`` probed once by the command (JSON) and once by the API.

    Its verdict under threads rests on the speedup and the observed GIL alone, not on
    the machine ceiling, so two measurements on a noisy machine still agree.
    """
    path = tmp_path_factory.mktemp("probe") / "loop.json"
    outcome = gilbench_main(
        "probe", "gilbench.examples:python_loop", "--executors", "threads,processes", *QUICK,
        "--json", str(path),
    )  # fmt: skip
    probe = gilbench.Probe(executors=["threads", "processes"], workers=[1, 2], repeat=6, budget=1)
    return {"outcome": outcome, "json": path, "api": probe(examples.python_loop)}


def test_cli_and_api_give_the_same_verdicts(loop_probes: dict[str, Any]) -> None:
    outcome = loop_probes["outcome"]
    assert outcome.status == 0, outcome.err
    saved = load_json(loop_probes["json"], "probe")
    api: ProbeResults = loop_probes["api"]
    said = {e: (saved.verdict(e), api.verdict(e)) for e in ("threads", "processes")}
    if gil_enabled():  # never a different class; a busy CI machine may leave one open
        assert set(said["threads"]) <= {"held", "inconclusive"}, said
    else:  # no GIL: threads run Python in parallel, never held (noise may leave it open)
        assert not {"held", None} & set(said["threads"]), said
    # Processes: never held, though 15 ms tasks and a noisy machine may leave it short of
    # the ceiling or open.
    assert not {"held", None} & set(said["processes"]), said
    for found in (saved, api):  # takes turns with a GIL; on a free-threaded build, released
        released = gil_class(found.gil["examples.python_loop"]["held_share"]) == RELEASED
        assert released is not gil_enabled()


def test_probe_json_has_the_fields_of_a_run(loop_probes: dict[str, Any]) -> None:
    data = json.loads(Path(loop_probes["json"]).read_text())
    assert data["schema"] == "gilbench.probe/2"
    assert data["function"]["reference"] == "gilbench.examples:python_loop"
    assert data["function"]["checked"] is True
    parallel = [r for r in data["records"] if r["executor"] != "sequential" and r["workers"] == 2]
    assert {r["executor"] for r in parallel} == {"threads", "processes"}
    for record in parallel:
        assert record["speedup_ci"] and record["verdict"] and record["ceiling_ratios"]
    assert "held_share_ci" in data["gil"]["examples.python_loop"]
    assert {s["executor"] for s in data["startups"]} >= {"threads", "processes"}


def test_probe_report_answers_per_executor_in_words(loop_probes: dict[str, Any]) -> None:
    assert_fits_a_pipe(loop_probes["outcome"].out)
    out = " ".join(loop_probes["outcome"].out.split())  # words, wherever lines wrap
    assert "probing examples.python_loop()" in out
    assert "will threads (or processes) make examples.python_loop faster?" in out
    assert "it holds the GIL" in out or not gil_enabled()
    assert "threads: yes" not in out or not gil_enabled()
    assert "threads: " in out
    assert "processes: " in out and "to start 2 workers" in out


def test_the_api_result_reads_as_an_answer(loop_probes: dict[str, Any]) -> None:
    text = repr(loop_probes["api"])
    assert text.startswith("<gilbench probe of examples.python_loop() on ")
    assert "threads: " in text and "processes: " in text
    assert "threads: yes" not in text or not gil_enabled()


def test_a_call_that_waits_is_said_to_wait() -> None:
    outcome = gilbench_main("probe", "gilbench.examples:sleep", "--executors", "threads", *QUICK)
    assert outcome.status == 0, outcome.err
    assert "it mostly waits" in " ".join(outcome.out.split())  # a sleep keeps no core busy


# --- functions that stay in this process, short calls, results that differ ------------


def test_a_lambda_runs_on_threads_only_with_a_warning_saying_why() -> None:
    probe = gilbench.Probe(
        executors=["threads", "processes"], workers=[1, 2], repeat=6, budget=1, task_seconds=0.02
    )
    with pytest.warns(UserWarning, match="in this process only: .* is a lambda"):
        found = probe(lambda n: sum(range(n)), 1000)
    name = found.function["name"]
    assert "top level of a module" in (found.refusal(name, "processes") or "")
    assert found.find(name, "threads", 2) is not None
    assert found.function["stays_here"] is not None
    assert "processes: cannot run" in repr(found)


def test_a_short_call_is_looped_and_says_so() -> None:
    outcome = gilbench_main(
        "probe", "zlib:crc32", "--args", '[[1, 2, 3]]', "--executors", "threads",
        "--task-seconds", "0.02", *QUICK,
    )  # fmt: skip
    assert outcome.status == 1  # crc32 needs bytes: a JSON list is not one
    assert "zlib.crc32([1, 2, 3]) raised TypeError" in outcome.err

    outcome = gilbench_main(
        "probe", "math:factorial", "--args", "[200]", "--executors", "threads",
        "--task-seconds", "0.02", *QUICK,
    )  # fmt: skip
    assert outcome.status == 0, outcome.err
    assert "too short to time alone, so each task calls it" in outcome.out


def test_a_function_whose_results_differ_fails_unless_no_check() -> None:
    args = ("probe", "random:random", "--executors", "threads", "--task-seconds", "0.02", *QUICK)
    differs = gilbench_main(*args)
    assert differs.status == 1
    assert differs.err.count("\n") == 1 and "pass --no-check" in differs.err
    unchecked = gilbench_main(*args, "--no-check")
    assert unchecked.status == 0, unchecked.err
    assert "results not checked (--no-check)" in unchecked.out


def test_a_function_in_the_current_folder_runs_in_worker_processes(tmp_path: Path) -> None:
    (tmp_path / "mywork.py").write_text("def work(n):\n    return sum(i * i for i in range(n))\n")
    done = run_gilbench(
        "probe", "mywork:work", "--args", "[20000]", "--executors", "processes",
        "--task-seconds", "0.02", *QUICK, "--json", "out.json", cwd=str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    saved = load_json(tmp_path / "out.json", "probe")
    assert not saved.refusals
    assert saved.find("mywork.work", "processes", 2) is not None


# --- bad input: one line, and the documented exit status --------------------------------


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["no_such_module_here:f"], "cannot import module 'no_such_module_here'"),
        (["zlib:nothing"], "module 'zlib' has no attribute 'nothing'"),
        (["zlib:MAX_WBITS"], "is an int, not something to call"),
        (["zlib"], "is not MODULE:FUNCTION"),
        (["zlib:compress", "--args", "[1,"], "argument --args: '[1,' is not JSON"),
        (["zlib:compress", "--args", '{"a": 1}'], "is not a JSON list"),
        (["zlib:compress", "--kwargs", "[1]"], "is not a JSON object"),
        (["zlib:compress", "--setup", "no_such_module_here:f"], "argument --setup: cannot import"),
    ],
)
def test_bad_input_is_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert said in error_of(capsys, "probe", *argv)


def test_a_function_that_raises_exits_1_naming_the_exception() -> None:
    with pytest.raises(ValueError) as raised:  # its message changes between versions
        math.sqrt(-1)
    outcome = gilbench_main("probe", "math:sqrt", "--args", "[-1]", *QUICK)
    assert outcome.status == 1
    assert outcome.err == f"gilbench: error: math.sqrt(-1) raised ValueError: {raised.value}\n"


def test_a_result_that_cannot_be_pickled_names_the_executor_and_type() -> None:
    outcome = gilbench_main("probe", "threading:Lock", "--executors", "threads,processes", *QUICK)
    assert outcome.status == 1
    assert outcome.err.startswith("gilbench: error: processes: the result of threading.Lock, a ")
    assert "cannot be pickled" in outcome.err and outcome.err.count("\n") == 1


# --- Ctrl-C ------------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes via /proc")
def test_ctrl_c_exits_130_and_leaves_no_process_or_file() -> None:
    before = set(glob.glob(f"{tempfile.gettempdir()}/gilbench-probe-*"))
    process = start_gilbench(
        "probe", "gilbench.examples:python_loop", "--workers", "2", "--repeat", "100",
        "--no-progress",
    )  # fmt: skip
    started = wait_for(lambda: len(live_members(process.pid)) >= 3, 60)
    time.sleep(0.5)
    output = interrupt(process, whole_group=True)
    assert started, "pool never started"
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert wait_for(lambda: not live_members(process.pid), 5), "worker processes left behind"
    assert set(glob.glob(f"{tempfile.gettempdir()}/gilbench-probe-*")) <= before


def test_the_api_refuses_an_unknown_executor_and_something_not_callable() -> None:
    with pytest.raises(ValueError, match="unknown executor 'nope'"):
        gilbench.Probe(executors=["nope"])
    with pytest.raises(TypeError, match="not 'int'"):
        gilbench.probe(3)  # type: ignore[arg-type]
