"""The peers: the same kernel from optional toolchains (Numba), for ``gilbench bench`` only."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pytest

import gilbench
from gilbench.kernels import peers
from gilbench.kernels.domain import LIMIT
from gilbench.kernels.oracle import expected_sum_squares


@pytest.fixture
def fresh_peers() -> Iterator[None]:
    """Forget compiled peers before and after: a test may change what can be imported."""
    peers.get_peer.cache_clear()
    yield
    peers.get_peer.cache_clear()


def numba_peer() -> gilbench.Backend:
    pytest.importorskip("numba")
    peer = peers.get_peer("numba")
    assert peer.available, peer.reason
    return peer


def test_the_peer_is_not_a_backend() -> None:
    assert peers.peer_names() == ["numba"]
    assert "numba" not in gilbench.backend_names()
    with pytest.raises(ValueError, match="unknown backend 'numba'"):
        gilbench.get_backend("numba")


def test_unknown_peer() -> None:
    with pytest.raises(ValueError, match="unknown peer 'julia'; choose from: numba"):
        peers.get_peer("julia")


@pytest.mark.parametrize(
    ("start", "stop"),
    [
        (0, 0),
        (10, 3),
        (0, 1),
        (0, 3000),
        (123_456, 234_567),
        (LIMIT - 1, LIMIT),
        (LIMIT - 1000, LIMIT),
        (LIMIT, LIMIT),
        (LIMIT + 7, 3),  # start beyond the domain, empty range
    ],
)
def test_numba_peer_is_exact(start: int, stop: int) -> None:
    result = numba_peer().sum_squares(start, stop)
    assert type(result) is int
    assert result == expected_sum_squares(start, stop)


def test_numba_peer_is_a_kernel_that_releases_the_gil() -> None:
    peer = numba_peer()
    assert peer.kind == "peer" and peer.compiled and peer.releases_gil
    assert peer.toolchain.startswith("Numba ")
    assert peer.twin_of is None and peer.reason is None


def test_numba_peer_accepts_numpy_integers() -> None:
    peer = numba_peer()
    assert peer.sum_squares(np.int64(5), np.uint32(10)) == sum(i * i for i in range(5, 10))


@pytest.mark.parametrize(
    ("start", "stop", "error"),
    [
        (-1, 5, ValueError),
        (0, LIMIT + 1, OverflowError),
        (0.5, 3, TypeError),
        ("0", 3, TypeError),
        (0, None, TypeError),
    ],
)
def test_numba_peer_raises_like_the_backends(start: object, stop: object, error: type) -> None:
    peer = numba_peer()
    with pytest.raises(error):
        peer.sum_squares(start, stop)  # type: ignore[arg-type]
    with pytest.raises(error):
        gilbench.get_backend("python").sum_squares(start, stop)  # type: ignore[arg-type]


def test_without_numba_the_peer_is_unavailable_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, fresh_peers: None
) -> None:
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba now raises ImportError
    peer = peers.get_peer("numba")
    assert not peer.available
    assert "pip install 'gilbench[peers]'" in (peer.reason or "")
    with pytest.raises(peers.PeerUnavailable, match="gilbench\\[peers\\]"):
        peer.sum_squares(0, 10)
    with pytest.raises(ValueError):  # the domain is still checked first
        peer.sum_squares(-1, 10)
