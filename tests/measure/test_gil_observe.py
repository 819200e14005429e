"""The GIL observed per backend, as a run saves it: held share, its interval, the slow-down.

Classes only, with wide margins (released <= 0.3, held >= 0.7): never a time.
"""

from __future__ import annotations

import dataclasses
import math
import time

import pytest

import gilbench
from gilbench.measure import gil
from gilbench.measure.gil_probe import gil_enabled

KEYS = {
    "held_share",
    "held_share_ci",
    "shares",
    "slowdown",
    "slowdown_is_bound",
    "call_s",
    "gil_enabled",
    "switch_interval_s",
    "contended",
    "control_cpu_share",
}


def test_an_observation_is_saved_as_plain_data() -> None:
    seen = gil.observe(lambda: time.sleep(0.01), repeats=2)
    assert set(seen) == KEYS
    assert len(seen["shares"]) == 2 and all(isinstance(s, float) for s in seen["shares"])
    low, high = seen["held_share_ci"]
    assert min(seen["shares"]) <= low <= seen["held_share"] <= high <= max(seen["shares"])
    assert seen["gil_enabled"] is gil_enabled()
    assert math.isfinite(seen["slowdown"]) and seen["call_s"] > 0
    assert seen["held_share"] <= 0.3  # sleeping holds no GIL


@pytest.mark.skipif(not gil_enabled(), reason="held classes need a GIL")
@pytest.mark.parametrize(("name", "held"), [("cpp", False), ("cpp-gil", True)])
def test_a_backend_is_observed_on_a_call_sized_to_call_s(name: str, held: bool) -> None:
    backend = gilbench.get_backend(name)
    calls: list[tuple[int, int]] = []

    def spy(start: int, stop: int) -> int:
        calls.append((start, stop))
        return backend.sum_squares(start, stop)

    watched = dataclasses.replace(backend, _function=spy)
    task_n = 40_000_000
    began = time.perf_counter()
    backend.sum_squares(0, task_n)
    task_s = time.perf_counter() - began
    for _ in range(3):  # a machine too busy to tell turns from freedom is tried again
        seen = gil.observe_backend(watched, task_n, task_s)
        if not seen["contended"]:
            break
    else:
        pytest.skip("the machine stayed too busy for the GIL probe (the loop got < 3/4 core)")
    assert set(calls) == {(0, round(task_n * gil.CALL_S / task_s))}
    assert len(seen["shares"]) == gil.REPEATS
    if held:
        assert seen["held_share"] >= 0.7
    else:
        assert seen["held_share"] <= 0.3
