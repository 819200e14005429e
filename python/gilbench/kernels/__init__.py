"""What is measured: kernels, each one exact implementation of the sum of squares.

A :class:`Kernel` is one implementation as the driver sees it: its name, the
toolchain that built it, whether it releases the GIL, whether it could be loaded
here (and why not), and the callable.  Backends (``backends.py``) are gilbench's
own eight; peers (``peers.py``) are the same algorithm from optional toolchains,
timed by ``bench`` only.  The domain check (``domain.py``) and the closed-form
oracle (``oracle.py``) are shared by all of them.  Executors in another process
or interpreter find a kernel again by its ``ref`` through :func:`resolve`.
"""

from __future__ import annotations

from gilbench.kernels.kernel import Kernel, KernelUnavailable, resolve

__all__ = ["Kernel", "KernelUnavailable", "resolve"]
