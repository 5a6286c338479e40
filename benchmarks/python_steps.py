"""Each Python step (pytest, quality, package) against its raw tools, on the fixture projects.

    python benchmarks/python_steps.py [--runs 5] [--write docs/benchmarks.md]

For each step the raw commands are what the step runs, typed by hand in a warm setup (the
project environment already built, caches warm): pytest under coverage; ruff format, ruff check,
ruff's complexity check and mypy; pyproject-build, twine check, a fresh venv with the wheel and
the smoke command. Rounds alternate raw and `ferrox run STEP`; reported: median and p90 wall time
and ferrox's median overhead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from timing import ENV, machine_line, measure, median_p90, publish, rotated_rounds

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / "tests" / "fixtures" / "python"
PROJECTS = {"pytest": "pytests/passing", "quality": "quality/clean", "package": "package/good"}
# The wheel's name is only known after the build: a one-line glob, as a shell would expand it.
TWINE = (
    "import glob, subprocess, sys; "
    "sys.exit(subprocess.call(['twine', 'check', '--strict', *glob.glob('{dist}/*')]))"
)
UV_INSTALL = (
    "import glob, subprocess, sys; sys.exit(subprocess.call(['uv', 'pip', 'install', '--quiet', "
    "'--reinstall', '--python', '{venv}/bin/python', *glob.glob('{dist}/*.whl')]))"
)
MARKER = "<!-- python-steps:start -->"
END_MARKER = "<!-- python-steps:end -->"


def raw_commands(step: str, project: Path, scratch: Path, env_python: Path) -> list[list[str]]:
    """The hand-typed equivalent of the step (env_python: the warm project environment)."""
    if step == "pytest":
        return [
            [
                str(env_python),
                "-m",
                "coverage",
                "run",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            [str(env_python), "-m", "coverage", "json", "-q", "-o", str(scratch / "cov.json")],
        ]
    if step == "quality":
        return [
            ["ruff", "format", "--check", "."],
            ["ruff", "check", "."],
            ["ruff", "check", "--select", "C901", "."],
            ["mypy", "--python-executable", str(env_python), "src"],
        ]
    dist, venv = scratch / "dist", scratch / "venv"
    return [
        ["pyproject-build", "--wheel", "--sdist", "--outdir", str(dist), "."],
        [sys.executable, "-c", TWINE.format(dist=dist)],
        ["uv", "venv", "--quiet", "--allow-existing", str(venv)],
        [sys.executable, "-c", UV_INSTALL.format(dist=dist, venv=venv)],
        [str(venv / "bin" / "tinycalc")],
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", type=Path, help="Markdown file whose results section to replace")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        env = {**ENV, "FERROX_ENVS_HOME": str(scratch / "envs")}
        for step, relative in PROJECTS.items():
            project = scratch / step
            shutil.copytree(PYTHON / relative, project)
            ferrox = [
                sys.executable,
                "-m",
                "ferrox",
                "run",
                step,
                "--report-dir",
                str(scratch / "r"),
            ]
            measure(project, ferrox, env=env)  # builds the project environment once
            env_python = next((scratch / "envs").glob(f"{project.name}-*/bin/python"), None)
            raw = raw_commands(step, project, scratch, env_python or Path(sys.executable))
            for argv in raw:  # warm-up
                measure(project, argv, env=env)

            def run_one(
                name: str,
                raw: list[list[str]] = raw,
                ferrox: list[str] = ferrox,
                project: Path = project,
            ) -> float:
                if name == "ferrox":
                    return measure(project, ferrox, env=env)
                return sum(measure(project, argv, env=env) for argv in raw)

            times = rotated_rounds(["raw", "ferrox"], args.runs, run_one)
            base = statistics.median(times["raw"])
            for name in ("raw", "ferrox"):
                median, p90 = median_p90(times[name])
                overhead = "" if name == "raw" else f"{median - base:+.2f}"
                rows.append(f"| {step} | {name} | {median:.2f} | {p90:.2f} | {overhead} |")
    publish(
        [
            machine_line(args.runs) + f" uv {'on' if shutil.which('uv') else 'not on'} PATH;"
            f" {os.cpu_count()} cores shared with other jobs.",
            "",
            "| step | command | median (s) | p90 (s) | overhead vs raw (s) |",
            "| --- | --- | ---: | ---: | ---: |",
            *rows,
        ],
        args.write,
        MARKER,
        END_MARKER,
        heading="## Python steps against their raw tools",
    )


if __name__ == "__main__":
    main()
