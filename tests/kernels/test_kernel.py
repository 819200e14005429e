"""The one ``Kernel`` type: its reference, ``resolve``, the GIL twins, the oracle."""

from __future__ import annotations

import dataclasses

import pytest

import gilbench
from gilbench.kernels import Kernel, KernelUnavailable, resolve
from gilbench.kernels.backends import Backend, BackendUnavailable
from gilbench.kernels.domain import LIMIT, check_range
from gilbench.kernels.oracle import expected_sum_squares, sum_squares_below
from gilbench.kernels.peers import Peer, PeerUnavailable
from helpers import ALL, NATIVE, fake_kernel


def test_backends_and_peers_are_one_type() -> None:
    assert Backend is Kernel and Peer is Kernel
    assert BackendUnavailable is KernelUnavailable and PeerUnavailable is KernelUnavailable
    assert gilbench.Backend is Kernel and gilbench.BackendUnavailable is KernelUnavailable


@pytest.mark.parametrize("name", ALL)
def test_a_backend_is_found_again_by_its_ref(name: str) -> None:
    backend = gilbench.get_backend(name)
    assert backend.kind == "backend"
    assert backend.ref == f"backend:{name}"
    assert backend.label == f"backend {name!r}"
    assert resolve(backend.ref) is backend  # cached: a worker gets the same object


def test_a_peer_is_found_again_by_its_ref() -> None:
    peer = resolve("peer:numba")
    assert peer.kind == "peer" and peer.name == "numba" and peer.ref == "peer:numba"
    assert peer.label == "peer 'numba'"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("backend:fortran", "unknown backend 'fortran'"),
        ("peer:julia", "unknown peer 'julia'"),
        ("plugin:cpp", "unknown kernel reference 'plugin:cpp'"),
        ("cpp", "unknown kernel reference 'cpp'"),
    ],
)
def test_an_unknown_ref_is_a_value_error(ref: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve(ref)


@pytest.mark.parametrize("name", ALL)
def test_gil_twins_name_the_kernel_they_hold_the_gil_for(name: str) -> None:
    backend = gilbench.get_backend(name)
    if name.endswith("-gil"):
        twin = gilbench.get_backend(backend.twin_of or "")
        assert backend.twin_of == name.removesuffix("-gil")
        assert twin.releases_gil and not backend.releases_gil
        assert twin.toolchain == backend.toolchain and twin.kernel_path == backend.kernel_path
    else:
        assert backend.twin_of is None


def test_compiled_means_not_interpreted() -> None:
    assert {n for n in ALL if gilbench.get_backend(n).compiled} == set(NATIVE)


@pytest.mark.parametrize("name", NATIVE)
def test_native_kernel_paths_list_the_chosen_loop_first_when_given(name: str) -> None:
    backend = gilbench.get_backend(name)
    assert backend.kernel_path is not None
    assert isinstance(backend.kernel_paths, tuple)
    if backend.kernel_paths:  # modules that list every loop this CPU can run
        assert backend.kernel_path in backend.kernel_paths


@pytest.mark.parametrize("name", ["python", "numpy"])
def test_interpreted_backends_have_no_native_loop(name: str) -> None:
    backend = gilbench.get_backend(name)
    assert backend.kernel_path is None and backend.kernel_paths == ()


def test_an_unavailable_kernel_checks_the_domain_then_says_why() -> None:
    missing = Kernel("ghost", "backend", "None", True, False, "not built here", None)
    with pytest.raises(ValueError):
        missing.sum_squares(-1, 3)
    with pytest.raises(KernelUnavailable, match="backend 'ghost' is unavailable: not built"):
        missing.sum_squares(0, 3)


def test_a_kernel_sees_only_checked_ranges() -> None:
    seen: list[tuple[int, int]] = []

    def spy(start: int, stop: int) -> int:
        seen.append((start, stop))
        return 0

    kernel = fake_kernel(spy)
    kernel.sum_squares(10, 3)
    kernel.sum_squares(LIMIT + 7, 3)
    assert seen == [(10, 10), (LIMIT, LIMIT)]
    assert dataclasses.replace(kernel, name="other").ref == "backend:other"


@pytest.mark.parametrize(
    ("start", "stop", "checked"),
    [(0, 0, (0, 0)), (5, 2, (5, 5)), (3, LIMIT, (3, LIMIT)), (LIMIT + 1, 0, (LIMIT, LIMIT))],
)
def test_check_range(start: int, stop: int, checked: tuple[int, int]) -> None:
    assert check_range(start, stop) == checked


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1000])
def test_oracle_matches_the_definition(n: int) -> None:
    assert sum_squares_below(n) == sum(i * i for i in range(n))
    assert expected_sum_squares(n // 2, n) == sum(i * i for i in range(n // 2, n))


def test_oracle_at_the_top_of_the_domain() -> None:
    top = 2**32
    assert expected_sum_squares(top - 3, top) == sum(i * i for i in range(top - 3, top))


def test_the_numpy_kernel_keeps_its_arrays_per_thread() -> None:
    import threading

    from gilbench.kernels import numpy_kernel

    assert numpy_kernel.sum_squares(0, 3 * numpy_kernel.CHUNK + 5) == expected_sum_squares(
        0, 3 * numpy_kernel.CHUNK + 5
    )
    kept = numpy_kernel._arrays(numpy_kernel.CHUNK)
    assert numpy_kernel._arrays(10) is kept  # no new arrays for a later call, nor a shorter one
    assert numpy_kernel.sum_squares(7, 20) == expected_sum_squares(7, 20)  # a prefix is used
    elsewhere: list = []
    thread = threading.Thread(target=lambda: elsewhere.append(numpy_kernel._arrays(10)))
    thread.start()
    thread.join()
    assert elsewhere[0][1] is not kept[1]  # another thread writes into arrays of its own
