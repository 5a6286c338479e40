"""Overhead of ferrox and nox over the raw cargo command, per step, on examples/demo.

    python benchmarks/overhead.py [--runs 15] [--write docs/benchmarks.md]

Each round runs, in a rotating order, the raw tool, `ferrox run STEP` and `nox -s STEP` on a warm
copy of the demo workspace (same build cache), so machine drift hits all three alike. Reported:
median and 90th percentile wall time, and the median overhead over the raw command.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"
CLIPPY_RAW = [
    "cargo", "clippy", "--workspace", "--message-format=json", "--all-targets",
    "--", "-D", "clippy::suspicious", "-W", "clippy::unwrap_used",
]  # fmt: skip
RAW = {
    "fmt": ["cargo", "fmt", "--all", "--", "--check", "--color", "never"],
    "clippy": CLIPPY_RAW,
}
MARKER = "<!-- overhead:start -->"
# Sandboxes like ours set PYTHONDONTWRITEBYTECODE, so every start recompiles every module; a
# laptop or CI runner keeps its bytecode caches, and that is the start-up users see.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
END_MARKER = "<!-- overhead:end -->"


def commands(step: str) -> dict[str, list[str]]:
    """The three ways to run a step."""
    return {
        "raw": RAW[step],
        "ferrox": [sys.executable, "-m", "ferrox", "run", step],
        "nox": [sys.executable, "-m", "nox", "-s", step],
    }


def measure(workdir: Path, argv: list[str]) -> float:
    """Wall time of one run; a failing run aborts the benchmark (it would measure nothing)."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=workdir, capture_output=True, env=ENV, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--write", type=Path, help="Markdown file whose results section to replace")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch) / "demo"
        shutil.copytree(DEMO, workdir, ignore=shutil.ignore_patterns("target"))
        (workdir / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
        rows = []
        for step in RAW:
            ways = commands(step)
            for argv in ways.values():  # warm-up: build caches, Python bytecode
                measure(workdir, argv)
            times: dict[str, list[float]] = {name: [] for name in ways}
            names = list(ways)
            for round_index in range(args.runs):
                shift = round_index % len(names)
                for name in names[shift:] + names[:shift]:  # rotate the order each round
                    times[name].append(measure(workdir, ways[name]))
            raw = statistics.median(times["raw"])
            for name in names:
                median = statistics.median(times[name])
                p90 = statistics.quantiles(times[name], n=10)[-1]
                overhead = "" if name == "raw" else f"{median - raw:+.3f}"
                rows.append(f"| {step} | {name} | {median:.3f} | {p90:.3f} | {overhead} |")
    cpu = platform.processor() or platform.machine()
    table = "\n".join(
        [
            MARKER,
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.system()} {cpu}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{args.runs} interleaved warm runs per command.",
            "",
            "| step | command | median (s) | p90 (s) | overhead vs raw (s) |",
            "| --- | --- | ---: | ---: | ---: |",
            *rows,
            END_MARKER,
        ]
    )
    print(table)
    if args.write:
        text = args.write.read_text(encoding="utf-8")
        head, _, rest = text.partition(MARKER)
        _, _, tail = rest.partition(END_MARKER)
        args.write.write_text(head + table + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
