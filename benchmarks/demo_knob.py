"""What the demo's slowdown knob really does to each benchmark's time: is 5% five percent?

    python benchmarks/demo_knob.py --minutes 4 [--demo DIR]

Builds examples/demo's `checksum` bench (or the copy in ``--demo DIR``, e.g. the knob before a
change) and collects interleaved blocks exactly as `collect_demo_runs.py` does (per block, one
run each at 0%, 0%, 5% and 10%, shuffled), then estimates each level's change per benchmark as
the paired gate would (Hodges-Lehmann of the log ratios to the block's first 0% run, 95%
interval), with the A/A change (the second 0% run) as the noise reference. Prints a Markdown
table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import collect_demo_runs
from bench_gate_proof import knob_changes
from collect_demo_runs import LEVELS, build, run_once


def main() -> None:
    """Collects blocks for ``--minutes`` and prints each knob level's measured change."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--demo", type=Path, help="another copy of examples/demo (e.g. an older knob) to measure"
    )
    args = parser.parse_args()
    if args.demo:
        collect_demo_runs.DEMO = args.demo
    binary = build()
    rng = random.Random(args.seed)  # noqa: S311 - shuffles run order, not a secret
    blocks = []
    loads = []
    start = time.monotonic()
    while time.monotonic() - start < args.minutes * 60:
        order = list(LEVELS)
        rng.shuffle(order)
        blocks.append({label: run_once(binary, LEVELS[label]) for label in order})
        loads.append(os.getloadavg()[0])
    changes = knob_changes(blocks)
    names = sorted(blocks[0]["A0"])
    print(f"{len(blocks)} blocks in {time.monotonic() - start:.0f} s; 1-minute load average "
          f"median {sorted(loads)[len(loads) // 2]:.1f}, max {max(loads):.1f}")  # fmt: skip
    print("\n| knob | " + " | ".join(f"`{n}`" for n in names) + " |")
    print("| --- |" + " --- |" * len(names))
    rows = [(level, changes[level]) for level in ("A/A", "5%", "10%")]
    for label, row in rows:
        cells = [f"{row[n].estimate:+.1%} ({row[n].low:+.1%} to {row[n].high:+.1%})" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
