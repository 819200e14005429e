"""The one type every measured kernel has, and how a worker finds it again by name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from gilbench.kernels.domain import check_range
from gilbench.kernels.oracle import expected_sum_squares


class KernelUnavailable(RuntimeError):
    """A kernel's module could not be loaded on this installation."""


@dataclass(frozen=True)
class Kernel:
    """One implementation of the kernel: a gilbench backend or a peer.

    ``twin_of`` names the kernel whose GIL-releasing code this one runs with the
    GIL held (``cpp-gil`` is the twin of ``cpp``); ``kernel_path`` is the native
    loop a compiled module chose for this CPU ("avx512-ifma", "avx2", "portable").
    """

    first_size: ClassVar[int] = 1000  # where sizing a task starts: a range of 1000 is quick

    name: str
    kind: str  # "backend", "peer" or "probe" (the user's function)
    toolchain: str
    releases_gil: bool
    available: bool
    reason: str | None  # why it is unavailable
    _function: Callable[[int, int], int] | None
    source: str | None = None  # file:line where the GIL is released (or held)
    kernel_path: str | None = None
    kernel_paths: tuple[str, ...] = ()  # every loop this CPU can run, best first
    twin_of: str | None = None
    compiled: bool = True  # False: interpreted (pure Python, NumPy), sized rather than run whole
    stays_here: str | None = None  # why it cannot run in another process or interpreter

    @property
    def ref(self) -> str:
        """What a worker in another process or interpreter passes to :func:`resolve`."""
        return f"{self.kind}:{self.name}"

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name!r}"

    def sum_squares(self, start: int, stop: int) -> int:
        """Return ``sum(i*i for i in range(start, stop))`` exactly.

        ``0 <= start`` and ``stop <= 2**32``; see :func:`gilbench.check_range` for the
        exceptions raised outside that domain.
        """
        start, stop = check_range(start, stop)
        if self._function is None:
            raise KernelUnavailable(f"{self.label} is unavailable: {self.reason}")
        return self._function(start, stop)

    # What executors call.  A task is a range: for the sum-of-squares kernels it is the
    # range summed; a probed function (``gilbench probe``) calls itself once per element.

    def task(self, start: int, stop: int) -> Any:
        """One task: what an executor runs for the range ``[start, stop)``."""
        return self.sum_squares(start, stop)

    def expected(self, ranges: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Any] | None:
        """The exact answer of each distinct task, computed once, to check every result
        (None: results are not checked)."""
        return {r: expected_sum_squares(*r) for r in set(ranges)}

    def observed(self, held_share: float) -> Kernel:
        """This kernel once its hold on the GIL has been seen; a backend's is known already."""
        return self


def resolve(ref: str) -> Kernel:
    """The kernel a ``ref`` names ("backend:cpp", "peer:numba", "probe:/tmp/.../call.pickle");
    ``ValueError`` if unknown."""
    kind, _, name = ref.partition(":")
    if kind == "backend":
        from gilbench.kernels.backends import get_backend

        return get_backend(name)
    if kind == "peer":
        from gilbench.kernels.peers import get_peer

        return get_peer(name)
    if kind == "probe":
        from gilbench.kernels.function import load

        return load(name)
    raise ValueError(f"unknown kernel reference {ref!r}")
