"""Ctrl-C: the run stops promptly, prints what finished, leaves no process behind, exits 130."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from processes import interrupt, live_members, start_gilbench, wait_for

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds leftover processes through /proc"
)


def start_run(*options: str) -> subprocess.Popen[str]:
    return start_gilbench("run", "--no-progress", *options)


def catches_sigint(pid: int) -> bool:
    """Whether ``pid`` has installed its SIGINT handler (Python does so during start-up)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & (1 << (signal.SIGINT - 1)))


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
