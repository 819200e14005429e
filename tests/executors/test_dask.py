"""The Dask executors: exact results on a LocalCluster, the GIL's classes under dask-threads,
an existing cluster given with --scheduler, a killed worker named, and Ctrl-C leaving nothing.

The GIL is judged by cores busy (CPU time over wall time) with wide margins, never by a
duration: the machine may be busy.  Clusters are small (2 workers) and tasks short, so
the module takes well under a minute on 2 cores.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "distributed", reason="the Dask executors need distributed: pip install 'gilbench[dask]'"
)

import gilbench
from gilbench.executors.base import WorkerDied
from gilbench.executors.dask_cluster import (
    QUIET,
    DaskExecutor,
    DaskProcesses,
    DaskThreads,
    overhead_s,
    run_task,
    scheduler_address,
)
from gilbench.kernels.oracle import expected_sum_squares
from gilbench.measure.ceiling import calibrate_ceiling, wait_for_cores
from gilbench.measure.timing import calibrate, time_tasks
from gilbench.results import load_json
from helpers import (
    ALL,
    environment_finding_gilbench,
    error_of,
    interrupt,
    live_members,
    run_gilbench,
    start_gilbench,
    wait_for,
)

RANGES = [(0, 1000), (5, 3000), (2**32 - 10, 2**32)]
GIL_ENABLED = getattr(sys, "_is_gil_enabled", lambda: True)()
PROC = Path("/proc/self/stat").exists()


@pytest.fixture(scope="module", params=[DaskThreads, DaskProcesses], ids=lambda c: c.name)
def dask_executor(request: pytest.FixtureRequest) -> Iterator[DaskExecutor]:
    """Each Dask executor on a LocalCluster of 2 workers, started once for the module."""
    executor = request.param(2)
    executor.start()
    yield executor
    executor.close()


@pytest.mark.parametrize("name", ALL)
def test_every_backend_is_exact_on_both_executors(dask_executor: DaskExecutor, name: str) -> None:
    kernel = gilbench.get_backend(name)
    assert kernel.available, kernel.reason
    outcomes = dask_executor.run(kernel, RANGES)
    assert [value for value, _ in outcomes] == [expected_sum_squares(*r) for r in RANGES]
    assert all(cpu >= 0 for _, cpu in outcomes)  # each task's own thread's CPU time
    overhead = dask_executor.last_overhead_s()
    assert overhead is not None and overhead >= 0  # every task found in the task stream
    assert dask_executor.last_overhead_s() is None  # it belongs to one run


def test_a_local_cluster_has_the_executors_shape(dask_executor: DaskExecutor) -> None:
    client = dask_executor._client
    assert client is not None
    threads = client.nthreads()
    assert sorted(threads.values()) == ([2] if isinstance(dask_executor, DaskThreads) else [1, 1])
    dask_executor.run(gilbench.get_backend("cpp"), [(0, 1000)] * 2)
    ran_on = [task["worker"] for task in client.get_task_stream(count=2)]
    assert sorted(ran_on) == sorted(threads) * (2 // len(threads))  # dask-processes: one each
    assert dask_executor.startup_s is not None and dask_executor.startup_s > 0
    assert "LocalCluster on this machine" in (dask_executor.description() or "")


def test_a_task_pins_its_thread_and_reads_its_own_wait_for_a_core() -> None:
    mine = os.sched_getaffinity(0)
    core = min(mine)
    seen: list = []

    def task_in_a_thread() -> None:  # as a Dask worker thread runs it
        seen.append(run_task(gilbench.get_backend("cpp").ref, 0, 10**6, core))
        seen.append(os.sched_getaffinity(0))

    thread = threading.Thread(target=task_in_a_thread)
    thread.start()
    thread.join()
    (result, cpu, waited), affinity = seen
    assert result == expected_sum_squares(0, 10**6) and cpu >= 0
    assert affinity == {core}  # the thread that ran it, and only that thread
    assert os.sched_getaffinity(0) == mine  # this thread: untouched
    assert waited is None or waited >= 0.0  # None only where Linux keeps no schedstat


@pytest.mark.skipif(not PROC, reason="pinning and waits are read from Linux's /proc")
@pytest.mark.parametrize("executor_class", [DaskThreads, DaskProcesses], ids=lambda c: c.name)
def test_tasks_on_a_local_cluster_are_pinned_and_their_waits_counted(
    executor_class: type[DaskExecutor],
) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    executor = executor_class(2, {"cpus": cpus})
    executor.start()
    try:
        assert executor._cores(3) == [cpus[i % len(cpus)] for i in range(3)]
        outcomes = executor.run(gilbench.get_backend("cpp"), [(0, 10**6)] * 2)
        assert len(outcomes) == 2
        waited = executor.last_waited_s()
        assert waited is not None and waited >= 0.0
        assert executor.last_waited_s() is None  # it belongs to one run
    finally:
        executor.close()
    unpinned = executor_class(2, {"cpus": None})
    assert unpinned._cores(2) == [None, None]


def test_the_local_clusters_own_bookkeeping_is_quieted(dask_executor: DaskExecutor) -> None:
    import dask

    client = dask_executor._client
    assert client is not None
    for key, value in QUIET.items():  # in every worker process (each reads it as it starts)
        assert set(client.run(dask.config.get, key).values()) == {value}, key
    assert dask.config.get("distributed.worker.profile.enabled")  # this process: as it was


def test_a_kernel_error_on_a_dask_worker_reaches_the_caller(dask_executor: DaskExecutor) -> None:
    with pytest.raises(OverflowError):  # the domain is checked on the worker, too
        dask_executor.run(gilbench.get_backend("python"), [(0, 2**32 + 1)])


# --- the task stream: what Dask cost apart from the work -------------------------------------


def task(key: str, worker: str, start: float, stop: float) -> dict:
    return {
        "key": key,
        "worker": worker,
        "startstops": ({"action": "compute", "start": start, "stop": stop},),
    }


def test_overhead_is_the_wall_less_the_longest_worker_span() -> None:
    stream = [
        task("a", "w1", 100.0, 100.4),
        task("b", "w1", 100.1, 100.6),  # overlaps a: the span is 0.6, not the sum 0.9
        task("c", "w2", 5.0, 5.5),  # another machine's clock: only its own span counts
        task("other", "w3", 0.0, 50.0),  # another client's task
    ]
    assert overhead_s(1.0, stream, {"a", "b", "c"}) == pytest.approx(0.4)
    assert overhead_s(0.5, stream, {"a", "b"}) == 0.0  # never below zero
    assert overhead_s(1.0, stream, {"a", "missing"}) is None  # cannot tell: not a guess


# --- the GIL under dask-threads --------------------------------------------------------------

RELEASED = [n for n in ALL if gilbench.get_backend(n).releases_gil]
HELD = [n for n in ALL if not gilbench.get_backend(n).releases_gil]


@pytest.fixture(scope="module")
def dask_threads() -> Iterator[DaskThreads]:
    executor = DaskThreads(2)
    executor.start()
    yield executor
    executor.close()


TWO_CORES = 1.6  # two native threads at this many cores' worth: the machine gives two


@pytest.fixture(scope="module")
def ceiling_n() -> int:
    return calibrate_ceiling(0.05)


def cores_busy(executor: DaskThreads, name: str, ceiling_n: int | None = None) -> list[float]:
    """CPU over wall of two tasks of ~0.1 s each on the 2 threads of one Dask worker, three
    times; given ``ceiling_n``, only when two native threads get two cores just before and
    just after (a neighbour that takes a core in between would read as the kernel's fault)."""
    kernel = gilbench.get_backend(name)
    n = calibrate(lambda size: kernel.sum_squares(0, size), 0.1)
    ranges = [(0, n)] * 2
    expected = kernel.expected(ranges)
    time_tasks(executor, kernel, ranges, expected)  # warm-up
    busy = []
    for _ in range(3):
        if ceiling_n is not None and wait_for_cores(ceiling_n, 2, TWO_CORES, 10.0)[0] < TWO_CORES:
            continue  # a neighbour holds a core: this sample would say nothing
        sample = time_tasks(executor, kernel, ranges, expected)
        if ceiling_n is not None and wait_for_cores(ceiling_n, 2, TWO_CORES, 0.0)[0] < TWO_CORES:
            continue
        busy.append(sample.cpu_s / sample.wall_s)
    return busy


@pytest.mark.parametrize("name", RELEASED)
def test_kernels_that_release_the_gil_keep_two_cores_busy(
    dask_threads: DaskThreads, ceiling_n: int, name: str
) -> None:
    busy = cores_busy(dask_threads, name, ceiling_n)
    if not busy:
        pytest.skip("the machine never had two free cores for 10 s")
    assert max(busy) > 1.3, busy


@pytest.mark.skipif(not GIL_ENABLED, reason="no GIL on this build: nothing holds it")
@pytest.mark.parametrize("name", HELD)
def test_python_and_the_gil_twins_keep_one_core_busy(dask_threads: DaskThreads, name: str) -> None:
    busy = cores_busy(dask_threads, name)
    assert max(busy) < 1.3, busy  # taking turns on one GIL: one core, however many threads


# --- an existing cluster: a scheduler and a worker started with the dask command line --------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dask_command(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *argv],
        env=environment_finding_gilbench(),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """``dask scheduler`` and ``dask worker`` (2 processes of 2 threads) on 127.0.0.1."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [
        dask_command("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    ]
    try:
        assert wait_for(lambda: _answers(address), 30), "the scheduler never listened"
        worker = ("--nworkers", "2", "--nthreads", "2", "--host", "127.0.0.1", "--no-dashboard")
        processes.append(dask_command("worker", address, *worker))
        with Client(address, timeout=10) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in processes:
            with_group(process, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with_group(process, signal.SIGKILL)
                process.wait()


def _answers(address: str) -> bool:
    try:
        scheduler_address(address)
    except Exception:
        return False
    return True


def with_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def test_an_existing_cluster_runs_both_executors_and_is_described(
    scheduler: str, tmp_path: Path
) -> None:
    path = tmp_path / "cluster.json"
    done = run_gilbench(
        "run", "--scheduler", scheduler, "--executors", "dask-threads,dask-processes",
        "--backends", "python,cpp", "--workers", "2", "--n", "20000", "--repeat", "3",
        "--budget", "0.1", "--no-progress", "--json", str(path),
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout  # every result was checked exact
    saved = load_json(path, "run")
    executors = {r.executor for r in saved.records}
    assert executors == {"sequential", "dask-threads", "dask-processes"}
    described = [s["description"] for s in saved.startups]
    assert len(described) == 2
    for said in described:
        assert said.startswith(f"the Dask cluster at {scheduler}: 2 workers, 4 threads")
        assert "on 127.0.0.1" in said and "these figures describe those machines" in said
    assert "these figures describe those machines" in " ".join(done.stdout.split())
    records = [r for r in saved.records if r.executor.startswith("dask")]
    assert all(r.overhead_s is not None for r in records)


def test_an_unreachable_scheduler_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    said = error_of(capsys, "run", "--scheduler", f"tcp://127.0.0.1:{free_port()}")
    assert "argument --scheduler: no Dask scheduler answers at tcp://127.0.0.1:" in said


@pytest.mark.parametrize("text", ["http://127.0.0.1:8786", "127.0.0.1", "tcp://:8786", "h:99999"])
def test_a_scheduler_address_must_be_tcp_host_port(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="is not a scheduler address"):
        scheduler_address(text)


# --- faults -------------------------------------------------------------------------------


def test_a_worker_killed_mid_task_is_named_not_a_hang() -> None:
    executor = DaskProcesses(2)
    executor.start()
    client = executor._client
    assert client is not None
    pids = client.run(os.getpid)  # {worker address: its pid}
    victim = sorted(pids)[0]

    def kill_when_busy() -> None:
        # Mid-task: once the scheduler sees the victim processing our task.
        wait_for(lambda: client.processing().get(victim), 30)
        os.kill(pids[victim], signal.SIGKILL)

    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    try:
        # Pure Python over 10**8 elements: seconds of work, ended only by the kill.
        with pytest.raises(WorkerDied, match=rf"Dask worker {victim} died while running "
                           r"backend 'python' under dask-processes"):  # fmt: skip
            executor.run(gilbench.get_backend("python"), [(0, 10**8)] * 2)
    finally:
        executor.terminate()
        killer.join(5)
    assert not any(_alive(pid) for pid in pids.values())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def workers_ignoring_sigint(group: int) -> list[int]:
    """The worker processes (spawned by multiprocessing) of ``group`` that ignore SIGINT."""
    ignoring = []
    for pid in live_members(group):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        ignored = next(line for line in status.splitlines() if line.startswith("SigIgn:"))
        if b"spawn_main" in command and int(ignored.split()[1], 16) & (1 << (signal.SIGINT - 1)):
            ignoring.append(pid)
    return ignoring


@pytest.mark.skipif(not PROC, reason="finds leftover processes through /proc")
@pytest.mark.parametrize("whole_group", [False, True], ids=["parent-only", "terminal-like"])
def test_ctrl_c_closes_the_cluster_and_leaves_no_process(whole_group: bool) -> None:
    process = start_gilbench(
        "run", "--no-progress", "--backends", "python", "--executors", "dask-processes",
        "--workers", "2", "--task-seconds", "0.3", "--repeat", "100",
    )  # fmt: skip
    # The LocalCluster's 2 worker processes, each started far enough to ignore Ctrl-C: one
    # hit while it still imports Dask dies with a traceback of its own (a window of a
    # fraction of a second that this test leaves alone; gilbench survives it).
    started = wait_for(lambda: len(workers_ignoring_sigint(process.pid)) >= 2, 60)
    time.sleep(1.0)  # tasks on the workers
    output = interrupt(process, whole_group)
    assert started, "the cluster never started"
    assert process.returncode == 130, output
    assert "interrupted" in output and "Traceback" not in output
    assert wait_for(lambda: not live_members(process.pid), 5), "Dask processes left behind"
