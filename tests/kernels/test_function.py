"""A user function as a kernel: found by name, rebuilt in a worker, looped, checked."""

from __future__ import annotations

import dataclasses
import zlib
from pathlib import Path

import pytest

from gilbench import examples
from gilbench.executors.processes import Processes
from gilbench.executors.threads import Threads
from gilbench.kernels import resolve
from gilbench.kernels.function import (
    Call,
    CallFailed,
    display_name,
    find,
    function_kernel,
    load,
    reference_of,
    write_call,
)


def test_find_imports_module_and_dotted_name() -> None:
    assert find("zlib:compress") is zlib.compress
    assert find("os:path.join").__name__ == "join"


@pytest.mark.parametrize(
    ("reference", "said"),
    [
        ("zlib", "is not MODULE:FUNCTION"),
        (":compress", "is not MODULE:FUNCTION"),
        ("no_such_module_here:f", "cannot import module 'no_such_module_here'"),
        ("zlib:nothing", "module 'zlib' has no attribute 'nothing'"),
        ("zlib:MAX_WBITS", "zlib:MAX_WBITS is an int, not something to call"),
    ],
)
def test_find_fails_in_one_line(reference: str, said: str) -> None:
    with pytest.raises(ValueError, match=said) as caught:
        find(reference)
    assert "\n" not in str(caught.value)


def test_a_module_that_raises_on_import_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_on_import.py").write_text("raise SystemExit('no')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="cannot import module 'broken_on_import': SystemExit"):
        find("broken_on_import:f")


def test_reference_of_a_module_function_and_why_not_of_others() -> None:
    assert reference_of(zlib.compress) == ("zlib:compress", None)
    assert reference_of(examples.sha256) == ("gilbench.examples:sha256", None)
    reference, why = reference_of(lambda: 1)
    assert reference is None and "a lambda" in why and "top level of a module" in why

    def inner() -> None:
        pass

    assert "defined inside a function" in str(reference_of(inner)[1])


def test_display_name_is_short() -> None:
    assert display_name(zlib.compress) == "zlib.compress"
    assert display_name(examples.to_json, "gilbench.examples:to_json") == "examples.to_json"


def test_a_task_calls_the_function_once_per_element_and_returns_the_last() -> None:
    calls: list[int] = []

    def count() -> int:
        calls.append(1)
        return len(calls)

    kernel = function_kernel("count", count, (), {}, "local")
    assert kernel.task(0, 5) == 5 and len(calls) == 5
    assert Processes.refuses(kernel) == "local" and Threads.refuses(kernel) is None


def test_expected_is_the_reference_unless_unchecked() -> None:
    kernel = function_kernel("compress", zlib.compress, (b"ab",), {}, None)
    checked = dataclasses.replace(kernel, reference=b"x")
    assert checked.expected([(0, 3), (0, 3)]) == {(0, 3): b"x"}
    assert dataclasses.replace(checked, checked=False).expected([(0, 3)]) is None


def test_a_worker_rebuilds_the_kernel_from_its_pickled_call(tmp_path: Path) -> None:
    path = str(tmp_path / "call.pickle")
    assert write_call(Call("zlib:compress", (b"aaaa",), {"level": 1}), path) is None
    rebuilt = resolve(f"probe:{path}")
    assert rebuilt.task(0, 2) == zlib.compress(b"aaaa", level=1)
    assert rebuilt is load(path)  # arguments made once per worker


def test_setup_makes_the_arguments_in_the_worker(tmp_path: Path) -> None:
    path = str(tmp_path / "call.pickle")
    write_call(Call("gilbench.examples:sha256", setup="gilbench.examples:some_bytes"), path)
    assert resolve(f"probe:{path}").task(0, 1) == examples.sha256(examples.some_bytes())


def test_a_setup_that_raises_names_it() -> None:
    with pytest.raises(CallFailed, match="setup math:sqrt raised TypeError"):
        Call("zlib:compress", setup="math:sqrt").arguments()


def test_arguments_that_cannot_be_pickled_keep_the_call_here(tmp_path: Path) -> None:
    import threading

    why = write_call(Call("zlib:compress", (threading.Lock(),)), str(tmp_path / "c.pickle"))
    assert why is not None and "cannot be pickled" in why
    assert not (tmp_path / "c.pickle").exists()
