"""On a free-threaded CPython, importing every backend must leave the GIL off.

CPython re-enables the GIL, with a RuntimeWarning, when it imports an extension
that did not declare free-threading support. Each native module declares it in
its own toolchain's way (Cython's freethreading_compatible, pybind11's
mod_gil_not_used, PyO3's gil_used = false); this test holds them to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig

import pytest

FREE_THREADED_BUILD = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


@pytest.mark.skipif(not FREE_THREADED_BUILD, reason="needs a free-threaded CPython build")
def test_importing_every_backend_keeps_the_gil_off():
    code = (
        "import sys, gilbench\n"
        "for name in gilbench.backend_names():\n"
        "    backend = gilbench.get_backend(name)\n"
        "    assert backend.available, (name, backend.reason)\n"
        "    backend.sum_squares(0, 10)\n"
        "print(sys._is_gil_enabled())\n"
    )
    # -W error turns the RuntimeWarning that re-enables the GIL into a failure.
    result = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHON_GIL"},  # no forcing either way
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert "RuntimeWarning" not in result.stderr
