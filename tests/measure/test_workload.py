"""Task ranges: weak mode repeats the task, strong mode covers the range exactly once."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gilbench.kernels.oracle import expected_sum_squares
from gilbench.measure.workload import elements, split_range, task_ranges


@given(
    start=st.integers(0, 2**32),
    size=st.integers(0, 10**6),
    parts=st.integers(1, 64),
)
def test_split_range_covers_the_range_exactly_once(start: int, size: int, parts: int) -> None:
    stop = start + size
    pieces = split_range(start, stop, parts)
    assert len(pieces) == parts
    assert pieces[0][0] == start and pieces[-1][1] == stop
    for (_, upper), (lower, _) in itertools.pairwise(pieces):
        assert upper == lower  # contiguous: no gap, no overlap
    sizes = [b - a for a, b in pieces]
    assert sum(sizes) == size
    assert max(sizes) - min(sizes) <= 1


@given(n=st.integers(1, 10**5), workers=st.integers(1, 32))
def test_strong_pieces_sum_to_the_whole(n: int, workers: int) -> None:
    pieces = task_ranges("strong", n, workers)
    assert sum(expected_sum_squares(a, b) for a, b in pieces) == expected_sum_squares(0, n)
    assert elements("strong", n, workers) == n


def test_weak_mode_gives_every_worker_the_same_task() -> None:
    assert task_ranges("weak", 1000, 3) == [(0, 1000)] * 3
    assert elements("weak", 1000, 3) == 3000


def test_strong_mode_with_more_workers_than_elements_gives_empty_pieces() -> None:
    assert task_ranges("strong", 2, 3) == [(0, 1), (1, 2), (2, 2)]


def test_bad_mode_and_parts() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        task_ranges("medium", 10, 2)
    with pytest.raises(ValueError, match="parts"):
        split_range(0, 10, 0)
