"""The baseline: the tasks one after another in the calling thread."""

from __future__ import annotations

from collections.abc import Sequence

from gilbench.executors.base import Executor, Range, TaskOutcome
from gilbench.kernels import Kernel


class Sequential(Executor):
    name = "sequential"
    title = "sequential: the baseline, the same tasks one after another"
    shares_gil = True

    def waits_are_others(self) -> bool:
        return True  # one thread, this one: no other of ours wants a core meanwhile

    def run(self, kernel: Kernel, ranges: Sequence[Range]) -> list[TaskOutcome]:
        return [(kernel.task(start, stop), None) for start, stop in ranges]
