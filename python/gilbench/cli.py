"""The ``gilbench`` command: run, seed, bench, crossover, info, plot, compare.

``main(argv) -> int`` is the console script's entry point (and ``python -m gilbench``).
Exit status: 0 done, 1 a run failed (dead worker, wrong result), 2 bad usage,
130 interrupted by Ctrl-C (what finished is printed and saved first).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gilbench.backends import backend_names, get_backend
from gilbench.envinfo import collect_environment, usable_cpus
from gilbench.executors import EXECUTORS, default_start_method, start_methods
from gilbench.options import (
    PLOT_SUFFIXES,
    backend_list,
    default_workers,
    executor_list,
    output_path,
    parallel_executor_list,
    positive_float,
    positive_int,
    task_size,
    worker_list,
)
from gilbench.runner import ProgressCallback, RunConfig
from gilbench.session import measure_and_report, print_error, run_measurement, stdout_console
from gilbench.workload import MODES

if TYPE_CHECKING:
    from gilbench.bench import BenchConfig
    from gilbench.crossover import CrossoverConfig

SEED_N = 20_000_000  # the article's N


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


# --- option types: each raises ArgumentTypeError with a one-line message --------------


RUN_EXAMPLES = """\
examples:
  gilbench run --quick --json out.json --plot out.png
  gilbench run --backends python,cpp,cpp-gil --executors threads --workers 1,2,4
  gilbench run --mode strong --n 2G --repeat 7 --csv strong.csv
  gilbench run --backends python --start-method spawn --task-seconds 0.5

Each (backend, executor, workers) is warmed up, then timed --repeat times: the median,
min and max wall time, and the CPU time of the whole process tree (CPU/wall = cores
busy).  Speedup is against the same backend run sequentially on the same tasks;
efficiency = speedup / workers; 'of ceiling' compares with k native threads running
with no Python involved, measured in the same run.
"""

SEED_EXAMPLES = """\
examples:
  gilbench seed
  gilbench seed --backends python,cython,cython-gil --json seed.json

The article's two experiments, N = 20,000,000 and two tasks: sequential against two
threads, and sequential against a 2-process pool, for every backend.
"""

BENCH_EXAMPLES = """\
examples:
  gilbench bench
  gilbench bench --backends cpp,rust --json bench.json
  gilbench bench --n 100M --repeat 5 --no-peers
  GILBENCH_KERNEL=portable gilbench bench   # the portable loop, on a CPU with IFMA too

One thread, no pool: each kernel's best of --repeat calls of sum_squares(0, n) after a
warm-up, in ns per element and against the fastest.  Compiled kernels (the native
backends and the numba peer) run the whole domain, n = 2**32; python and numpy a size
that lasts about 0.3 s.  Each is timed at n/4 too: t(n)/t(n/4) is about 4 when the loop
really runs, and a ratio below 3 is flagged 'not linear: folded?'.  Peers are the same
algorithm from optional toolchains, not gilbench backends (pip install 'gilbench[peers]').
"""

CROSSOVER_EXAMPLES = """\
examples:
  gilbench crossover
  gilbench crossover --backends cpp,cpp-gil --executors threads --no-pin
  gilbench crossover --max-task-seconds 0.2 --json crossover.json

For each backend and executor: the smallest task size n from which two tasks of n on two
workers beat the same two tasks one after the other, at every larger size measured.
Sizes climb 1k, 2k, 5k, 10k, ... until one task lasts about --max-task-seconds; at each
size the sequential run and each executor alternate, and the speedup is the ratio of
their medians.  The pools start once, before any timing.  Workers are pinned one per core
by default, as in 'seed': tasks this short otherwise measure where the OS scheduler put
them more than anything else (--no-pin shows that).
"""

INFO_EXAMPLES = """\
examples:
  gilbench info
  gilbench info --json > env.json
"""

PLOT_EXAMPLES = """\
examples:
  gilbench plot out.json -o out.png
  gilbench plot out.json -o out.svg
"""

COMPARE_EXAMPLES = """\
examples:
  gilbench compare laptop.json server.json
  gilbench compare gil.json ft.json        # a GIL build against a free-threaded one

Per backend: the single-thread time (sequential, 1 worker) of each run in ns per
element and their ratio (B/A), beside each run's speedups under threads and processes.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gilbench",
        description="Measure when Python code escapes the GIL and scales across cores.",
        epilog="examples:\n  gilbench run --quick\n  gilbench seed\n  gilbench bench\n"
        "  gilbench crossover\n  gilbench info\n"
        "  gilbench plot out.json -o out.png\n  gilbench compare a.json b.json\n\n"
        "'gilbench COMMAND --help' tells more about each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    formatter = argparse.RawDescriptionHelpFormatter

    run = commands.add_parser(
        "run",
        help="the full comparison: every backend on sequential, threads and processes",
        description="Run every backend sequentially, on a thread pool and on a process pool "
        "at 1..N workers, and report time, speedup, efficiency and cores busy.",
        epilog=RUN_EXAMPLES,
        formatter_class=formatter,
    )
    run.add_argument(
        "--backends",
        type=backend_list,
        metavar="LIST",
        help="comma-separated backends, or 'all' (default: every available one; "
        f"known: {', '.join(backend_names())})",
    )
    run.add_argument(
        "--executors",
        type=executor_list,
        default=list(EXECUTORS),
        metavar="LIST",
        help="comma-separated, from: sequential, threads, processes (default: all; the "
        "sequential baseline is always measured, for the speedups)",
    )
    run.add_argument(
        "--workers",
        type=worker_list,
        metavar="LIST",
        help="comma-separated worker counts (default: 1, 2, 4, … up to the usable cores, "
        f"here {', '.join(map(str, default_workers(usable_cpus())))})",
    )
    run.add_argument(
        "--mode",
        choices=MODES,
        default="weak",
        help="weak: every worker runs the same task (the article's experiment); strong: one "
        "range split among the workers (default: weak)",
    )
    _add_measurement_options(
        run,
        n_help="elements per task (weak) or in all (strong), e.g. "
        "20M (default: sized per backend to last about --task-seconds)",
        pin=False,
    )
    run.add_argument(
        "--task-seconds",
        type=positive_float,
        metavar="S",
        help="how long one task should last when sized automatically (default 0.3, quick 0.1)",
    )
    run.add_argument(
        "--baseline",
        choices=("measured", "scaled"),
        default="measured",
        help="measured: time the sequential baseline at every worker count (default); scaled: "
        "only at 1 worker and multiply (faster on many cores, labelled in the output)",
    )
    run.add_argument(
        "--quick",
        action="store_true",
        help="all backends and executors at 1 and 2 workers, short tasks, 3 repeats "
        "(under a minute on 2 cores)",
    )
    _add_output_options(run, plot=True, csv=True)

    seed = commands.add_parser(
        "seed",
        help="the article's two experiments (N = 20M, two tasks) for every backend",
        description="Reproduce the article: two tasks of N = 20,000,000, sequential against "
        "two threads and against a 2-process pool, extended to every backend.",
        epilog=SEED_EXAMPLES,
        formatter_class=formatter,
    )
    seed.add_argument(
        "--backends",
        type=backend_list,
        metavar="LIST",
        help="comma-separated (default: all available)",
    )
    _add_measurement_options(
        seed, n_help=f"elements per task (default {SEED_N:,}, the article's N)", pin=True
    )
    _add_output_options(seed, plot=False, csv=True)

    bench = commands.add_parser(
        "bench",
        help="kernel speed on one thread: ns per element, and a check that each loop runs",
        description="Time every kernel on one thread, in ns per element and against the "
        "fastest, and check that its time grows with n (no compiler folded the loop).",
        epilog=BENCH_EXAMPLES,
        formatter_class=formatter,
    )
    bench.add_argument(
        "--backends",
        type=backend_list,
        metavar="LIST",
        help="comma-separated backends, or 'all' (default: every available one)",
    )
    bench.add_argument(
        "--no-peers",
        action="store_true",
        help="leave out the peers (the same kernel from optional toolchains: numba)",
    )
    bench.add_argument(
        "--n",
        type=task_size,
        metavar="N",
        help="elements per call for every kernel, e.g. 100M (default: 2**32 for compiled "
        "kernels, sized to ~0.3 s for python and numpy)",
    )
    bench.add_argument(
        "--repeat", type=positive_int, default=3, metavar="K", help="timed calls (default 3)"
    )
    bench.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it is off when not a terminal)"
    )
    _add_output_options(bench, plot=False, csv=False)

    crossover = commands.add_parser(
        "crossover",
        help="the smallest task size at which 2 workers beat 1, per backend and executor",
        description="Find, for each backend on threads and on processes, the smallest task "
        "size from which running two tasks on two workers beats running them one after the "
        "other.",
        epilog=CROSSOVER_EXAMPLES,
        formatter_class=formatter,
    )
    crossover.add_argument(
        "--backends",
        type=backend_list,
        metavar="LIST",
        help="comma-separated backends, or 'all' (default: every available one)",
    )
    crossover.add_argument(
        "--executors",
        type=parallel_executor_list,
        default=["threads", "processes"],
        metavar="LIST",
        help="comma-separated, from: threads, processes (default: both)",
    )
    crossover.add_argument(
        "--max-task-seconds",
        type=positive_float,
        default=0.05,
        metavar="S",
        help="climb the sizes until one task lasts about this long (default 0.05)",
    )
    crossover.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pin worker i to core i (Linux): for tasks of a few ms, the OS scheduler may "
        "otherwise put both workers on one core (default: on)",
    )
    crossover.add_argument(
        "--start-method",
        choices=start_methods(),
        default=default_start_method(),
        help=f"how the process pool starts its workers (default: {default_start_method()})",
    )
    crossover.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it is off when not a terminal)"
    )
    _add_output_options(crossover, plot=False, csv=False)

    info = commands.add_parser(
        "info",
        help="interpreter, GIL, cores, CPU and every backend's availability and build",
        description="Show the interpreter and its GIL state, the usable cores, the CPU and "
        "each backend: available or not (and why), toolchain and versions.",
        epilog=INFO_EXAMPLES,
        formatter_class=formatter,
    )
    info.add_argument("--json", action="store_true", help="print the environment as JSON")

    plot = commands.add_parser(
        "plot",
        help="re-draw a saved run as a plot",
        description="Draw speedup against workers from a saved run (gilbench run --json).",
        epilog=PLOT_EXAMPLES,
        formatter_class=formatter,
    )
    plot.add_argument(
        "results", metavar="RESULTS.json", help="a file written by 'gilbench run --json'"
    )
    plot.add_argument(
        "-o",
        "--output",
        type=output_path(PLOT_SUFFIXES),
        metavar="FILE",
        help="the picture to write, .png, .svg or .pdf (default: RESULTS with .png)",
    )

    compare = commands.add_parser(
        "compare",
        help="two saved runs side by side (two machines, or two interpreters)",
        description="Show two saved runs side by side: single-thread cost and speedups.",
        epilog=COMPARE_EXAMPLES,
        formatter_class=formatter,
    )
    compare.add_argument("first", metavar="A.json")
    compare.add_argument("second", metavar="B.json")
    return parser


def _add_measurement_options(parser: argparse.ArgumentParser, n_help: str, pin: bool) -> None:
    parser.add_argument("--n", type=task_size, metavar="N", help=n_help)
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=pin,
        help="pin worker i to core i (Linux): for tasks of a few ms, the OS scheduler may "
        "otherwise put two workers on one core for their whole run (default: "
        f"{'on' if pin else 'off'})",
    )
    parser.add_argument(
        "--repeat",
        type=positive_int,
        metavar="K",
        help="timed runs after the warm-up (default 5, quick 3)",
    )
    parser.add_argument(
        "--start-method",
        choices=start_methods(),
        default=default_start_method(),
        help=f"how the process pool starts its workers (default: {default_start_method()})",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it is off when not a terminal)"
    )


def _add_output_options(parser: argparse.ArgumentParser, plot: bool, csv: bool) -> None:
    parser.add_argument(
        "--json", type=output_path((".json",)), metavar="PATH", help="save the run as JSON"
    )
    if csv:
        parser.add_argument(
            "--csv", type=output_path((".csv",)), metavar="PATH", help="save the records as CSV"
        )
    if plot:
        parser.add_argument(
            "--plot",
            type=output_path(PLOT_SUFFIXES),
            metavar="PATH",
            help="draw speedup against workers; .png, .svg or .pdf by extension",
        )


# --- commands -----------------------------------------------------------------------


def run_config(args: argparse.Namespace) -> RunConfig:
    available = [name for name in backend_names() if get_backend(name).available]
    workers = args.workers or ([1, 2] if args.quick else default_workers(usable_cpus()))
    return RunConfig(
        backends=args.backends or available,
        executors=args.executors,
        workers=workers,
        mode=args.mode,
        n=args.n,
        repeat=args.repeat or (3 if args.quick else 5),
        task_seconds=args.task_seconds or (0.1 if args.quick else 0.3),
        start_method=args.start_method,
        pin=args.pin,
        baseline=args.baseline,
    )


def seed_config(args: argparse.Namespace) -> RunConfig:
    available = [name for name in backend_names() if get_backend(name).available]
    return RunConfig(
        backends=args.backends or available,
        executors=["sequential", "threads", "processes"],
        workers=[2],
        mode="weak",
        n=args.n or SEED_N,
        repeat=args.repeat or 3,
        min_sample_s=0.3,  # fast native rows repeat until they have been timed this long
        max_repeat=50,
        start_method=args.start_method,
        pin=args.pin,
    )


def cmd_run(args: argparse.Namespace) -> int:
    from gilbench.report import print_run

    return measure_and_report(run_config(args), args, print_run)


def cmd_seed(args: argparse.Namespace) -> int:
    from gilbench.seed import print_seed

    return measure_and_report(seed_config(args), args, print_seed)


def _available_backends() -> list[str]:
    return [name for name in backend_names() if get_backend(name).available]


def bench_config(args: argparse.Namespace) -> BenchConfig:
    from gilbench.bench import BenchConfig
    from gilbench.peers import peer_names

    return BenchConfig(
        backends=args.backends or _available_backends(),
        peers=[] if args.no_peers else peer_names(),
        n=args.n,
        repeat=args.repeat,
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from gilbench.bench import BenchResults, run_bench, save_json, targets
    from gilbench.bench_report import print_bench

    config = bench_config(args)
    results = BenchResults(collect_environment(), config.to_dict())
    kernels = len(config.backends) + len(config.peers)
    sizes = (
        f"n = {args.n:,} for all"
        if args.n
        else "compiled kernels over the whole domain (n = 2**32), python and numpy sized to ~0.3 s"
    )
    plan = (
        f"timing {kernels} kernels ({', '.join([*config.backends, *config.peers])}) on one "
        f"thread: best of {config.repeat} calls at n and at n/4 after a warm-up; {sizes}"
    )

    def measure(progress: ProgressCallback | None) -> None:
        # The peers compile here (Numba: a second or two), inside the progress bar.
        run_bench(config, results, targets(config.backends, config.peers), progress)

    return run_measurement(
        results,
        measure,
        args,
        lambda console: print_bench(results, console),
        lambda path: save_json(results, path),
        plan,
    )


def crossover_config(args: argparse.Namespace) -> CrossoverConfig:
    from gilbench.crossover import CrossoverConfig

    return CrossoverConfig(
        backends=args.backends or _available_backends(),
        executors=args.executors,
        max_task_s=args.max_task_seconds,
        pin=args.pin,
        start_method=args.start_method,
    )


def cmd_crossover(args: argparse.Namespace) -> int:
    from gilbench.crossover import CrossoverResults, run_crossover, save_json
    from gilbench.crossover_report import print_crossover
    from gilbench.executors import pin_refusal

    config = crossover_config(args)
    results = CrossoverResults(collect_environment(), config.to_dict())
    if results.environment["usable_cpus"] < 2:
        results.warnings.append(
            "only 1 usable core here: 2 workers cannot beat 1, expect no crossover"
        )
    if (refusal := pin_refusal(config.pin)) is not None:
        config.pin = False
        results.warnings.append(refusal)
    plan = (
        f"{len(config.backends)} backends ({', '.join(config.backends)}) on "
        f"{', '.join(config.executors)} at 2 workers against the same 2 tasks in sequence: "
        f"sizes 1k, 2k, 5k, ... until one task lasts ~{config.max_task_s:g} s; medians of "
        f"{config.rounds} rounds ({config.short_rounds} for tasks under 1 ms)"
        + (", each worker pinned to a core" if config.pin else "")
    )
    return run_measurement(
        results,
        lambda progress: run_crossover(config, results, progress),
        args,
        lambda console: print_crossover(results, console),
        lambda path: save_json(results, path),
        plan,
    )


def cmd_info(args: argparse.Namespace) -> int:
    from gilbench.info import print_info

    environment = collect_environment()
    if args.json:
        import json

        print(json.dumps(environment, indent=2))
        return 0
    print_info(environment, stdout_console())
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from gilbench.plot import NothingToPlot, plot_run
    from gilbench.results import load_json

    output = args.output or os.path.splitext(args.results)[0] + ".png"
    try:
        plot_run(load_json(args.results), output)
    except (OSError, ValueError, NothingToPlot) as error:
        print_error(str(error))
        return 1
    print(f"saved {output}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from gilbench.compare import print_comparison
    from gilbench.results import load_json

    try:
        first, second = load_json(args.first), load_json(args.second)
    except (OSError, ValueError) as error:
        print_error(str(error))
        return 1
    print_comparison(first, second, stdout_console(), names=(args.first, args.second))
    return 0


COMMANDS = {
    "run": cmd_run,
    "seed": cmd_seed,
    "bench": cmd_bench,
    "crossover": cmd_crossover,
    "info": cmd_info,
    "plot": cmd_plot,
    "compare": cmd_compare,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130
