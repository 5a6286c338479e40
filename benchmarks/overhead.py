"""Overhead of ferrox and nox over the raw cargo command, per step, on examples/demo.

    python benchmarks/overhead.py [--runs 15] [--write docs/benchmarks.md]

Each round runs, in a rotating order, the raw tool, `ferrox run STEP` and `nox -s STEP` on a warm
copy of the demo workspace (same build cache), so machine drift hits all three alike. Reported:
median and 90th percentile wall time, and the median overhead over the raw command.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from timing import machine_line, measure, median_p90, publish, rotated_rounds

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
END_MARKER = "<!-- overhead:end -->"


def commands(step: str) -> dict[str, list[str]]:
    """The three ways to run a step."""
    return {
        "raw": RAW[step],
        "ferrox": [sys.executable, "-m", "ferrox", "run", step],
        "nox": [sys.executable, "-m", "nox", "-s", step],
    }


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
            names = list(ways)
            times = rotated_rounds(names, args.runs, lambda n, w=ways: measure(workdir, w[n]))
            raw = statistics.median(times["raw"])
            for name in names:
                median, p90 = median_p90(times[name])
                overhead = "" if name == "raw" else f"{median - raw:+.3f}"
                rows.append(f"| {step} | {name} | {median:.3f} | {p90:.3f} | {overhead} |")
    publish(
        [
            machine_line(args.runs),
            "",
            "| step | command | median (s) | p90 (s) | overhead vs raw (s) |",
            "| --- | --- | ---: | ---: | ---: |",
            *rows,
        ],
        args.write,
        MARKER,
        END_MARKER,
    )


if __name__ == "__main__":
    main()
