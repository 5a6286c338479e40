"""The same test verdict everywhere? Raw cargo test, raw nextest and ferrox on real crates.

    python benchmarks/test_verdicts.py [--crates semver-1.0.26 ...] [--nextest-runs 2]
        [--write docs/test-verdicts.md]

Each crate is a published package from crates.io, copied from cargo's registry cache
(``$CARGO_HOME/registry/src``; `cargo fetch` puts it there) into a scratch directory. For each:
``cargo test --no-fail-fast`` and ``cargo nextest run --no-fail-fast`` as a user types them, in
this shell's environment (this machine exports RUST_BACKTRACE=1), then ``ferrox run test`` (auto
runner: nextest with retries and an in-process re-run, the pinned environment). Reported: each
verdict, the failing tests of the raw runs, and the tests ferrox named flaky or
isolation-sensitive.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from timing import publish

from ferrox.tools import ToolRunner

CRATES = (
    "semver-1.0.26", "itoa-1.0.15", "strsim-0.11.1", "shlex-1.3.0", "scopeguard-1.2.0",
    "same-file-1.0.6", "walkdir-2.5.0", "glob-0.3.2", "tempfile-3.18.0", "anyhow-1.0.102",
)  # fmt: skip
TIMEOUT_S = 1800.0
_CARGO_FAILED = re.compile(r"^test (\S+) \.\.\. FAILED", re.MULTILINE)
_NEXTEST_FAILED = re.compile(
    r"^\s+(?:FAIL|SIGABRT|SIGSEGV|ABORT|TIMEOUT)\s+\[[^\]]*\]\s+(?:\(\s*\d+/\d+\)\s+)?\S+\s+(\S+)",
    re.MULTILINE,
)
START, END = "<!-- test-verdicts:start -->", "<!-- test-verdicts:end -->"


@dataclass
class Row:
    """One crate's three verdicts."""

    crate: str
    cargo: str = ""
    cargo_failed: list[str] = field(default_factory=list)
    nextest: list[str] = field(default_factory=list)
    nextest_failed: list[list[str]] = field(default_factory=list)
    ferrox: str = ""
    ferrox_summary: str = ""
    unstable: list[str] = field(default_factory=list)
    ferrox_failed: list[str] = field(default_factory=list)


def registry_source(crate: str) -> Path:
    """The unpacked published package in cargo's registry cache."""
    home = Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo"))
    for index in sorted((home / "registry" / "src").glob("*")):
        if (index / crate / "Cargo.toml").is_file():
            return index / crate
    raise SystemExit(f"{crate} is not in {home}/registry/src: `cargo fetch` a project using it")


def measure_crate(runner: ToolRunner, crate: str, scratch: Path, nextest_runs: int) -> Row:
    """Copies the crate and runs the three ways on it."""
    work = scratch / crate
    shutil.copytree(registry_source(crate), work)
    manifest = work / "Cargo.toml"
    # A root of its own: cargo never looks for a workspace above the scratch copy.
    if "[workspace]" not in manifest.read_text(encoding="utf-8"):
        with manifest.open("a", encoding="utf-8") as handle:
            handle.write("\n[workspace]\n")
    row = Row(crate)
    done = runner.run("cargo", ["test", "--no-fail-fast"], cwd=work, timeout=TIMEOUT_S)
    row.cargo = "pass" if done.returncode == 0 else f"fail ({done.returncode})"
    row.cargo_failed = sorted(set(_CARGO_FAILED.findall(done.stdout)))
    for _ in range(nextest_runs):
        done = runner.run(
            "cargo", ["nextest", "run", "--no-fail-fast", "--no-tests", "pass"],
            cwd=work, timeout=TIMEOUT_S,
        )  # fmt: skip
        row.nextest.append("pass" if done.returncode == 0 else f"fail ({done.returncode})")
        row.nextest_failed.append(sorted(set(_NEXTEST_FAILED.findall(done.stderr))))
    reports = scratch / f"{crate}-reports"
    ferrox = ["-m", "ferrox", "run", "test", "-C", str(work), "--report-dir", str(reports)]
    done = runner.run(sys.executable, ferrox, cwd=work, timeout=TIMEOUT_S)
    report_path = reports / "test.json"
    if not report_path.is_file():
        row.ferrox, row.ferrox_summary = f"no report (exit {done.returncode})", done.tail(3)
        return row
    report = json.loads(report_path.read_text(encoding="utf-8"))
    row.ferrox_summary = report["summary"]
    row.unstable = [
        f"{u['name']} ({u['kind']})" for u in report.get("extra", {}).get("unstable", [])
    ]
    row.ferrox_failed = sorted(t["name"] for t in report["tests"] if t["outcome"] == "failed")
    if report["status"] != "pass":
        row.ferrox = f"{report['status']} ({report['exit_code']})"
    else:
        row.ferrox = "flaky" if row.unstable else "pass"
    return row


def table(rows: list[Row]) -> list[str]:
    """The Markdown table for docs/test-verdicts.md."""
    lines = [
        "| crate | cargo test | cargo nextest run | ferrox run test | tests named |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        named = [*row.unstable, *(f"{name} (failed)" for name in row.ferrox_failed)]
        raw_failed = sorted({*row.cargo_failed, *(n for run in row.nextest_failed for n in run)})
        nextest = ", ".join(row.nextest)
        lines.append(
            f"| {row.crate} | {row.cargo} | {nextest} | {row.ferrox}: {row.ferrox_summary} | "
            + ("; ".join(f"`{n}`" for n in named) or "-")
            + (
                f" (raw runs failed: {', '.join(f'`{n}`' for n in raw_failed)})"
                if raw_failed
                else ""
            )
            + " |"
        )
    return lines


def main() -> int:
    """Measures every crate and prints (or writes) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crates", nargs="+", default=list(CRATES))
    parser.add_argument("--nextest-runs", type=int, default=2)
    parser.add_argument("--write", type=Path, help="replace the results section of this file")
    parser.add_argument("--json", type=Path, help="also write the raw rows as JSON")
    parser.add_argument(
        "--from-json", type=Path, nargs="+", help="render rows saved by --json instead of running"
    )
    args = parser.parse_args()
    rows = []
    if args.from_json:
        for path in args.from_json:
            rows += [Row(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
    else:
        runner = ToolRunner()
        with tempfile.TemporaryDirectory(prefix="ferrox-verdicts-") as scratch:
            for crate in args.crates:
                print(f"-- {crate}", file=sys.stderr)
                rows.append(measure_crate(runner, crate, Path(scratch), args.nextest_runs))
    if args.json:
        args.json.write_text(json.dumps([row.__dict__ for row in rows], indent=2) + "\n")
    env = {name: os.environ.get(name) for name in ("RUST_BACKTRACE", "RUSTFLAGS", "LANG", "TZ")}
    publish(
        [f"Shell environment of the raw runs: {env}.", "", *table(rows)],
        args.write, START, END,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
