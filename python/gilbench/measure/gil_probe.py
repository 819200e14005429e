"""Observe the GIL directly: how much of a call's duration other Python threads cannot run.

Why: a speedup of ~1x from a thread pool says the call did not scale, not *why*. The GIL is
one cause among several (memory bandwidth, a lock in a library, too-short tasks). This
probe asks the question the GIL answers: while the call runs in one thread, can Python code
make progress in another?

How:

* The call runs in a worker thread; the calling thread runs a short Python counting loop and
  records (time, own CPU time) every ~20 us with clock reads that never release the GIL.
  The worker records the start and end of every call, so only the counter's CPU time
  inside the call's own spans is counted (linear interpolation at the span edges).
* What is compared is the share of the call the counting thread ran: its CPU time over
  the call's span less the time it was ready but waited for a core that another program
  had (Linux's run-queue wait, read from ``/proc/thread-self/schedstat``; see `stolen`).
  Whatever is left it spent asleep, waiting for the GIL. It is not how fast it counted:
  the counter's speed per CPU second moves with what the other thread does to the core
  it shares (on a 2-vCPU VM whose vCPUs share a physical core, a vector kernel beside
  it) and with the host, from one repeat to the next. On an AMD EPYC Zen 5 VM, 12
  repeats beside the GIL-free C++ kernel read -0.19 to 0.24 from the counting speed,
  and -0.00 to 0.01 from the share of the time it ran.
* That share during the call is compared with the same share during a **control** interval
  right before or after it, in which the worker runs a load that keeps one core busy
  *without* holding the GIL (`gil_free_load`, default `pbkdf2_load`). Both intervals see
  the same contention -- two busy threads on the machine, plus whatever the neighbours do
  at that moment -- and differ only in the GIL.
* ``held_share = 1 - free_during_call / free_during_control``, per repeat; the repeats are
  summarised with a median and an order-statistic interval (stats.estimate).
  0: the GIL was free for the whole call; ~0.5: Python code taking turns with the counter
  (the GIL is handed over every `sys.getswitchinterval()`); 1: held throughout (C code that
  never releases it).
* Also measured: the call's own slow-down beside the busy counter (per-call time beside it /
  per-call time alone, paired per repeat). A call that releases and re-takes the GIL many
  times (NumPy's chunked kernels) waits up to a switch interval at each re-take when another
  thread runs Python -- the convoy effect: 0.034 s alone became 9.6 s beside a busy thread.
  To bound the cost, the counter stops once the call has run past a cap (default: 20x the
  interval, at most 2 s, never below 2x the interval); the slow-down is then a lower bound,
  reported as ">= X" with `slowdown_is_bound`.

On free-threaded builds (`sys._is_gil_enabled()` false) there is no GIL; the observation says
so (`gil_enabled=False`), and the same number still tells whether the call keeps other
threads from running (a global lock in the extension, stop-the-world pauses).

The switch interval is used as the user has it (`sys.setswitchinterval` is never called) and
recorded, since the ~0.5 of "taking turns" and the size of the convoy effect depend on it.

Known limits (measured on a shared 2-vCPU VM; see GilObservation for the fields):

* Time a hypervisor takes from the whole VM (steal) is invisible to the guest: the counter
  neither runs nor waits in a run queue then, so it reads as held. Where the system does
  not report run-queue waits (not Linux), time other programs take reads as held too;
  there a call that needs less than a core -- sleep, I/O, or Python taking turns with
  the counter -- leaves the counter more room during the test than during the control
  on an oversubscribed machine, and reads low. Both sides of a repeat see the same
  machine, so this adds noise more than bias. `contended` flags a machine where the
  counter was on a core under `CONTENDED_BELOW` of the control, and no verdict leans on
  its shares.
* The worker times a call's end only once it holds the GIL again, and getting it back
  from the counter takes a switch interval: the counter keeps running for that long after
  every call returns (a GIL-holding call hands the GIL over as it returns, since CPython
  checks for a pending switch right after a C function returns; a GIL-free one must wait
  to re-take it). So the last switch interval of each span is left out of the count
  (spans over 4 switch intervals long; shorter ones are counted whole). Without that, a
  call of duration d that holds the GIL throughout read about d / (d + switch interval):
  0.94 for an 80 ms call at the default 5 ms. A pool of such tasks still sees the hand-over
  once per task.
* CPython only; the counting loop relies on the eval loop's periodic GIL drop requests.
"""

from __future__ import annotations

import functools
import hashlib
import statistics
import sys
from bisect import bisect_right
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from time import perf_counter, thread_time

from gilbench.measure import stolen
from gilbench.measure.stats import Estimate, estimate

__all__ = [
    "GilObservation",
    "gil_enabled",
    "measure_held_share",
    "pbkdf2_load",
    "sha256_load",
]

#: Iterations of the counting loop between two samples: ~15 us on CPython 3.11 here (AMD
#: EPYC VM), ~90 us on a 3.13 free-threaded build. Fine enough that the error at each span
#: edge is negligible against a >= 20 ms span; coarse enough that the two clock reads per
#: sample (perf_counter, thread_time) cost a few %, the same in test and control.
_CHUNK = 1000
#: Default shortest interval: calls shorter than this are repeated in a loop until the
#: interval has passed (each call's span still recorded separately).
MIN_INTERVAL_S = 0.1
#: Default cap on the test interval, as a multiple of the interval ...
MAX_SLOWDOWN = 20.0
#: ... and in seconds; the cap is never below 2x the interval (see `_cap_for`).
MAX_BESIDE_S = 2.0
#: The counting thread should get nearly a whole core during the control interval. When it
#: gets less than this share (median over repeats), the machine was oversubscribed and the
#: observation is flagged `contended`: see GilObservation.
CONTENDED_BELOW = 0.75
#: A repeat is skipped when other programs left the counter less than this share of an
#: interval (its wait for a core took the rest): too little to say what the GIL did.
MIN_LEFT_SHARE = 0.1
#: Length of one GIL-free chunk in the default control loads. Each chunk ends with the
#: worker re-taking the GIL, which can wait up to a switch interval while the counter runs;
#: long chunks keep that idle time small (<10 % at the default 5 ms), so the control really
#: keeps a core busy.
_CONTROL_CHUNK_S = 0.05


def gil_enabled() -> bool:
    """True on a build with a GIL that is switched on (every build before 3.13)."""
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    return True if is_enabled is None else bool(is_enabled())


# --------------------------------------------------------------------------------------------
# Control loads: need one core, hold no GIL.
# --------------------------------------------------------------------------------------------


@functools.cache
def _pbkdf2_iterations_per_s() -> float:
    best = float("inf")
    for _ in range(3):
        t0 = perf_counter()
        hashlib.pbkdf2_hmac("sha256", b"gilbench", b"control-load", 20_000)
        best = min(best, perf_counter() - t0)
    return 20_000 / max(best, 1e-6)


def pbkdf2_load(seconds: float) -> None:
    """Keep one core busy for `seconds` without holding the GIL (the default control load).

    `hashlib.pbkdf2_hmac` (OpenSSL-backed in CPython) releases the GIL around the whole key
    derivation, which is pure computation: no large buffer to allocate, no memory traffic to
    disturb the counter, and one long GIL-free C call per chunk (~50 ms) rather than many
    short ones, so the worker is not left waiting to re-take the GIL between chunks.
    It is chosen over `sha256_load` for those reasons; both measure the same on CPython.
    """
    rate = _pbkdf2_iterations_per_s()
    end = perf_counter() + seconds
    while (remaining := end - perf_counter()) > 0:
        n = max(1, int(min(remaining, _CONTROL_CHUNK_S) * rate))
        hashlib.pbkdf2_hmac("sha256", b"gilbench", b"control-load", n)


@functools.cache
def _sha256_buffer() -> memoryview:
    probe = bytes(1 << 20)
    best = float("inf")
    for _ in range(3):
        t0 = perf_counter()
        hashlib.sha256(probe).digest()
        best = min(best, perf_counter() - t0)
    size = int(_CONTROL_CHUNK_S / max(best, 1e-6)) << 20
    # bytes(n) is calloc'ed: zero pages, so reading them costs little resident memory.
    return memoryview(bytes(min(max(size, 1 << 20), 64 << 20)))


def sha256_load(seconds: float) -> None:
    """Alternative control load: sha256 over a large buffer, chunk after chunk.

    CPython's OpenSSL-backed hash objects release the GIL while hashing buffers of 2 KiB or
    more (HASHLIB_GIL_MINSIZE). The buffer is sized for ~50 ms per update (at most 64 MiB).
    Builds whose sha256 is CPython's own fallback implementation may not release the GIL;
    prefer `pbkdf2_load` there.
    """
    buf = _sha256_buffer()
    end = perf_counter() + seconds
    h = hashlib.sha256()
    while perf_counter() < end:
        h.update(buf)


# --------------------------------------------------------------------------------------------
# One interval: the worker runs calls and records their spans; the caller counts.
# --------------------------------------------------------------------------------------------


@dataclass
class _Shared:
    """State written by the worker and read by the counter (attribute and list operations are
    atomic under the GIL and thread-safe on free-threaded builds)."""

    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    stop: bool = False
    done: bool = False


@dataclass(frozen=True, slots=True)
class _Interval:
    spans: list[tuple[float, float]]  # (start, end) of each call, clipped at the stop time
    completed: int  # calls that finished before the counter stopped
    capped: bool  # the counter stopped at the cap before the calls finished
    cpu_s: float  # the counting thread's CPU time inside them (0 when not counting)
    counted_s: float  # how long the counted spans last (each span less its hand-over)
    waited_s: float = 0.0  # the counting thread's wait for a core inside them (see below)

    @property
    def busy_s(self) -> float:
        return sum(b - a for a, b in self.spans)

    @property
    def free_share(self) -> float:
        """The share the counting thread ran of the counted spans' time that other
        programs left it (the spans less its wait for a core they had). What is left it
        slept, waiting for the GIL (or, without a GIL, for a lock or a stop-the-world
        pause). The waits are left out rather than counted as free: while the GIL is
        held, the counter still wakes every switch interval to ask for it, and on a busy
        machine each wake-up can wait for a core; counted as free, those waits made a
        call that holds the GIL read 0.80-0.92 beside three busy processes (0.92-1.00 so)."""
        available = self.counted_s - self.waited_s
        return self.cpu_s / available if available > 0 else 0.0

    @property
    def starved(self) -> bool:
        """Other programs had the counter's core for nearly all the spans: too little
        time is left to say what the GIL did."""
        return self.waited_s > (1.0 - MIN_LEFT_SHARE) * self.counted_s


def _worker(shared: _Shared, call: Callable[[], object], interval_s: float) -> None:
    try:  # an exception reaches the caller through the future's result()
        while True:
            start = perf_counter()
            shared.starts.append(start)
            call()
            end = perf_counter()
            shared.ends.append(end)
            if end - shared.starts[0] >= interval_s or shared.stop:
                break
    finally:
        shared.done = True


def _interp(times: list[float], values: list[float], t: float) -> float:
    """values(t), interpolated linearly between the two samples around t.

    Where the counter was blocked between two samples the interpolation spreads at most one
    chunk (_CHUNK iterations, a few us of CPU) over the gap, negligible against a span.
    """
    i = bisect_right(times, t)
    if i == 0:
        return values[0]
    if i >= len(times):
        return values[-1]
    t0, t1 = times[i - 1], times[i]
    v0, v1 = values[i - 1], values[i]
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0) if t1 > t0 else v1


def _run_interval(
    pool: ThreadPoolExecutor,
    call: Callable[[], object],
    interval_s: float,
    *,
    count: bool,
    cap_s: float,
    hand_over_s: float = 0.0,
) -> _Interval:
    """Run `call` in the pool's worker until `interval_s` has passed; if `count`, run the
    counting loop in this thread meanwhile and stop it (and ask the worker to stop) past
    `cap_s`. The worker is one long-lived thread, so no thread start lands in an interval.
    The counter's CPU time is taken over each span less its last `hand_over_s`, the time the
    worker took to get the GIL back and time the end (see the module notes)."""
    shared = _Shared()
    times: list[float] = []
    cpu: list[float] = []
    t_stop: float | None = None
    waited_before = waited_after = None
    if count:
        # Only clock reads and list appends per sample: nothing here releases the GIL, which
        # would hand the worker extra turns and bias the measurement (os.read or os.pread of
        # /proc would, for instance).
        chunk = range(_CHUNK)
        waited_before = stolen.thread_wait_s()  # read outside the samples: it releases the GIL
        times.append(perf_counter())
        cpu.append(thread_time())
        future = pool.submit(_worker, shared, call, interval_s)
        while not shared.done:
            for _ in chunk:
                pass
            now = perf_counter()
            times.append(now)
            cpu.append(thread_time())
            starts = shared.starts
            if starts and now - starts[0] > cap_s:
                shared.stop = True
                t_stop = now
                break
        waited_after = stolen.thread_wait_s()
    else:
        future = pool.submit(_worker, shared, call, interval_s)
    future.result()  # waits (GIL released) and re-raises what `call` raised

    starts, ends = list(shared.starts), list(shared.ends)
    if t_stop is None:
        spans = list(zip(starts, ends, strict=True))
        completed = len(ends)
    else:
        spans = [(a, min(b, t_stop)) for a, b in zip(starts, ends, strict=True) if a < t_stop]
        completed = sum(1 for b in ends if b <= t_stop)
    # A span cut at the stop ends on the counter's own clock: nothing to leave out there.
    counted = [
        (a, b - hand_over_s) if b != t_stop and b - a > 4 * hand_over_s else (a, b)
        for a, b in spans
    ]
    cpu_s = 0.0
    if count:
        cpu_s = sum(_interp(times, cpu, b) - _interp(times, cpu, a) for a, b in counted)
    counted_s = sum(b - a for a, b in counted)
    # The wait for a core is read once, around all the samples, so the counted spans get
    # their share of it by length.
    waited_s = 0.0
    if waited_before is not None and waited_after is not None and times[-1] > times[0]:
        waited_s = (waited_after - waited_before) * min(1.0, counted_s / (times[-1] - times[0]))
    return _Interval(spans, completed, t_stop is not None, cpu_s, counted_s, waited_s)


def _cap_for(interval_s: float, max_slowdown: float, max_beside_s: float) -> float:
    """Longest the test interval may run beside the counter before the counter stops."""
    return max(2.0 * interval_s, min(max_slowdown * interval_s, max_beside_s))


def _time_call(call: Callable[[], object], min_interval_s: float) -> float:
    """Per-call time alone: one call, and if that was short, a loop of about min_interval_s."""
    t0 = perf_counter()
    call()
    first = perf_counter() - t0
    if first >= min_interval_s:
        return first
    n = 0
    t0 = perf_counter()
    while (elapsed := perf_counter() - t0) < min_interval_s:
        call()
        n += 1
    return elapsed / n


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GilObservation:
    """What the probe saw.

    held_share: median and order-statistic interval of the per-repeat shares.
    shares: per-repeat ``1 - free_test / free_control`` (`_Interval.free_share`). Values a
        little below 0 happen when the control was disturbed more than the test (see the
        module notes). They are kept as measured, not clipped, so the interval stays
        honest.
    slowdown: median of per-repeat (per-call time beside the counting loop / alone).
    slowdown_is_bound: some repeat hit the cap, so the true median slow-down is at least
        `slowdown` (the median can only grow when capped values grow).
    slowdowns: per-repeat slow-downs (lower bounds where capped).
    call_s: median per-call time alone.
    interval_s: length of each interval (calls shorter than it are looped).
    gil_enabled: False on a free-threaded build with the GIL off.
    switch_interval_s: `sys.getswitchinterval()` during the measurement.
    control_load: name of the GIL-free control load.
    capped_repeats: how many repeats hit the cap.
    control_cpu_share: median share of a core the counting thread got during the control
        intervals: ~1 on a machine with room for both probe threads.
    contended: `control_cpu_share` was under CONTENDED_BELOW: the machine was
        oversubscribed and `shares` are biased towards 0 for calls that need less than a
        core (see the module notes). `held_share_for_verdict` is then None.
    unusable_repeats: repeats dropped because the counter never ran during the control
        (a saturated machine); `held_share.n` is `repeats` minus these.
    """

    held_share: Estimate
    shares: tuple[float, ...]
    slowdown: float
    slowdown_is_bound: bool
    slowdowns: tuple[float, ...]
    call_s: float
    interval_s: float
    gil_enabled: bool
    switch_interval_s: float
    control_load: str
    capped_repeats: int
    control_cpu_share: float
    contended: bool
    unusable_repeats: int = 0

    @property
    def held_share_for_verdict(self) -> Estimate | None:
        """The held share to pass to stats.classify, or None when it cannot be trusted
        (contended machine) or does not apply (no GIL). With None, a thread pool's "held"
        verdict rests on the speedup interval alone, as when no probe was run; a biased-low
        share would only have turned a true "held" into "inconclusive"."""
        return self.held_share if self.gil_enabled and not self.contended else None

    @property
    def slowdown_text(self) -> str:
        """E.g. "1.02x", or ">= 59x" when the cap was hit."""
        text = f"{self.slowdown:.3g}x"
        return f">= {text}" if self.slowdown_is_bound else text

    def summary(self) -> str:
        """One line for a report."""
        h = self.held_share
        gil = "GIL" if self.gil_enabled else "no GIL (free-threaded)"
        return (
            f"held share {h.median:.2f} [{h.low:.2f}, {h.high:.2f}] ({h.coverage:.0%}, "
            f"n={h.n}); call {self.call_s * 1e3:.3g} ms alone, slow-down beside Python "
            f"{self.slowdown_text}; {gil}, switch interval {self.switch_interval_s * 1e3:g} ms"
            + (
                f"; CONTENDED (counter got {self.control_cpu_share:.0%} of a core)"
                if self.contended
                else ""
            )
        )


def measure_held_share(
    call: Callable[[], object],
    *,
    repeats: int = 5,
    gil_free_load: Callable[[float], object] | None = None,
    min_interval_s: float = MIN_INTERVAL_S,
    max_slowdown: float = MAX_SLOWDOWN,
    max_beside_s: float = MAX_BESIDE_S,
    measure_slowdown: bool = True,
    slowdown_repeats: int | None = None,
) -> GilObservation:
    """Measure how much of `call`'s duration the GIL keeps other Python threads from running.

    Each repeat runs three intervals back to back -- control (the counter beside
    `gil_free_load`), test (the counter beside `call`) and alone (`call` with the caller idle)
    -- with the test in the middle and the control alternately before and after it, so each
    test is paired with an adjacent control and slow drifts cancel over repeats. The call
    runs ``repeats * (2 or 3)`` intervals of ``max(call time, min_interval_s)`` each, plus
    one calibration run; beside a busy counter a convoying call is cut off at the cap.

    Must be called from the thread that is to run Python code beside the call (normally the
    main thread); `call` runs in a worker thread and must be safe to call repeatedly.
    The default `repeats=5` gives a min..max interval of 94 % coverage; use 6 or more for
    95 % (stats.MIN_REPEATS).

    Cost: about ``repeats * 3 * max(call time, min_interval_s)`` plus the calibration call,
    e.g. 1.5 s for a 50 ms call; a call slowed down beside the counter adds up to the cap
    (`max_beside_s`, default 2 s) per repeat. Pass `measure_slowdown=False` to skip the
    "alone" intervals (then `slowdown` is nan and `call_s` comes from calibration), or
    `slowdown_repeats=k` to take them in the first k repeats only (a third less time).
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    if not min_interval_s > 0:
        raise ValueError("min_interval_s must be > 0")
    load = pbkdf2_load if gil_free_load is None else gil_free_load
    load_name = getattr(load, "__qualname__", repr(load))
    switch_interval = sys.getswitchinterval()
    enabled = gil_enabled()

    call_s = _time_call(call, min_interval_s)
    interval_s = max(call_s, min_interval_s)
    cap_s = _cap_for(interval_s, max_slowdown, max_beside_s)

    def control() -> None:
        load(interval_s)

    shares: list[float] = []
    control_cpu: list[float] = []
    slowdowns: list[float] = []
    alone_s: list[float] = []
    capped = 0
    unusable = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gilbench-probe") as pool:
        # Warm-up outside any interval: start the worker thread and let the load do its
        # one-off work (the default load calibrates itself on first use). On a free-threaded
        # build the first interval otherwise caught the counter stalled for ~50 ms.
        pool.submit(load, min(0.01, interval_s)).result()
        for r in range(repeats):
            # Test always in the middle, control alternately before and after it.
            order = ("control", "test", "alone") if r % 2 == 0 else ("alone", "test", "control")
            got: dict[str, _Interval] = {}
            for kind in order:
                if kind in ("control", "test"):
                    got[kind] = _run_interval(
                        pool,
                        control if kind == "control" else call,
                        interval_s,
                        count=True,
                        cap_s=cap_s,
                        hand_over_s=switch_interval if enabled else 0.0,
                    )
                elif measure_slowdown and (slowdown_repeats is None or r < slowdown_repeats):
                    got[kind] = _run_interval(pool, call, interval_s, count=False, cap_s=cap_s)
            ctl, test = got["control"], got["test"]
            capped += test.capped
            if "alone" in got:
                alone = got["alone"]
                per_call_alone = alone.busy_s / max(1, alone.completed)
                alone_s.append(per_call_alone)
                # Capped: `completed` calls finished and one more was still running at the
                # stop, so the mean of those completed + 1 calls exceeds busy_s / (completed+1).
                n_beside = test.completed + 1 if test.capped else max(1, test.completed)
                slowdowns.append(test.busy_s / n_beside / per_call_alone)
            control_cpu.append(ctl.cpu_s / ctl.counted_s if ctl.counted_s > 0 else 0.0)
            if ctl.free_share <= 0 or ctl.starved or test.starved:
                # The counter never ran during the control, or other programs left it
                # almost no time: this repeat says nothing about the GIL. Skip it
                # (counted) rather than guess.
                unusable += 1
                continue
            shares.append(1.0 - test.free_share / ctl.free_share)

    if not shares:
        raise RuntimeError(
            f"the counting loop made no progress during any of the {repeats} control "
            "intervals: the machine is saturated, or gil_free_load holds the GIL"
        )
    return GilObservation(
        held_share=estimate(shares),
        shares=tuple(shares),
        slowdown=statistics.median(slowdowns) if slowdowns else float("nan"),
        slowdown_is_bound=capped > 0,
        slowdowns=tuple(slowdowns),
        call_s=statistics.median(alone_s) if alone_s else call_s,
        interval_s=interval_s,
        gil_enabled=enabled,
        switch_interval_s=switch_interval,
        control_load=load_name,
        capped_repeats=capped,
        control_cpu_share=statistics.median(control_cpu),
        contended=statistics.median(control_cpu) < CONTENDED_BELOW,
        unusable_repeats=unusable,
    )
