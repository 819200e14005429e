"""An ``InterpreterPoolExecutor``: one thread per worker, each running its own interpreter.

Since CPython 3.14 (PEP 734, ``concurrent.interpreters``) an interpreter created for
a worker has its own GIL: its Python code runs in parallel with the others' in one
process, as in a process pool, without starting processes.  The price is isolation:
the task and its answer cross between interpreters by pickling (a function is found
by name in its module), and an extension module loads only if it declares that it
supports being loaded in several interpreters, each with its own GIL.  NumPy and
PyO3 modules do not, so ``refuses`` asks a fresh interpreter to load each backend and
reports the ``ImportError`` it gets.  The workers are threads of this process, so its
``process_time`` covers the work they do, and cores busy holds.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import platform
import sys
import threading
import time
from collections.abc import Sequence

from gilbench.executors.base import Range, TaskOutcome, pin_to, wait_all
from gilbench.executors.threads import Threads
from gilbench.kernels import Kernel, resolve

MINIMUM = (3, 14)


def run_task(ref: str, start: int, stop: int) -> int:
    """One task inside a worker's interpreter: the kernel's exact result."""
    return resolve(ref).task(start, stop)


def _ready(cpus: list[int] | None, slot: int) -> int:
    """Runs once in each new worker: pin it if asked; its thread's id proves it is new."""
    pin_to(cpus, slot)
    return threading.get_native_id()


def _loads(ref: str) -> str | None:
    """Inside a fresh interpreter: None if the kernel loads there, else why not."""
    kernel = resolve(ref)
    return None if kernel.available else (kernel.reason or "unavailable")


class Interpreters(Threads):
    """Closed and stopped as the thread pool is (it is one, each thread with an interpreter)."""

    name = "interpreters"
    title = "interpreters: one InterpreterPoolExecutor worker per thread, each its own GIL"
    shares_gil = False
    runs_elsewhere = True

    @classmethod
    def heading(cls, gil_enabled: bool) -> str:
        return cls.title

    @classmethod
    def unavailable(cls) -> str | None:
        if sys.version_info < MINIMUM:
            return (
                "needs CPython 3.14 or later (concurrent.futures.InterpreterPoolExecutor); "
                f"this is {platform.python_version()}"
            )
        return None

    @classmethod
    def refuses(cls, kernel: Kernel) -> str | None:
        if cls.unavailable() is not None:
            return cls.unavailable()
        return super().refuses(kernel) or _refusal(kernel.ref)

    def start(self) -> float:
        began = time.perf_counter()
        self._pool = cf.InterpreterPoolExecutor(  # type: ignore[attr-defined]
            self.workers, thread_name_prefix="gilbench-interp"
        )
        # A pool starts a thread (and its interpreter) per submit while none is idle:
        # submitting the ready calls at once starts them all; distinct thread ids prove it.
        seen: set[int] = set()
        for _ in range(3):
            todo = self.workers - len(seen)
            slots = range(len(seen), len(seen) + todo)
            seen.update(wait_all([self._pool.submit(_ready, self.cpus, s) for s in slots]))
            if len(seen) >= self.workers:
                break
        self._threads = sorted(seen)
        self.startup_s = time.perf_counter() - began
        return self.startup_s

    def run(self, kernel: Kernel, ranges: Sequence[Range]) -> list[TaskOutcome]:
        assert self._pool is not None, "start() first"
        futures = [self._pool.submit(run_task, kernel.ref, a, b) for a, b in ranges]
        return [(value, None) for value in wait_all(futures)]


@functools.cache
def _refusal(ref: str) -> str | None:
    """Ask a fresh interpreter with its own GIL to load the kernel; why it could not, if so."""
    with cf.InterpreterPoolExecutor(1) as pool:  # type: ignore[attr-defined]
        try:
            reason = pool.submit(_loads, ref).result()
        except Exception as error:  # the interpreter could not even import gilbench
            reason = f"{type(error).__name__}: {error}"
    if reason is None:
        return None
    return "cannot run in a subinterpreter: " + _why(reason)


def _why(reason: str) -> str:
    """The line of an import error that says why. NumPy's starts with a blank line and a
    page of advice, and quotes CPython's own message last, after "Original error was: "."""
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    return lines[-1].removeprefix("Original error was: ") if lines else "no reason given"
