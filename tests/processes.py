"""Running ``gilbench`` in a process group of its own, interrupting it, and watching
who in that group is still alive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import gilbench


def start_gilbench(*argv: str) -> subprocess.Popen[str]:
    """``python -m gilbench ARGV`` in a new session: its workers stay findable by group."""
    package_root = str(Path(gilbench.__file__).resolve().parent.parent)
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])
    )
    return subprocess.Popen(
        [sys.executable, "-m", "gilbench", *argv],
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


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


def wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False
