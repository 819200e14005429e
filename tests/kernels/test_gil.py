"""GIL release, tested directly rather than inferred from a speedup.

A kernel runs in a worker thread while the main thread counts in a Python loop.
If the kernel releases the GIL, the main thread keeps most of the rate it has
alone; if the kernel holds it, the main thread stops until the kernel returns.
Only progress counts are compared, with wide margins: no wall-clock threshold
that a busy machine could break. On a free-threaded build with the GIL off there
is nothing to hold, so every kernel must let the main thread run.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator

import pytest

import gilbench
from helpers import count_for, count_until

GIL_ENABLED = getattr(sys, "_is_gil_enabled", lambda: True)()
RELEASED = [n for n in gilbench.backend_names() if gilbench.get_backend(n).releases_gil]
HELD = [n for n in gilbench.backend_names() if n.endswith("-gil")]
CALL_SECONDS = 0.5  # long enough that the switch interval's few ticks are noise


@pytest.fixture(autouse=True)
def short_switch_interval() -> Iterator[None]:
    """Hand the GIL over within 0.1 ms, so a released GIL is taken at once."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(previous)


def solo_rate(seconds: float = 0.2) -> float:
    """Iterations per second of the main thread's counting loop with nothing else running."""
    return count_for(seconds) / seconds


def calibrated_range(backend: gilbench.Backend) -> tuple[tuple[int, int], int]:
    """A range and a call count that keep the kernel busy for about CALL_SECONDS."""
    n = 1 << 20
    while True:
        began = time.perf_counter()
        backend.sum_squares(0, n)
        elapsed = time.perf_counter() - began
        if elapsed > 0.02 or n == gilbench.LIMIT:
            break
        n = min(n * 8, gilbench.LIMIT)
    wanted = min(int(n * CALL_SECONDS / elapsed), gilbench.LIMIT)
    calls = max(1, round(CALL_SECONDS / (elapsed * wanted / n)))
    return (0, wanted), calls


def main_thread_share(name: str) -> float:
    """Main-thread progress while the kernel runs, as a fraction of its solo rate."""
    backend = gilbench.get_backend(name)
    assert backend.available, backend.reason
    (start, stop), calls = calibrated_range(backend)
    rate = solo_rate()
    started, done = threading.Event(), threading.Event()
    busy: list[float] = []

    def worker() -> None:
        started.set()
        began = time.perf_counter()
        for _ in range(calls):
            backend.sum_squares(start, stop)
        busy.append(time.perf_counter() - began)
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    started.wait()
    count = count_until(done)
    thread.join()
    return count / (rate * busy[0])


@pytest.mark.parametrize("name", RELEASED)
def test_released_kernel_lets_python_run(name):
    share = main_thread_share(name)
    assert share > 0.3, f"{name}: main thread kept only {share:.0%} of its solo rate"


@pytest.mark.parametrize("name", HELD)
def test_held_twin_stops_python(name):
    share = main_thread_share(name)
    if GIL_ENABLED:
        assert share < 0.1, (
            f"{name}: main thread kept {share:.0%} of its rate; the GIL was not held"
        )
    else:
        assert share > 0.3, (
            f"{name}: no GIL on this build, yet the main thread kept only {share:.0%}"
        )
