#!/usr/bin/env python3
"""Probe every shipped example (``gilbench.examples.CASES``) and print README's table.

    python tools/probe_examples.py [--out docs/probe] [--table-only] [-- PROBE OPTIONS]

Each example is probed by the command line, as a user would, into ``OUT/NAME.json``;
then one Markdown row per example is printed from those files.  ``--table-only``
prints the table from files already there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from gilbench import examples
from gilbench.measure.analysis import judged
from gilbench.report.formatting import DASH, seconds
from gilbench.report.tables import interval
from gilbench.report.verdicts import ANSWER
from gilbench.results import ProbeResults, load_json


def probe(name: str, setup: str | None, out: Path, extra: list[str]) -> None:
    command = [sys.executable, "-m", "gilbench", "probe", f"gilbench.examples:{name}"]
    if setup:
        command += ["--setup", f"gilbench.examples:{setup}"]
    command += ["--no-progress", "--json", str(out / f"{name}.json"), *extra]
    print("$", " ".join(command[1:]), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def cell(results: ProbeResults, executor: str) -> str:
    name = results.function["name"]
    if results.refusal(name, executor):
        return "cannot run"
    record = judged(results, name, executor)
    if record is None:
        return "not measured"
    word = ANSWER[record.verdict or "inconclusive"]
    said = f"**{word}**, {interval(record.speedup, record.speedup_ci)}"
    startup = [s["startup_s"] for s in results.startups
               if s["executor"] == executor and s["workers"] == record.workers]  # fmt: skip
    if startup and executor != "threads":
        said += f", +{seconds(startup[0])} start-up"
    return said


def row(name: str, results: ProbeResults) -> str:
    function = results.function
    seen = results.gil.get(function["name"], {})
    # A share a little below 0 is noise around 0: shown clipped, as the report does.
    share, low, high = (
        min(1.0, max(0.0, v))
        for v in (seen.get("held_share", 0.0), *seen.get("held_share_ci", (0, 0)))
    )
    alone = results.find(function["name"], "sequential", 1)
    cells = [
        f"`{name}`",
        seconds(function["first_call_s"]),
        f"{results.sizes.get(function['name'], 1):,}",
        f"{share:.2f} [{low:.2f}{DASH}{high:.2f}]",
        f"{alone.cores_busy:.2f}" if alone else "—",
        cell(results, "threads"),
        cell(results, "processes"),
    ]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/probe"))
    parser.add_argument("--table-only", action="store_true")
    parser.add_argument("extra", nargs="*", help="options passed on to every gilbench probe")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.table_only:
        for name, (setup, _) in examples.CASES.items():
            probe(name, setup, args.out, args.extra)
    print(
        "| example | one call | calls per task | GIL held [95% CI] | cores busy alone "
        "| threads, 2 workers | processes, 2 workers |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in examples.CASES:
        print(row(name, load_json(args.out / f"{name}.json", "probe")))


if __name__ == "__main__":
    main()
