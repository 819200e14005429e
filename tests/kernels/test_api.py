"""The public API that the driver and users script against."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

import gilbench

ROOT = Path(__file__).resolve().parents[2]
RELEASE_MARKERS = {
    "cython": "with nogil",
    "cpp": "gil_scoped_release",
    "rust": "detach",
    "numpy": "np.",
}


def test_backend_names_are_stable():
    assert gilbench.backend_names() == [
        "python", "numpy", "cython", "cython-gil", "cpp", "cpp-gil", "rust", "rust-gil",
    ]  # fmt: skip


def test_every_backend_is_described(backend):
    assert backend.releases_gil == (
        backend.name not in ("python",) and not backend.name.endswith("-gil")
    )
    assert backend.toolchain
    assert backend.reason is None


def test_unknown_backend_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown backend 'fortran'") as error:
        gilbench.get_backend("fortran")
    for name in gilbench.backend_names():
        assert name in str(error.value)


def test_installed_package_holds_all_three_compiled_modules():
    package = resources.files("gilbench")
    names = [entry.name for entry in package.iterdir()]
    for module in ("_cython", "_cpp", "_rust"):
        assert any(re.fullmatch(rf"{module}\..*(so|pyd)", name) for name in names), names
    assert set(gilbench.build_info()) >= {"cxx_compiler", "pybind11", "cython", "pyo3", "cargo"}
    assert all(gilbench.build_info().values()), gilbench.build_info()


def test_a_missing_module_is_reported_not_raised():
    code = (
        "import sys; sys.modules['gilbench._rust'] = None\n"
        "import gilbench\n"
        "b = gilbench.get_backend('rust')\n"
        "print(b.available, b.reason)\n"
        "try:\n"
        "    b.sum_squares(0, 3)\n"
        "except gilbench.BackendUnavailable as e:\n"
        "    print('raised', e)\n"
        "print(gilbench.get_backend('cpp').sum_squares(0, 3))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("False ")
    assert "raised backend 'rust' is unavailable" in out
    assert out.strip().endswith("5")


@pytest.mark.parametrize("name", gilbench.backend_names())
def test_source_location_points_at_the_gil_line(name):
    """README's table of where each backend releases (or holds) the GIL comes from here."""
    backend = gilbench.get_backend(name)
    path, line = backend.source.rsplit(":", 1)
    text = (ROOT / path).read_text().splitlines()[int(line) - 1]
    marker = RELEASE_MARKERS.get(name.removesuffix("-gil"))
    if name == "python":
        assert "for i in range" in text
    elif name.endswith("-gil"):
        assert "_gil" in text and marker not in text
    else:
        assert marker in text, text


@pytest.mark.parametrize("name", gilbench.backend_names())
def test_readme_names_where_each_backend_releases_the_gil(name):
    """README's table of where each backend releases (or holds) the GIL matches the code."""
    assert gilbench.get_backend(name).source in (ROOT / "README.md").read_text()
