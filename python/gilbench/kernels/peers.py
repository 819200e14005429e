"""Peers: the same kernel from toolchains gilbench does not build, for ``gilbench bench``.

A peer answers the same question as a backend (the exact sum of squares of a range,
the same domain, the same exceptions outside it) but comes from an optional package,
so it is compared on kernel speed only.  It is not a backend: ``backend_names()``
does not list it, so ``run``, ``seed``, ``crossover`` and the conformance suite
never see it.

The one peer is Numba (the extra ``gilbench[peers]``): an ``@njit(nogil=True)``
function running the exact algorithm of the native AVX2 loop's lanes (two uint64 sums,
see ``native/sum_squares_avx2.h``) as one plain loop that LLVM vectorises, compiled when
the peer is first asked for.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from gilbench.kernels.kernel import Kernel, KernelUnavailable

INSTALL_HINT = "pip install 'gilbench[peers]'"


PeerUnavailable = KernelUnavailable
Peer = Kernel  # a peer is a kernel of kind "peer"


# --- numba ---------------------------------------------------------------------------

# LLVM's induction-variable pass replaces a loop's exit value by its closed form when it
# can ("exit value replacement", through scalar evolution): a loop that only sums x*x
# becomes a polynomial and the loop disappears. The kernel's second lane (the sum of
# each square's high half) already defeats that, but the peer must do the work whatever
# LLVM learns next, so the replacement is switched off before it compiles. It is a
# process-wide LLVM option: it also applies to Numba code the caller compiles later.
# The option has existed under this name in every LLVM that Numba >= 0.60 ships.
_NO_EXIT_VALUE_REPLACEMENT = "-replexitval=never"


def _compile_numba() -> tuple[Callable[[int, int], int], str]:
    """The Numba kernel, compiled now for uint64 arguments, and Numba's version.

    ImportError if Numba is not installed.
    """
    numba = importlib.import_module("numba")
    import llvmlite.binding
    import numpy as np

    llvmlite.binding.set_option("gilbench", _NO_EXIT_VALUE_REPLACEMENT)

    # Everything is np.uint64, so nothing is promoted to float64 or int64: x*x and
    # both sums wrap modulo 2**64, exactly as in the native kernels.
    @numba.njit("UniTuple(uint64, 2)(uint64, uint64)", nogil=True, cache=False)
    def halves(start, stop):  # compiled to machine code; never runs as Python
        total = np.uint64(0)  # the sum of the whole squares, wrapping
        high = np.uint64(0)  # the sum of their high 32 bits: < 2**64, never wraps
        for i in range(start, stop):
            x = np.uint64(i)
            square = x * x  # i < 2**32, so the square fits 64 bits
            total += square
            high += square >> np.uint64(32)
        # The sum of the low halves is below 2**64 too, so it is exactly this:
        return high, total - (high << np.uint64(32))

    def sum_squares(start: int, stop: int) -> int:
        high, low = halves(np.uint64(start), np.uint64(stop))
        return (int(high) << 32) + int(low)  # joined in Python: no 128-bit type needed

    return sum_squares, f"Numba {numba.__version__}"


def _numba_peer() -> Peer:
    try:
        kernel, toolchain = _compile_numba()
    except ImportError as error:
        reason = f"Numba is not installed ({error}); install it with: {INSTALL_HINT}"
        return Kernel("numba", "peer", "Numba", True, False, reason, None)
    except Exception as error:  # a Numba that imports but cannot compile (LLVM, NumPy)
        reason = f"the Numba kernel did not compile: {type(error).__name__}: {error}"
        return Kernel("numba", "peer", "Numba", True, False, reason, None)
    return Kernel("numba", "peer", toolchain, True, True, None, kernel)


_PEERS: dict[str, Callable[[], Peer]] = {"numba": _numba_peer}


def peer_names() -> list[str]:
    return list(_PEERS)


@functools.cache
def get_peer(name: str) -> Peer:
    """The peer called ``name`` (compiled on the first call); ``ValueError`` if unknown."""
    if name not in _PEERS:
        raise ValueError(f"unknown peer {name!r}; choose from: {', '.join(peer_names())}")
    return _PEERS[name]()
