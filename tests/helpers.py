"""What the tests share: backend lists, parsing, rendering, tiny runs, tasks that misbehave,
and running ``gilbench`` in a process group of its own.

Imported as ``import helpers`` / ``from helpers import ...`` (``tests`` is on the path,
see ``[tool.pytest.ini_options]``); the fixtures live in ``conftest.py``.  Nothing here
measures a time that a test then asserts on: the machine may be busy.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import gilbench
from gilbench import cli
from gilbench.environment import collect_environment
from gilbench.kernels import Kernel
from gilbench.measure import analysis
from gilbench.measure.run import RunConfig, run
from gilbench.results import Record, RunResults

ALL = gilbench.backend_names()
NATIVE = [name for name in ALL if name not in ("python", "numpy")]
FAST = ["python", "numpy"]  # always available; the native ones join when built
PARALLEL = ["threads", "processes"]
WIDTH = 100  # what piped output may use at most

# --- progress counts: the GIL observed from this thread ----------------------------------


def count_until(stop: threading.Event) -> int:
    """Count in a Python loop until ``stop`` is set. Alone and beside a call, tests run this
    same loop, so that only what runs beside it differs between the two counts."""
    count = 0
    while not stop.is_set():
        count += 1
    return count


def count_for(seconds: float) -> int:
    """``count_until`` for ``seconds``, with nothing beside it but a sleeping timer."""
    elapsed = threading.Event()
    threading.Timer(seconds, elapsed.set).start()
    return count_until(elapsed)


# --- backends ---------------------------------------------------------------------------


def max_span(backend: gilbench.Backend) -> int:
    """The longest range a property test gives this backend (pure Python is ~1000x slower)."""
    return 2_000 if backend.name == "python" else 2_000_000


def fake_kernel(
    function: Callable[[int, int], int], name: str = "fake", *, compiled: bool = False
) -> Kernel:
    """A backend-kind kernel around ``function`` (it runs in this process only)."""
    return Kernel(name, "backend", "Fake", True, True, None, function, compiled=compiled)


def with_function(name: str, function: Callable[[int, int], int]) -> Kernel:
    """The real backend ``name`` with its callable swapped for ``function``."""
    return dataclasses.replace(gilbench.get_backend(name), _function=function)


def in_a_pool_thread() -> bool:
    """Whether this runs on a worker of the threads executor (named ``gilbench_<i>``),
    not in the main thread nor in the GIL probe's thread (``gilbench-probe``)."""
    return threading.current_thread().name.startswith("gilbench_")


def raising_in_pool_threads(start: int, stop: int) -> int:
    """Exact when called sequentially; raises on a threads-executor worker."""
    if in_a_pool_thread():
        raise RuntimeError("kaboom in a worker thread")
    return gilbench.get_backend("python").sum_squares(start, stop)


def wrong(start: int, stop: int) -> int:
    return 42


# --- tasks for ``Processes.task`` (module level: a worker process finds them by name) -----


def wrong_task(ref: str, start: int, stop: int) -> tuple[int, float]:
    """A worker that answers 42 whatever it is asked."""
    return 42, 0.0


def dying_task(ref: str, start: int, stop: int) -> tuple[int, float]:
    """A worker that exits in the middle of its task, as a crash or the OOM killer would."""
    os._exit(3)


def affinity_when_all_arrive(together: threading.Barrier) -> frozenset[int]:
    """The cores this worker may run on, once every worker holds one of these tasks
    (as many tasks as workers: no worker can take two)."""
    together.wait(10)
    return frozenset(os.sched_getaffinity(0))


# --- the command line -------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    """The command line's options, as ``gilbench`` would parse them (before ``resolve``)."""
    return cli.build_parser().parse_args(list(argv))


def resolved(*argv: str) -> argparse.Namespace:
    """The options as a command sees them: parsed, then ``--quick`` and defaults filled in."""
    from gilbench import options

    values = parse(*argv)
    return options.resolve(cli.COMMANDS[values.command], values)


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run main() with bad options: it must exit 2 with exactly one line on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(list(argv))
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


@dataclasses.dataclass
class Outcome:
    status: int
    out: str
    err: str


def gilbench_main(*argv: str) -> Outcome:
    """``cli.main(argv)`` with stdout and stderr piped into strings."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
            patch.delenv(name, raising=False)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli.main(list(argv))
    return Outcome(status, out.getvalue(), err.getvalue())


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """``gilbench ARGV --help``: exit 0, the text on stdout, joined into one line of words."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*argv, "--help"])
    assert exit_info.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def render(renderable: object) -> str:
    """What a report prints, as plain text, wide enough that nothing wraps."""
    console = Console(record=True, width=200, color_system=None)
    console.print(renderable)
    return console.export_text()


def assert_fits_a_pipe(text: str) -> None:
    """Piped output: no line over 100 columns, and none ending in spaces."""
    assert text.strip(), "nothing was printed"
    for line in text.splitlines():
        assert len(line) <= WIDTH, f"{len(line)} columns: {line!r}"
        assert line == line.rstrip(), f"trailing spaces: {line!r}"


# --- tiny runs --------------------------------------------------------------------------


def small_config(**changes: Any) -> RunConfig:
    """A run of a few seconds: exactly 6 paired repeats (no budget beyond them), tiny tasks."""
    settings: dict[str, Any] = {
        "backends": FAST,
        "executors": PARALLEL,
        "workers": [1, 2],
        "n": 20_000,
        "min_repeat": 6,
        "max_repeat": 6,
        "budget_s": 0.0,
        "task_seconds": 0.01,
        "observe_gil": False,
    }
    settings.update(changes)
    return RunConfig(**settings)


def measured(config: RunConfig, on_progress: Any = None) -> RunResults:
    """``config`` run and concluded as ``gilbench run`` does (verdicts and warnings)."""
    results = RunResults(collect_environment(), {})
    run(config, results, on_progress)
    analysis.finish_run(results)
    return results


# --- synthetic records (no measurement) -------------------------------------------------


def record(
    backend: str,
    executor: str,
    workers: int,
    *,
    walls: Sequence[float] = (1.0,) * 6,
    baseline: Sequence[float] | None = None,
    ceilings: Sequence[float] = (),
    releases_gil: bool = True,
    cores_busy: float = 1.0,
    n: int = 1_000_000,
    mode: str = "weak",
    overhead: float | None = None,
) -> Record:
    """A record built by ``analysis.record`` from samples given here, not measured;
    ``overhead``: what the executor said each run cost it apart from the work."""
    from gilbench.executors.registry import get_executor
    from gilbench.measure.timing import Sample

    kernel = dataclasses.replace(fake_kernel(lambda a, b: 0, backend), releases_gil=releases_gil)
    executor_obj = get_executor(executor)(workers)
    taken = [Sample(wall, wall * cores_busy, overhead_s=overhead) for wall in walls]
    if baseline is None and executor == "sequential":
        baseline = walls  # the baseline is paired with itself, as in a run
    base = None if baseline is None else [Sample(wall, wall) for wall in baseline]
    elements = n * workers if mode == "weak" else n
    return analysis.record(
        kernel, executor_obj, workers, mode, n, workers, elements, taken, base, list(ceilings)
    )


SIX = (2.0,) * 6  # a sequential baseline: two tasks of 1 s, in six repeats


def near(speedup: float, spread: float = 0.01) -> tuple[float, ...]:
    """Six parallel times whose paired speedups against SIX lie within +-spread of speedup."""
    steps = (-1.0, -0.6, -0.2, 0.2, 0.6, 1.0)
    return tuple(2.0 / (speedup + spread * step) for step in steps)


def pair(
    backend: str,
    executor: str,
    speedup: float,
    *,
    workers: int = 2,
    spread: float = 0.01,
    ceiling: float | None = 2.0,
    releases_gil: bool = True,
) -> tuple[Record, Record]:
    """The baseline and one parallel record at ``workers``, six paired repeats whose speedups
    lie within +-spread of ``speedup``, beside a machine ceiling of ``ceiling`` (or none)."""
    baseline = record(backend, "sequential", workers, walls=SIX, releases_gil=releases_gil)
    parallel = record(
        backend,
        executor,
        workers,
        walls=near(speedup, spread),
        baseline=SIX,
        ceilings=() if ceiling is None else (ceiling,) * 6,
        releases_gil=releases_gil,
        cores_busy=min(speedup, workers),
    )
    return baseline, parallel


def run_of(
    *records: Record,
    gil_enabled: bool = True,
    cpus: int = 2,
    gil: dict[str, dict[str, Any]] | None = None,
    config: dict[str, Any] | None = None,
) -> RunResults:
    """A run holding ``records``, judged as ``gilbench run`` judges one."""
    environment = {
        "gil_enabled": gil_enabled,
        "free_threaded": not gil_enabled,
        "usable_cpus": cpus,
    }
    results = RunResults(environment, {"mode": "weak", **(config or {})}, gil=gil or {})
    results.records = list(records)
    analysis.judge_run(results)
    return results


def observed_gil(share: float, low: float, high: float, enabled: bool = True) -> dict[str, Any]:
    """A backend's ``gil`` entry as ``measure.gil.observe`` saves it."""
    return {
        "held_share": share,
        "held_share_ci": [low, high],
        "shares": [low, share, share, share, high],
        "slowdown": 1.0,
        "slowdown_is_bound": False,
        "call_s": 0.01,
        "gil_enabled": enabled,
        "switch_interval_s": 0.005,
    }


# --- gilbench in a process group of its own ----------------------------------------------


def environment_finding_gilbench() -> dict[str, str]:
    """This process's environment, with the gilbench under test first on PYTHONPATH, so a
    child process (gilbench, a Dask worker) imports the same one."""
    package_root = str(Path(gilbench.__file__).resolve().parent.parent)
    path = os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path)


def start_gilbench(*argv: str, cwd: str | None = None) -> subprocess.Popen[str]:
    """``python -m gilbench ARGV`` in a new session: its workers stay findable by group."""
    env = environment_finding_gilbench()
    env.pop("COLUMNS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "gilbench", *argv],
        env=env,
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # A shell without job control starts background commands with SIGINT ignored,
        # and Python keeps an ignored SIGINT ignored: give the child a terminal's Ctrl-C.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_gilbench(
    *argv: str, timeout: float = 300, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m gilbench ARGV`` to the end, its stdout piped; killed past ``timeout``."""
    process = start_gilbench(*argv, cwd=cwd)
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, output, None)


def interrupt(process: subprocess.Popen[str], whole_group: bool, timeout: float = 20) -> str:
    """Send SIGINT (to the whole group, as a terminal's Ctrl-C does, or to the parent only)
    and return the output; a process still running after ``timeout`` fails the test, killed."""
    try:
        if whole_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=timeout)  # a hang fails here
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return output


def live_members(group: int) -> list[int]:
    """Processes still alive (zombies excluded) in the process group ``group``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _parent, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(entry))
    return members


def catches_sigint(pid: int) -> bool:
    """Whether ``pid`` has installed its SIGINT handler (Python does so during start-up)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGINT - 1)))


def wait_for(condition: Callable[[], object], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def spinner_on(core: int, *, paused: bool = False) -> Iterator[subprocess.Popen[bytes]]:
    """Another program: a process that keeps ``core`` busy (``paused``: stopped until sent
    SIGCONT), killed on the way out."""
    code = f"import os; os.sched_setaffinity(0, {{{core}}})\nwhile True: pass"
    spinner = subprocess.Popen([sys.executable, "-c", code])
    try:
        if paused:
            os.kill(spinner.pid, signal.SIGSTOP)
        yield spinner
    finally:
        spinner.kill()
        spinner.wait()
