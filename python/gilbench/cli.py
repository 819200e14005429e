"""The ``gilbench`` command: run, seed, probe, bench, crossover, info, plot, compare.

``main(argv) -> int`` is the console script's entry point (and ``python -m gilbench``).
Exit status: 0 done, 1 a run failed (dead worker, wrong result, a file not written),
2 bad usage, 130 interrupted by Ctrl-C (what finished is printed and saved first).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

import gilbench
from gilbench import options as o
from gilbench.measure.bench import REPRODUCED_WITHIN
from gilbench.options import Command, Option

ARTICLE = "'Why Python Threads Do Not Always Speed Up Your Code'"

MEASURE = (o.NO_PROGRESS, o.JSON)
RUN_OPTIONS = (
    o.BACKENDS, o.EXECUTORS, o.WORKERS, o.MODE, o.SIZE, o.TASK_SECONDS, o.REPEAT, o.BUDGET,
    o.PIN, *o.EXECUTOR_OPTIONS, o.QUICK_FLAG, *MEASURE, o.CSV, o.PLOT,
)  # fmt: skip

SEED_OPTIONS = (
    o.BACKENDS, o.EXECUTORS, o.SIZE, o.REPEAT, o.BUDGET, o.PIN, *o.EXECUTOR_OPTIONS, *MEASURE,
    o.CSV,
)  # fmt: skip

PROBE_OPTIONS = (
    o.FUNCTION, o.ARGS, o.KWARGS, o.SETUP, o.NO_CHECK, o.EXECUTORS, o.WORKERS, o.TASK_SECONDS,
    o.REPEAT, o.BUDGET, o.PIN, *o.EXECUTOR_OPTIONS, *MEASURE, o.CSV, o.PLOT,
)  # fmt: skip

COMMANDS = {
    c.name: c
    for c in (
        Command(
            "run",
            "the full comparison: every backend sequentially and on every executor",
            "Run every backend sequentially and on every executor (threads, processes, ...) "
            "at 1..N workers; report paired speedups with 95% intervals against the machine's "
            "own ceiling, cores busy, the GIL's hold on each backend, and a verdict.",
            "examples:\n  gilbench run --quick --json out.json --plot out.png\n"
            "  gilbench run --backends python,cpp,cpp-gil --executors threads --workers 1,2,4\n"
            "  gilbench run --mode strong --n 2G --csv strong.csv\n\n"
            "Each repeat times the sequential baseline, each executor and the machine ceiling "
            "back to back;\nthe speedup is the median of the per-repeat ratios, with an "
            "order-statistic 95% interval.\nVerdicts are read from the intervals: 'scales' "
            "(of ceiling >= 0.8), 'held' (<= 1.3x), 'partly',\nor 'inconclusive' when the "
            "interval straddles a line, or when a process pool's workers\nspent 1.3x the "
            "CPU time per task or more (they computed slower, not in turn).",
            RUN_OPTIONS,
            quick=o.QUICK,
        ),
        Command(
            "seed",
            "the article's two experiments (N = 20M, two tasks) for every backend",
            f"Reproduce the experiments of the article {ARTICLE}: two tasks of N = 20,000,000, "
            "sequential against two threads and against a 2-process pool, for every backend.",
            "examples:\n  gilbench seed\n  gilbench seed --backends python,cython,cython-gil "
            "--json seed.json",
            SEED_OPTIONS,
            {"n": o.SEED_N, "workers": [2], "budget": 60.0, "task_seconds": None},
        ),
        Command(
            "probe",
            "will threads, processes or subinterpreters make YOUR function faster?",
            "Measure one function of yours as 'run' measures a backend: its hold on the GIL "
            "observed directly, then paired speedups with 95% intervals on every executor at "
            "1..N workers against the machine's ceiling, and an answer per executor.",
            "examples:\n  gilbench probe zlib:compress --args '[\"aaaa\"]'\n"
            "  gilbench probe gilbench.examples:sha256 --setup gilbench.examples:some_bytes\n"
            "  gilbench probe mypackage.mymodule:work --kwargs '{\"n\": 10}' --json out.json\n\n"
            "A call under 10 ms is repeated within each task, sized to --task-seconds.  Every "
            "result is\ncompared with the first call's (--no-check for functions that are not "
            "deterministic).\nThe current folder is importable, as with 'python -m'.  Exit "
            "status: 0 done, 1 the function\nraised or a result could not be checked or "
            "returned, 2 bad usage, 130 Ctrl-C.",
            PROBE_OPTIONS,
            {"task_seconds": 0.2, "budget": 60.0},
        ),
        Command(
            "bench",
            "kernel speed on one thread: ns per element, and a check that each loop runs",
            "Time every kernel on one thread, in ns per element and against the fastest, and "
            "check that its time grows with n (no compiler folded the loop).",
            "examples:\n  gilbench bench\n  gilbench bench --kernel-paths --no-peers\n"
            "  gilbench bench --n 100M --repeat 5 --json bench.json\n"
            "  GILBENCH_KERNEL=portable gilbench bench   # force one loop in every module\n\n"
            "t(n)/t(n/4) is about 4 when the loop really runs; below 3 it is flagged\n"
            "'not linear: folded?' (once its times at n and n/4 are both reproduced).\n"
            f"A figure marked ~ was not: no second call came within {REPRODUCED_WITHIN:.0%} "
            "of its best.",
            (
                o.BACKENDS,
                o.NO_PEERS,
                o.KERNEL_PATHS,
                o.BENCH_SIZE,
                o.BENCH_ROUNDS,
                o.BENCH_MAX_ROUNDS,
                *MEASURE,
            ),
        ),
        Command(
            "crossover",
            "the smallest task size at which 2 workers beat 1, per backend and executor",
            "Find, for each backend and executor, the smallest task size from which two tasks "
            "on two workers beat the same two tasks one after the other (the low end of the "
            "speedup's 95% interval at 1.1x or more, at that size and every larger one).",
            "examples:\n  gilbench crossover\n"
            "  gilbench crossover --backends cpp,cpp-gil --executors threads --no-pin",
            (o.BACKENDS, o.EXECUTORS, o.MAX_TASK_SECONDS, o.PIN, *o.EXECUTOR_OPTIONS, *MEASURE),
        ),
        Command(
            "info",
            "interpreter, GIL, cores, CPU, executors and every backend's availability and build",
            "Show the interpreter and its GIL state, the usable cores, the CPU, the executors "
            "available here and each backend: available or not (and why), toolchain, loop.",
            "examples:\n  gilbench info\n  gilbench info --json > env.json",
            (Option(("--json",), "print the environment as JSON", action="store_true"),),
        ),
        Command(
            "plot",
            "re-draw a saved run as a plot",
            "Draw speedup against workers, with 95% intervals, from a saved run.",
            "examples:\n  gilbench plot out.json -o out.png",
            (
                Option(("results",), "a file written by 'gilbench run --json'", metavar="RUN"),
                Option(
                    ("-o", "--output"),
                    "the picture to write, .png, .svg or .pdf",
                    o.output_path(o.PLOT_SUFFIXES),
                    metavar="FILE",
                    shown="RUN with .png",
                ),
            ),
        ),
        Command(
            "compare",
            "two saved runs side by side (two machines, or two interpreters)",
            "Show two saved runs side by side: single-thread cost, speedups and verdicts.",
            "examples:\n  gilbench compare laptop.json server.json\n"
            "  gilbench compare gil.json ft.json   # a GIL build against a free-threaded one",
            (Option(("first",), "", metavar="A.json"), Option(("second",), "", metavar="B.json")),
        ),
    )
}


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _add(parser: argparse.ArgumentParser, command: Command, option: Option) -> None:
    said = command.help_for(option).replace("%", "%%")  # argparse formats help with %
    keywords = {"help": said if option.help else argparse.SUPPRESS}
    for key in ("type", "metavar", "choices", "action"):
        if getattr(option, key) is not None:
            keywords[key] = getattr(option, key)
    if option.flags[0].startswith("-") and option.action != "store_true":
        keywords["default"] = None  # filled in by options.resolve, after --quick
    parser.add_argument(*option.flags, **keywords)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gilbench",
        description="Measure when Python code escapes the GIL and scales across cores.",
        epilog="examples:\n  gilbench run --quick\n  gilbench info\n\n"
        "'gilbench COMMAND --help' tells more about each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gilbench {gilbench.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=textwrap.fill(command.description, 79),
            epilog=command.epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        for option in command.options:
            _add(sub, command, option)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    from gilbench import session

    try:
        return session.execute(COMMANDS[args.command], o.resolve(COMMANDS[args.command], args))
    except KeyboardInterrupt:
        return 130
