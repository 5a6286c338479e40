"""Collects real interleaved runs of the demo benchmarks for the gate simulations.

    python benchmarks/collect_demo_runs.py --minutes 15 --out benchmarks/data/demo-runs.json

Builds examples/demo's `checksum` bench once, then repeats blocks: in each block the binary runs
once per knob level (DEMO_SLOWDOWN_PCT = 0, 0, 5, 10; two independent 0 runs for A/A pairs), in
a shuffled order so drift cannot favour one level. Every run prints one libtest `bench:` line per
benchmark (the median of its timed rounds); the file keeps those values, in ns per iteration.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
LEVELS = {"A0": 0, "B0": 0, "S5": 5, "S10": 10}
LINE = re.compile(r"^test (\S+) \.\.\. bench:\s+([\d,]+) ns/iter", re.MULTILINE)


def build() -> Path:
    """The path of the demo's release bench binary, built if needed."""
    done = subprocess.run(
        ["cargo", "bench", "--bench", "checksum", "--no-run", "--message-format", "json"],
        cwd=DEMO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            return Path(message["executable"])
    sys.exit("cargo printed no bench executable")


def run_once(binary: Path, pct: int) -> dict[str, float]:
    """One run of every benchmark with the knob at ``pct``: {name: ns/iter}."""
    env = {**os.environ, "DEMO_SLOWDOWN_PCT": str(pct)}
    out = subprocess.run([str(binary)], env=env, check=True, capture_output=True, text=True).stdout
    return {name: float(value.replace(",", "")) for name, value in LINE.findall(out)}


def main() -> None:
    """Parses arguments, collects blocks until the time is up, writes the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/data/demo-runs.json")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--note", default="", help="what else ran on the machine meanwhile")
    args = parser.parse_args()
    binary = build()
    rng = random.Random(args.seed)  # noqa: S311 - shuffles run order, not a secret
    blocks: list[dict[str, dict[str, float]]] = []
    loads: list[float] = []  # 1-minute load average after each block: how busy the machine was
    start = time.monotonic()
    while time.monotonic() - start < args.minutes * 60:
        order = list(LEVELS)
        rng.shuffle(order)
        blocks.append({label: run_once(binary, LEVELS[label]) for label in order})
        loads.append(os.getloadavg()[0])
        if len(blocks) % 25 == 0:
            print(f"{len(blocks)} blocks, {time.monotonic() - start:.0f} s", flush=True)
    data = {
        "description": "interleaved runs of examples/demo's checksum bench; ns/iter per run",
        "levels": LEVELS,
        "machine": {
            "system": f"{platform.system()} {platform.release()}",
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "note": args.note,
            "load_average_1min": {
                "median": round(statistics.median(loads), 2),
                "max": round(max(loads), 2),
            },
        },
        "collected": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.monotonic() - start, 1),
        "blocks": blocks,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {len(blocks)} blocks to {args.out}")


if __name__ == "__main__":
    main()
