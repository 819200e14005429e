"""A ``ThreadPoolExecutor``: one thread per worker, all in this process and interpreter."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from collections.abc import Sequence

from gilbench.executors.base import (
    READY_TIMEOUT_S,
    Executor,
    Range,
    TaskOutcome,
    pin_to,
    wait_all,
)
from gilbench.kernels import Kernel


class Threads(Executor):
    name = "threads"
    title = "threads: one ThreadPoolExecutor thread per worker in one process"
    shares_gil = True

    _pool: cf.ThreadPoolExecutor | None = None
    _threads: list[int] | None = None

    @classmethod
    def heading(cls, gil_enabled: bool) -> str:
        return f"{cls.title}, {'one GIL shared' if gil_enabled else 'no GIL on this build'}"

    def start(self) -> float:
        began = time.perf_counter()
        self._pool = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="gilbench")
        # While the barrier holds every task, each runs on a thread of its own: the
        # pool is then fully started, and each thread pins itself once, if asked.
        barrier = threading.Barrier(self.workers)

        def ready(slot: int) -> int:
            pin_to(self.cpus, slot)
            barrier.wait(READY_TIMEOUT_S)
            return threading.get_native_id()

        self._threads = wait_all([self._pool.submit(ready, slot) for slot in range(self.workers)])
        self.startup_s = time.perf_counter() - began
        return self.startup_s

    def worker_threads(self) -> list[int] | None:
        return list(self._threads or ())

    def run(self, kernel: Kernel, ranges: Sequence[Range]) -> list[TaskOutcome]:
        assert self._pool is not None, "start() first"
        futures = [self._pool.submit(kernel.task, start, stop) for start, stop in ranges]
        return [(value, None) for value in wait_all(futures)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._threads = None  # their ids may be reused by the next pool's threads

    def terminate(self) -> None:
        # A running thread cannot be stopped; drop the queue and let the caller leave.
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        self._threads = None
