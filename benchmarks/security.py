"""`nox -s security` on examples/demo against the raw scanners run one after another.

    python benchmarks/security.py [--runs 7] [--write docs/benchmarks.md]

The raw commands are exactly the ones ferrox ran: a first `ferrox run security` records every
scanner command (argv, cwd, exit code) in its JSON report, and the benchmark replays
them sequentially. Each round runs, in a rotating order, the raw sequence, `ferrox run security`
and `nox -s security` on one warm copy of the demo (same build and advisory caches).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from timing import ENV, machine_line, measure, median_p90, publish, rotated_rounds

from ferrox.tools import ToolRunner

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"
MARKER = "<!-- security:start -->"
END_MARKER = "<!-- security:end -->"


def recorded_commands(workdir: Path, report_dir: Path) -> list[tuple[list[str], Path, int]]:
    """Runs `ferrox run security` once; the (argv, cwd, exit code) of every scanner command."""
    measure(
        workdir,
        [sys.executable, "-m", "ferrox", "run", "security", "--report-dir", str(report_dir)],
    )
    report = json.loads((report_dir / "security.json").read_text())
    # ferrox's own version probes (`--version`, pin checks) are left out: a hand-written CI
    # script would not run them, and the comparison should not flatter ferrox.
    return [
        (command["argv"], Path(command["cwd"]), command["returncode"])
        for part in report["parts"]
        for command in part["commands"]
        if "--version" not in command["argv"]
    ]


def run_raw(commands: list[tuple[list[str], Path, int]], env: dict[str, str]) -> float:
    """The scanners one after another, as a hand-written CI script would run them."""
    start = time.perf_counter()
    for argv, cwd, code in commands:
        measure(cwd, argv, ok_codes=(code,), env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--write", type=Path, help="Markdown file whose results section to replace")
    args = parser.parse_args()
    # The raw commands get the PATH ferrox gives its tools (pinned tools' directories first).
    env = ToolRunner(env=ENV).env
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch) / "demo"
        shutil.copytree(DEMO, workdir, ignore=shutil.ignore_patterns("target"))
        (workdir / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
        commands = recorded_commands(workdir, Path(scratch) / "first")
        ways = {
            "raw scanners, sequential": lambda: run_raw(commands, env),
            "ferrox run security": lambda: measure(
                workdir, [sys.executable, "-m", "ferrox", "run", "security"]
            ),
            "nox -s security": lambda: measure(
                workdir, [sys.executable, "-m", "nox", "-s", "security"]
            ),
        }
        for way in ways.values():  # warm-up
            way()
        times = rotated_rounds(list(ways), args.runs, lambda name: ways[name]())
    raw, _ = median_p90(times["raw scanners, sequential"])
    rows = []
    for name, samples in times.items():
        median, p90 = median_p90(samples)
        rows.append(f"| {name} | {median:.2f} | {p90:.2f} | {median / raw:.2f}x |")
    scanners = sorted(
        {Path(argv[0]).name + (f" {argv[1]}" if len(argv) > 1 else "") for argv, _, _ in commands}
    )
    publish(
        [
            machine_line(args.runs),
            f"Raw commands replayed ({len(commands)}): {', '.join(f'`{s}`' for s in scanners)}.",
            "",
            "| command | median (s) | p90 (s) | vs raw |",
            "| --- | ---: | ---: | ---: |",
            *rows,
        ],
        args.write,
        MARKER,
        END_MARKER,
    )


if __name__ == "__main__":
    main()
