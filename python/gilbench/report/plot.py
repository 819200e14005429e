"""The picture: speedup against workers, a line per backend, a panel per parallel executor.

The ideal (speedup = workers) and the measured machine ceiling are drawn in every
panel, so a line can be read against what the machine could deliver.  Each native
kernel and its GIL-holding twin share a colour; the twin's line is dashed.
"""

from __future__ import annotations

import os
import warnings

from gilbench.environment import gil_enabled
from gilbench.executors.registry import BASELINE
from gilbench.report.tables import describe_gil
from gilbench.results import RunResults

COLOURS = {
    "python": "#1f77b4",
    "numpy": "#9467bd",
    "cython": "#2ca02c",
    "cpp": "#d62728",
    "rust": "#ff7f0e",
}


class NothingToPlot(ValueError):
    """The run has no parallel measurement to draw, or nothing to draw it with."""


def _colour(backend: str) -> str:
    return COLOURS.get(backend.removesuffix("-gil"), "#7f7f7f")


def title_for(results: RunResults) -> str:
    env = results.environment
    mode = results.config.get("mode", "weak")
    cores = env.get("usable_cpus", "?")
    first = f"gilbench: {mode} scaling on {env.get('cpu_model', '?')} ({cores} usable cores)"
    second = f"{env.get('python', '?')}, {describe_gil(env)}, {env.get('hostname', '')}"
    if not any(results.ceiling_at(w) for w in results.workers() if w > 1):
        second += " (machine ceiling not measured)"
    if results.interrupted:
        second += " (interrupted: partial)"
    return f"{first}\n{second}"


def plot_run(results: RunResults, path: str | os.PathLike[str]) -> str | None:
    """Write the plot to ``path``; the format follows the extension (png, svg, pdf).

    Returns a note if writing it turned the GIL back on in this process.
    """
    try:
        import matplotlib
    except ImportError:
        raise NothingToPlot("matplotlib is not installed (pip install matplotlib)") from None
    matplotlib.use("Agg")  # files only: no display needed, none opened
    import matplotlib.pyplot as plt

    executors = [e for e in results.executors() if e != BASELINE]
    if not any(r.speedup is not None for r in results.records if r.executor in executors):
        raise NothingToPlot("the run has no thread or process measurement with a speedup")
    workers = results.workers()
    top = max(workers)
    figure, axes = plt.subplots(
        1, len(executors), figsize=(5.2 * len(executors), 4.8), sharey=True, squeeze=False
    )
    ceiling = [(w, results.ceiling_at(w)) for w in workers]
    ceiling = [(w, c) for w, c in ceiling if c is not None and (w > 1 or len(workers) > 1)]
    cores = results.environment.get("usable_cpus") or top
    seen: set[str] = set()
    for axis, executor in zip(axes[0], executors, strict=True):
        axis.plot([1, top], [1, top], color="0.6", linestyle=":", linewidth=1.5, label="ideal")
        if top > cores:  # beyond here workers share cores: no further speedup is possible
            axis.axvline(cores, color="0.5", linestyle="-.", linewidth=1, label="usable cores")
        if ceiling:
            axis.plot(
                [w for w, _ in ceiling],
                [s for _, s in ceiling],
                color="black",
                linewidth=2.2,
                alpha=0.35,
                marker="s",
                label="machine ceiling (native threads)",
            )
        for backend in results.backends():
            rows = sorted(
                (
                    r
                    for r in results.records
                    if r.backend == backend and r.executor == executor and r.speedup is not None
                ),
                key=lambda r: r.workers,
            )
            if not rows:
                continue
            twin = backend.endswith("-gil")
            speedups = [r.speedup or 0.0 for r in rows]
            errors = [
                [s - (r.speedup_ci or [s, s])[0] for s, r in zip(speedups, rows, strict=True)],
                [(r.speedup_ci or [s, s])[1] - s for s, r in zip(speedups, rows, strict=True)],
            ]
            axis.errorbar(
                [r.workers for r in rows],
                speedups,
                yerr=errors,
                color=_colour(backend),
                linestyle="--" if twin else "-",
                marker="o",
                markerfacecolor="white" if twin else _colour(backend),
                linewidth=1.8,
                capsize=3,
                label=backend,
            )
            shaky = [r for r in rows if r.unstable or r.verdict == "inconclusive"]
            if shaky:  # a hollow ring: unstable or inconclusive, read with care
                axis.scatter(
                    [r.workers for r in shaky],
                    [r.speedup for r in shaky],
                    s=160,
                    facecolors="none",
                    edgecolors="magenta",
                    linewidths=1.5,
                    zorder=5,
                    label="unstable or inconclusive" if "shaky" not in seen else None,
                )
                seen.add("shaky")
        axis.set_title(f"{executor} (error bars: 95% intervals)", fontsize=9)
        axis.set_xlabel("workers")
        axis.set_xticks(workers)
        axis.set_xlim(0.8, top + 0.2 if top <= 8 else top * 1.05)
        axis.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("speedup over sequential (same work)")
    highest = max([top, *((r.speedup_ci or [0, r.speedup or 0])[1] for r in results.records)])
    axes[0][0].set_ylim(0, highest * 1.08)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for axis in axes[0][1:]:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.suptitle(title_for(results), fontsize=10)
    figure.tight_layout()
    # Beside the panels, outside them; bbox_inches="tight" grows the canvas to fit it.
    figure.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 0.88), frameon=False)
    # On a free-threaded build, an extension module that has not declared it can run
    # without the GIL turns it back on as it loads, with a RuntimeWarning: the PDF
    # writer loads fontTools. The measurements are over by now, so one line says so.
    was_enabled = gil_enabled()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The global interpreter lock", RuntimeWarning)
        figure.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(figure)
    if not was_enabled and gil_enabled():
        return "writing it loaded a module that turned the GIL back on in this process"
    return None
