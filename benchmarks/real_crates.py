"""The paired bench gate on real crates from crates.io: A/A false alarms and injected slowdowns.

    python benchmarks/real_crates.py --aa-runs 10 --slow-runs 3

Two crates no one here wrote, with small criterion suites published in their .crate files:
``hex`` 0.4.3 (criterion 0.3: its ``--list`` prints ``ID: bench``) and ``semver`` 1.0.28
(criterion 0.8). Each is downloaded from crates.io into ``target/real-crates/`` (never
committed), its dependencies resolved by ``cargo generate-lockfile``, and made a git repository.

* A/A: ``ferrox run bench --base main`` with head = base, ``--aa-runs`` times: a benchmark at
  ``major`` or worse is a false alarm (the gate fails), ``minor`` a false warning.
* Slowdowns: the library function some benchmarks call does its work a second time on every
  k-th call (k = 10 for 10%, 20 for 5%; a counter the base carries too, set to never), so the
  benchmarks that call it once per iteration get exactly that much slower on average and the
  others not at all. ``--slow-runs`` gate runs per size: detected = the touched benchmarks
  flagged (minor or worse), and whether an untouched one was.

Wall time per gate run: the ``ferrox run bench`` process, builds included (the first run of a
crate builds criterion cold; later runs reuse the target directories, as CI's cache would).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "real-crates"
# Short criterion runs (the gate pairs many of them) and a fixed number of pairs. criterion 0.3
# takes whole seconds (at least 1) for its warm-up and measurement times: hex's runs are longer,
# so it gets fewer pairs.
SHORT = """
[bench]
min_pairs = 10
max_pairs = 10
confirm_pairs = 6
criterion_args = [
  "--warm-up-time", "0.1", "--measurement-time", "0.2", "--sample-size", "20",
  "--nresamples", "1000",
]
"""
WHOLE_SECONDS = """
[bench]
min_pairs = 6
max_pairs = 6
confirm_pairs = 5
criterion_args = [
  "--warm-up-time", "1", "--measurement-time", "1", "--sample-size", "10",
  "--nresamples", "1000",
]
"""
# Every k-th call does its work twice; PERIOD (padded so base and head differ in no other
# byte: hex benchmarks its own src/lib.rs as input) counts calls, 0 = never.
COUNTER = """
#[doc(hidden)]
#[inline]
pub(crate) fn ferrox_slowdown_due() -> bool {{
    // Injected by ferrox's benchmarks/real_crates.py: true on every PERIOD-th call (0: never).
    const PERIOD: u64 = {period:>3};
    static CALLS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    PERIOD != 0 && n % PERIOD == PERIOD - 1
}}
"""


@dataclass(frozen=True)
class Crate:
    """A crate, its slowdown injection and the benchmarks that injection touches."""

    name: str
    version: str
    counter_file: str  # where the counter function goes (appended)
    edits: tuple[tuple[str, str, str], ...]  # (file, old, new) making the extra call
    touched: tuple[str, ...]
    recursive: bool  # the extra call re-enters the counted function (one more count per extra)
    settings: str  # the ferrox.toml the gate runs with


CRATES = (
    Crate(
        "semver",
        "1.0.28",
        "src/lib.rs",
        (
            (
                "src/parse.rs",
                "impl FromStr for Version {\n    type Err = Error;\n\n"
                "    fn from_str(text: &str) -> Result<Self, Self::Err> {\n",
                "impl FromStr for Version {\n    type Err = Error;\n\n"
                "    fn from_str(text: &str) -> Result<Self, Self::Err> {\n"
                "        if crate::ferrox_slowdown_due() {\n"
                "            let _ = core::hint::black_box("
                "Self::from_str(core::hint::black_box(text)));\n        }\n",
            ),
        ),
        ("parse/parse Version",),
        recursive=True,
        settings=SHORT,
    ),
    Crate(
        "hex",
        "0.4.3",
        "src/lib.rs",
        (
            (
                "src/lib.rs",
                "pub fn encode<T: AsRef<[u8]>>(data: T) -> String {\n    data.encode_hex()\n}",
                "pub fn encode<T: AsRef<[u8]>>(data: T) -> String {\n    if ferrox_slowdown_due() {"
                "\n        core::hint::black_box((&data).encode_hex::<String>());\n    }"
                "\n    data.encode_hex()\n}",
            ),
            (
                "src/lib.rs",
                "pub fn decode<T: AsRef<[u8]>>(data: T) -> Result<Vec<u8>, FromHexError> {\n"
                "    FromHex::from_hex(data)\n}",
                "pub fn decode<T: AsRef<[u8]>>(data: T) -> Result<Vec<u8>, FromHexError> {\n"
                "    if ferrox_slowdown_due() {\n        let _ = core::hint::black_box("
                "<Vec<u8> as FromHex>::from_hex(&data));\n    }\n    FromHex::from_hex(data)\n}",
            ),
        ),
        ("hex/hex_encode", "hex/hex_decode"),
        recursive=False,
        settings=WHOLE_SECONDS,
    ),
)


def fetch(crate: Crate) -> Path:
    """The crate's published sources under target/real-crates (downloaded once)."""
    where = WORK / "sources" / f"{crate.name}-{crate.version}"
    if not where.is_dir():
        url = f"https://static.crates.io/crates/{crate.name}/{crate.name}-{crate.version}.crate"
        request = urllib.request.Request(url, headers={"User-Agent": "ferrox-benchmarks"})
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - fixed https
            data = response.read()
        where.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            archive.extractall(where.parent, filter="data")
    return where


def git(repo: Path, *args: str) -> str:
    """``git args`` in ``repo`` (fixed identity, no hooks)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}  # fmt: skip
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    return done.stdout.decode().strip()


def prepare(crate: Crate, label: str, period: int | None) -> Path:
    """A fresh git repository of the crate on ``main``; with ``period``, base carries the counter
    at 0 and a second commit sets it to ``period``."""
    source = fetch(crate)
    repo = WORK / "repos" / f"{crate.name}-{label}"
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(source, repo)
    (repo / "ferrox.toml").write_text(crate.settings)
    (repo / ".gitignore").write_text("target/\n")
    subprocess.run(["cargo", "generate-lockfile", "-q"], cwd=repo, check=True)
    if period is not None:
        for file, old, new in crate.edits:
            path = repo / file
            text = path.read_text()
            if old not in text:
                sys.exit(f"{crate.name}: the injection point is not in {file}")
            path.write_text(text.replace(old, new, 1))
        with (repo / crate.counter_file).open("a") as counter:
            counter.write(COUNTER.format(period=0))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    if period:
        path = repo / crate.counter_file
        before = COUNTER.format(period=0)
        path.write_text(path.read_text().replace(before, COUNTER.format(period=period)))
        git(repo, "commit", "-q", "-am", f"slow down: every {period}th call twice")
    return repo


def gate(crate: Crate, repo: Path, base: str, run: int) -> dict[str, Any]:
    """One ``ferrox run bench`` (paired): exit code, levels, changes, wall time."""
    report = WORK / "reports" / f"{repo.name}-{run}"
    shutil.rmtree(report, ignore_errors=True)
    (report / "bench").mkdir(parents=True)
    # Base builds go to a target directory kept across runs (as CI's cache would keep it).
    base_target = WORK / "targets" / f"{crate.name}-base"
    base_target.mkdir(parents=True, exist_ok=True)
    (report / "bench" / "base-target").symlink_to(base_target, target_is_directory=True)
    env = {**os.environ, "CARGO_TARGET_DIR": str(WORK / "targets" / f"{crate.name}-head")}
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ferrox", "run", "bench", "-C", str(repo), "--base", base,
         "--report-dir", str(report)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - start
    summary_file = report / "bench" / "summary.json"
    summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {}
    verdicts = {
        v["benchmark"]: {"level": v["level"], "change": round(v["change"], 4)}
        for v in summary.get("verdicts", [])
    }
    if done.returncode not in (0, 1):
        print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
    return {"exit": done.returncode, "seconds": round(seconds, 1), "verdicts": verdicts}


FLAGGED = ("minor", "major", "critical")


def harness_of(name: str) -> str:
    """The criterion release the crate's A/A repository resolved (its Cargo.lock)."""
    lock = WORK / "repos" / f"{name}-aa" / "Cargo.lock"
    if not lock.is_file():
        return "criterion"
    text = lock.read_text()
    marker = 'name = "criterion"\nversion = "'
    start = text.find(marker)
    return (
        "criterion" if start < 0 else f"criterion {text[start + len(marker) :].split(chr(34))[0]}"
    )


def render(results: dict[str, Any]) -> str:
    """The Markdown table of a results file: per crate and experiment, what the gate said."""
    lines = [
        "| crate (harness) | benchmarks driven | experiment | gate runs | exit codes | "
        "touched benchmarks flagged | others flagged (false alarms) | median change of the "
        "touched | wall time per gate run (median, max) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, entry in results["crates"].items():
        touched = set(entry["touched"])
        for label, title in (("aa", "A/A"), ("slow10", "+10%"), ("slow5", "+5%")):
            runs = entry.get(label, [])
            if not runs:
                continue
            driven = sorted({k for r in runs for k in r["verdicts"]})
            codes = ", ".join(f"{c}: {sum(r['exit'] == c for r in runs)}"
                              for c in sorted({r["exit"] for r in runs}))  # fmt: skip
            hit = other = 0
            changes = []
            for r in runs:
                for key, v in r["verdicts"].items():
                    flagged = v["level"] in FLAGGED
                    if key in touched and label != "aa":
                        hit += flagged
                        changes.append(v["change"])
                    else:
                        other += flagged
            seconds = sorted(r["seconds"] for r in runs)
            touched_cell = "-" if label == "aa" else f"{hit}/{len(runs) * len(touched)}"
            others = sum(len([k for k in r["verdicts"] if label == "aa" or k not in touched])
                         for r in runs)  # fmt: skip
            change = "-" if not changes else f"{sorted(changes)[len(changes) // 2]:+.1%}"
            lines.append(
                f"| {name} {entry['version']} ({harness_of(name)}) | {len(driven)} | "
                f"{title} | {len(runs)} | {codes} | {touched_cell} | {other}/{others} | "
                f"{change} | {seconds[len(seconds) // 2]:.0f} s, {seconds[-1]:.0f} s |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Runs the A/A and slowdown gates on each crate and writes the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aa-runs", type=int, default=10)
    parser.add_argument("--slow-runs", type=int, default=3)
    parser.add_argument("--crates", nargs="*", default=[c.name for c in CRATES])
    parser.add_argument("--slow-runs-hex", type=int, default=None, help="hex's (longer runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/data/real-crates.json")
    parser.add_argument("--note", default="", help="what else ran on the machine meanwhile")
    parser.add_argument(
        "--order", nargs="+", default=["aa", "slow10", "slow5"], help="experiments, in order"
    )
    parser.add_argument("--render", type=Path, help="print the Markdown table of a results file")
    args = parser.parse_args()
    if args.render:
        print(render(json.loads(args.render.read_text())), end="")
        return
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "note": args.note,
        "crates": {},
    }
    for crate in (c for c in CRATES if c.name in args.crates):
        entry: dict[str, Any] = {
            "version": crate.version,
            "touched": list(crate.touched),
            "settings": crate.settings.strip(),
        }
        results["crates"][crate.name] = entry
        slow_runs = args.slow_runs
        if crate.name == "hex" and args.slow_runs_hex is not None:
            slow_runs = args.slow_runs_hex
        experiments = {
            "aa": (None, args.aa_runs),
            "slow10": (10, slow_runs),
            "slow5": (5, slow_runs),
        }
        plan = [(label, *experiments[label]) for label in args.order]
        for label, pct, runs in plan:
            period = None if pct is None else 100 // pct + (1 if crate.recursive else 0)
            repo = prepare(crate, label, period)
            entry[label] = []
            for i in range(runs):
                entry[label].append(gate(crate, repo, "main" if pct is None else "main~1", i))
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(results, indent=1) + "\n")  # partial results
                print(f"{crate.name} {label} {i}: {entry[label][-1]}", file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
