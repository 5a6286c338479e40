"""Shared helpers of the benchmark scripts: one timed run, rotated rounds, result tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# Sandboxes like ours set PYTHONDONTWRITEBYTECODE, so every start recompiles every module; a
# laptop or CI runner keeps its bytecode caches, and that is the start-up users see.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(
    workdir: Path,
    argv: Sequence[str],
    *,
    ok_codes: Sequence[int] = (0,),
    env: Mapping[str, str] = ENV,
) -> float:
    """Wall time of one run; an unexpected exit aborts the benchmark (it would measure nothing)."""
    start = time.perf_counter()
    done = subprocess.run(list(argv), cwd=workdir, capture_output=True, env=dict(env), check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok_codes:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return elapsed


def rotated_rounds(
    names: Sequence[str], runs: int, run_one: Callable[[str], float]
) -> dict[str, list[float]]:
    """Runs every way ``runs`` times, rotating the order each round so drift hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in names}
    names = list(names)
    for round_index in range(runs):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(run_one(name))
    return times


def median_p90(samples: Sequence[float]) -> tuple[float, float]:
    """The median and the 90th percentile of a sample."""
    return statistics.median(samples), statistics.quantiles(samples, n=10)[-1]


def machine_line(runs: int) -> str:
    """Where and how a table was measured."""
    cpu = platform.processor() or platform.machine()
    return (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.system()} {cpu}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{runs} interleaved warm runs per command."
    )


def replace_section(path: Path, start: str, end: str, table: str, heading: str = "") -> None:
    """Replaces the text between two markers of a Markdown file.

    When the markers are missing, they are appended with the table (under ``heading``, if any).
    """
    text = path.read_text(encoding="utf-8")
    block = f"{start}\n{table}\n{end}"
    if start not in text:
        intro = f"{heading}\n\n" if heading else ""
        path.write_text(text.rstrip("\n") + "\n\n" + intro + block + "\n", encoding="utf-8")
        return
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    path.write_text(head + block + tail, encoding="utf-8")


def publish(
    lines: Sequence[str], path: Path | None, start: str, end: str, heading: str = ""
) -> None:
    """Prints a results section and, with ``path``, writes it between the markers there."""
    table = "\n".join(lines)
    print(table)
    if path is not None:
        replace_section(path, start, end, table, heading)
