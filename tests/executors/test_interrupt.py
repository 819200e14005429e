"""Ctrl-C: a command stops promptly, prints what finished, leaves no worker behind, exits 130."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from helpers import catches_sigint, interrupt, live_members, start_gilbench, wait_for

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds leftover processes through /proc"
)


def start_run(*options: str) -> subprocess.Popen[str]:
    return start_gilbench("run", "--no-progress", *options)


@pytest.mark.parametrize("whole_group", [False, True], ids=["parent-only", "terminal-like"])
def test_ctrl_c_stops_cleanly_and_exits_130(whole_group: bool) -> None:
    process = start_run(
        "--backends",
        "python",
        "--executors",
        "threads,processes",
        "--workers",
        "2",
        "--task-seconds",
        "0.3",
        "--repeat",
        "100",
    )
    # Interrupt while the process pool is up: parent, forkserver or similar, 2 workers.
    started = wait_for(lambda: len(live_members(process.pid)) >= 3, 60)
    time.sleep(0.5)
    output = interrupt(process, whole_group)
    assert started, "pool never started"
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert wait_for(lambda: not live_members(process.pid), 5), "worker processes left behind"


def test_ctrl_c_during_sizing_also_exits_130() -> None:
    process = start_run("--backends", "python", "--task-seconds", "5")
    ready = wait_for(lambda: catches_sigint(process.pid), 30)
    time.sleep(1.0)  # inside the calibration of a 5-second task
    output = interrupt(process, whole_group=False)
    assert ready, "never installed its SIGINT handler"
    assert process.returncode == 130, output
    assert wait_for(lambda: not live_members(process.pid), 5)


def test_crossover_ctrl_c_exits_130_and_leaves_no_worker() -> None:
    process = start_gilbench(
        "crossover", "--no-progress", "--backends", "python", "--max-task-seconds", "30"
    )
    started = wait_for(lambda: len(live_members(process.pid)) >= 3, 60)
    time.sleep(1.0)  # climbing the ladder, tasks on both pools
    output = interrupt(process, whole_group=True)
    assert started, "no pool started"
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert wait_for(lambda: not live_members(process.pid), 5), "worker processes left behind"
