"""The user's own function as a kernel: what ``gilbench probe`` measures.

A task of ``[start, stop)`` calls the function ``stop - start`` times with the same
arguments and returns the last result, so a call of a millisecond can be repeated
into a task long enough to time.  Its answer is checked against the function's own
first result (the probe's sequential answer), not against a formula.

A worker in another process or interpreter finds the function again by name: the
call (module, qualified name, arguments or a setup factory) is written once to a
pickle file, and the kernel's ``ref`` is ``probe:<that file>``.  Each worker loads
it once, imports the function and, with ``setup``, calls the factory for its own
arguments.  A function that cannot be imported by name (a lambda, a closure,
something defined in ``__main__``) or arguments that cannot be pickled keep the
kernel in this process: ``stays_here`` says why, and executors that would need to
send it elsewhere refuse it.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from gilbench.kernels.kernel import Kernel

KIND = "probe"


class CallFailed(RuntimeError):
    """The probed function (or its setup factory) raised: the probe cannot go on."""


def find(reference: str) -> Callable[..., Any]:
    """The callable ``MODULE:NAME`` names (NAME may be dotted); ``ValueError`` in one line."""
    module_name, colon, name = reference.partition(":")
    if not colon or not module_name or not name:
        raise ValueError(f"{reference!r} is not MODULE:FUNCTION (e.g. zlib:compress)")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # the current folder, as 'python -m' has it
    try:
        found: Any = importlib.import_module(module_name)
    except BaseException as error:  # an import can raise anything, even SystemExit
        raise ValueError(
            f"cannot import module {module_name!r}: {type(error).__name__}: {error}"
        ) from None
    for part in name.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ValueError(f"module {module_name!r} has no attribute {name!r}") from None
    if not callable(found):
        kind = type(found).__name__
        article = "an" if kind[0] in "aeiou" else "a"
        raise ValueError(f"{reference} is {article} {kind}, not something to call")
    return found


def display_name(function: Callable[..., Any], reference: str | None = None) -> str:
    """'zlib.compress', 'examples.to_json': the module's last part and the function's name,
    short enough for a table's first column."""
    module, _, name = (reference or "").partition(":")
    module = module or getattr(function, "__module__", None) or ""
    name = name or getattr(function, "__qualname__", None) or repr(function)
    return f"{module.rsplit('.', 1)[-1]}.{name}" if module else name


def reference_of(function: Callable[..., Any]) -> tuple[str | None, str | None]:
    """``("module:qualname", None)`` when another process can import ``function`` by name,
    else ``(None, why not and how to make it so)``."""
    module = getattr(function, "__module__", None)
    qualname = getattr(function, "__qualname__", None)
    if not module or not qualname:
        return None, f"{function!r} has no module and name to be imported by"
    if module == "__main__" or "<" in qualname:  # <lambda>, <locals>
        what = "a lambda" if "<lambda>" in qualname else "defined inside a function"
        if module == "__main__":
            what = "defined in __main__ (a script or a notebook)"
        return None, (
            f"{module}.{qualname} is {what}: another process cannot import it by name; "
            "define it at the top level of a module to probe it there too"
        )
    reference = f"{module}:{qualname}"
    try:
        same = find(reference) is function
    except ValueError:
        same = False
    if not same:
        return None, f"importing {reference} does not give back the function probed"
    return reference, None


@dataclass(frozen=True)
class Call:
    """One call to probe, as it travels to a worker: what to import and what to pass."""

    function: str  # MODULE:NAME
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    setup: str | None = None  # MODULE:FACTORY returning the positional arguments
    path: tuple[str, ...] = ()  # this process's sys.path, so a worker finds the same modules

    def arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The arguments; with ``setup``, from its factory (called here, once per worker)."""
        if self.setup is None:
            return self.args, self.kwargs
        factory = find(self.setup)
        try:
            made = factory()
        except Exception as error:
            raise CallFailed(
                f"setup {self.setup} raised {type(error).__name__}: {error}"
            ) from error
        # A tuple is the positional arguments; anything else is the one argument.
        return (made if isinstance(made, tuple) else (made,)) + self.args, self.kwargs


@dataclass(frozen=True)
class FunctionKernel(Kernel):
    """A user function, measured as a kernel; ``task(0, k)`` calls it ``k`` times."""

    first_size: ClassVar[int] = 1  # one call may last seconds

    bound: Callable[[], Any] | None = None  # the function with its arguments, ready to call
    ref_path: str | None = None  # the pickle file another worker loads the call from
    reference: Any = None  # the function's first result: every task is checked against it
    checked: bool = True

    @property
    def ref(self) -> str:
        return f"{KIND}:{self.ref_path}"

    @property
    def label(self) -> str:
        return f"function {self.name}"

    def task(self, start: int, stop: int) -> Any:
        assert self.bound is not None
        result = None
        for _ in range(stop - start):
            result = self.bound()
        return result

    def expected(self, ranges: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Any] | None:
        return {r: self.reference for r in set(ranges)} if self.checked else None

    def observed(self, held_share: float) -> FunctionKernel:
        """This kernel once its hold on the GIL has been seen (the reports read releases_gil)."""
        return dataclasses.replace(self, releases_gil=held_share < 0.2)


def function_kernel(
    name: str,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    stays_here: str | None,
) -> FunctionKernel:
    """A kernel that calls ``function(*args, **kwargs)`` (workers rebuild it with ``load``)."""
    return FunctionKernel(
        name,
        KIND,
        "your code",
        releases_gil=False,  # until observed
        available=True,
        reason=None,
        _function=None,
        compiled=False,
        bound=functools.partial(function, *args, **kwargs),
        stays_here=stays_here,
    )


def write_call(call: Call, path: str) -> str | None:
    """Save ``call`` for the workers; why it could not be pickled, or None."""
    try:
        data = pickle.dumps(call)
    except Exception as error:
        return f"its arguments cannot be pickled to reach another worker ({error})"
    with open(path, "wb") as file:
        file.write(data)
    return None


@functools.cache
def load(path: str) -> FunctionKernel:
    """In a worker: the kernel saved at ``path``, its arguments made once (cached)."""
    with open(path, "rb") as file:
        call: Call = pickle.load(file)
    for folder in reversed(call.path):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    args, kwargs = call.arguments()
    kernel = function_kernel(call.function, find(call.function), args, kwargs, None)
    return dataclasses.replace(kernel, ref_path=path)
