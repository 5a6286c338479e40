"""`nox -s ci` / `ferrox run pipeline` on examples/demo: cold vs warm cache, parallel vs sequential.

    python benchmarks/pipeline_cache.py [--runs 5] [--write docs/benchmarks.md]

The demo is copied into a fresh git repository (target/ ignored) and built once, so "cold" means
no ferrox cache (every step runs: `--no-cache`) with cargo's own build cache warm, the way a
developer re-runs the pipeline; the very first run of a fresh copy (cargo builds from nothing)
is reported once on its own. "Warm" is a second run with no change. Parallel vs sequential runs
every step (`--no-cache`) with `[pipeline] jobs` = 2 and 1. "nox alone" is nox running one
empty session (`venv_backend="none"`): the start-up any `nox -s ...` pays before ferrox loads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import ENV, machine_line, measure, median_p90, publish, rotated_rounds

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
START, END = "<!-- pipeline-cache:start -->", "<!-- pipeline-cache:end -->"
HEADING = "## The whole pipeline: `nox -s ci`, cold vs warm cache, parallel vs sequential"
FERROX = (sys.executable, "-m", "ferrox", "run", "pipeline")
NOX = (sys.executable, "-m", "nox", "-s", "ci", "--")
EMPTY_NOXFILE = """import nox


@nox.session(venv_backend="none")
def empty(session: nox.Session) -> None:
    pass
"""
NOX_ALONE = "nox alone (one empty session)"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def _copy(workdir: Path, jobs: int) -> Path:
    """A committed copy of the demo with a noxfile and ``[pipeline] jobs``."""
    root = workdir / f"demo-j{jobs}"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("target", ".ferrox"))
    (root / ".gitignore").write_text("target/\n.ferrox/\n.nox/\n")
    (root / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
    config = root / "ferrox.toml"
    config.write_text(config.read_text() + f"\n[pipeline]\njobs = {jobs}\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "demo")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", type=Path, help="Markdown file whose results section to replace")
    args = parser.parse_args()
    env = {**ENV, "PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory(prefix="ferrox-pipeline-bench-") as temporary:
        workdir = Path(temporary)
        parallel, sequential = _copy(workdir, 2), _copy(workdir, 1)
        empty = workdir / "empty_noxfile.py"
        empty.write_text(EMPTY_NOXFILE)
        first = measure(parallel, FERROX, env=env)  # cargo builds everything from nothing
        measure(sequential, FERROX, env=env)
        ways = {
            "ferrox run pipeline, cold (--no-cache)": (parallel, (*FERROX, "--no-cache")),
            "ferrox run pipeline, warm (no change)": (parallel, FERROX),
            "nox -s ci, cold (-- --no-cache)": (parallel, (*NOX, "--no-cache")),
            "nox -s ci, warm (no change)": (parallel, NOX),
            "every step, jobs = 2 (--no-cache)": (parallel, (*FERROX, "--no-cache")),
            "every step, jobs = 1 (--no-cache)": (sequential, (*FERROX, "--no-cache")),
            NOX_ALONE: (workdir, (sys.executable, "-m", "nox", "-f", str(empty), "-s", "empty")),
        }

        inside: dict[str, list[float]] = {name: [] for name in ways}

        def run_one(name: str) -> float:
            root, argv = ways[name]
            if "warm" in name:
                measure(root, FERROX, env=env)  # the previous way may have left no entries
            elapsed = measure(root, argv, env=env)
            if name == NOX_ALONE:
                inside[name].append(0.0)
                return elapsed
            report = json.loads((root / "target" / "ferrox" / "pipeline.json").read_text())
            inside[name].append(float(report["duration_s"]))
            return elapsed

        times = rotated_rounds(list(ways), args.runs, run_one)
    medians = {name: median_p90(samples) for name, samples in times.items()}
    step_medians = {name: median_p90(samples)[0] for name, samples in inside.items()}
    lines = [
        machine_line(args.runs),
        f"First run of a fresh copy (cargo builds from nothing): {first:.2f} s.",
        "",
        "| command | median (s) | p90 (s) | the pipeline step itself, median (s) |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {name} | {m:.2f} | {p:.2f} | "
            + ("" if name == NOX_ALONE else f"{step_medians[name]:.2f}")
            + " |"
            for name, (m, p) in medians.items()
        ),
        "",
        "| ratio | median |",
        "| --- | ---: |",
    ]
    for label, cold, warm in (
        ("ferrox run pipeline: cold / warm", *list(medians)[0:2]),
        ("nox -s ci: cold / warm", *list(medians)[2:4]),
        ("jobs = 1 / jobs = 2", list(medians)[5], list(medians)[4]),
    ):
        lines.append(
            f"| {label} | {medians[cold][0] / medians[warm][0]:.1f}x "
            f"(step itself: {step_medians[cold] / max(step_medians[warm], 0.01):.1f}x) |"
        )
    nox_alone = medians[NOX_ALONE][0]
    warm_nox = medians["nox -s ci, warm (no change)"][0]
    lines += [
        "",
        f"nox's own start-up (one empty session): {nox_alone:.2f} s, "
        f"{nox_alone / warm_nox:.0%} of a warm `nox -s ci` ({warm_nox:.2f} s).",
    ]
    publish(lines, args.write, START, END, HEADING)


if __name__ == "__main__":
    main()
