"""Functions to probe: one per case users meet, each with what it does to the GIL.

Each is probed from the command line as ``gilbench probe gilbench.examples:NAME``,
with ``--setup gilbench.examples:FACTORY`` where its input is data (made once in
each worker, not sent with every task).  README shows every probe, measured.

==============  ========================================  ===============================
function        setup                                     the GIL
==============  ========================================  ===============================
python_loop     (none: ``n`` has a default)               takes turns: pure Python
sha256          some_bytes                                released: hashlib, over 2 KiB
compress        some_bytes                                released: zlib's deflate
matmul          matrices                                  released, but BLAS has threads
to_json         big_dict                                  held: the C encoder keeps it
sleep           (none)                                    released: waiting, not computing
==============  ========================================  ===============================
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from typing import Any

import numpy as np

SIZE = 4 * 2**20  # bytes for sha256 and compress: a few MB, as a file read at once

CASES: dict[str, tuple[str | None, str]] = {
    # function: (its setup factory, its hold on the GIL: released, takes turns or held)
    "python_loop": (None, "takes turns"),
    "sha256": ("some_bytes", "released"),
    "compress": ("some_bytes", "released"),
    "matmul": ("matrices", "released"),
    "to_json": ("big_dict", "held"),
    "sleep": (None, "released"),
}
"""What the tests check and ``tools/probe_examples.py`` measures for README."""


def python_loop(n: int = 300_000) -> int:
    """Pure Python arithmetic: the interpreter holds the GIL, handing it over every 5 ms."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def sha256(data: bytes) -> str:
    """CPython's hashlib releases the GIL while it hashes a buffer of more than 2 KiB."""
    return hashlib.sha256(data).hexdigest()


def compress(data: bytes) -> bytes:
    """zlib releases the GIL around each call into deflate."""
    return zlib.compress(data, 6)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NumPy releases the GIL for the product; its BLAS may already use every core."""
    return a @ b


def to_json(data: dict[str, Any]) -> str:
    """The C JSON encoder holds the GIL from the first key to the last."""
    return json.dumps(data)


def sleep(seconds: float = 0.02) -> None:
    """I/O-bound, as a network call is: nothing computed, the GIL released while waiting."""
    time.sleep(seconds)


# --- setup factories: called once in each worker, with no arguments -------------------


def some_bytes() -> bytes:
    """``SIZE`` bytes over 16 symbols: deflate compresses them about 2:1, at its usual pace."""
    rng = np.random.default_rng(0)
    return rng.integers(0, 16, SIZE, dtype=np.uint8).tobytes()


def matrices() -> tuple[np.ndarray, np.ndarray]:
    """Two 384 x 384 matrices of floats: the positional arguments of ``matmul``."""
    rng = np.random.default_rng(0)
    return rng.random((384, 384)), rng.random((384, 384))


def big_dict() -> dict[str, Any]:
    """A dict of 100,000 small records, as a large API response might be.

    Large enough that one call lasts several switch intervals (5 ms) even on CPython
    3.15, whose encoder is about 5x faster than 3.11's: a short call, run in a loop, hands
    the GIL over between calls, and reads as taking turns rather than holding it. On an
    AMD Zen 5 under 3.15, 50,000 records took 14 ms a call and read held 0.75; these
    100,000 take 28 ms and read 0.88 (about 130 ms and 0.96 under 3.11)."""
    return {f"key{i}": {"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(100_000)}
