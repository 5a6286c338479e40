"""Paired mode's history context: the wall time of fetching the ref and building the context.

    python benchmarks/history_context.py        # prints the Markdown for docs/benchmarks.md

What a PR job adds to the paired gate when ``history_remote`` is set: a fetch of the history ref
(read-only) into a fresh clone and each benchmark's last runs on main. A bare repository on disk
is the remote (ferrox's and git's time, not a network's); histories of 10, 100 and 1000 runs of
the demo's shape (3 benchmarks, 5 samples), each measured in RUNS fresh clones.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from history_ref import bench_run, forge, git
from timing import machine_line

from ferrox.bench import history, history_sync
from ferrox.bench.history_ref import RefStore
from ferrox.bench.modes.history_context import gather
from ferrox.context import Context
from ferrox.steps.bench import BenchSettings
from ferrox.tools import ToolRunner

SIZES = (10, 100, 1000)
RUNS = 5
SETTINGS = BenchSettings(history_remote="origin")
HEAD = {f"checksum/{name}": [1000.0, 1001.0] for name in ("a", "b", "c")}


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in SIZES:
            tmp = Path(scratch) / f"size-{size}"
            tmp.mkdir()
            bare = forge(tmp)
            git(tmp, "clone", "-q", str(bare), "writer")
            path = tmp / "writer" / ".ferrox" / "bench-history.jsonl"
            for n in range(size):
                history.append(path, bench_run(n))
            store = RefStore(ToolRunner(), tmp / "writer")
            history_sync.record(store, history_sync.lines_of_file(path), "seed")
            history_sync.push(store, history_sync.Remote("origin"))
            seconds = []
            for attempt in range(RUNS):
                reader = tmp / f"reader-{attempt}"
                git(tmp, "clone", "-q", str(bare), reader.name)
                ctx = Context(reader, SETTINGS, ToolRunner(), reader)
                start = time.perf_counter()
                found, _ = gather(ctx, SETTINGS, bench_run(0).environment.fingerprint, HEAD)
                seconds.append(time.perf_counter() - start)
                if found.status != "ok" or len(found.rows) != 3:
                    sys.exit(found.message)
            rows.append((size, statistics.median(seconds)))
    print("| runs on the ref | fetch + context in a fresh clone (median) |")
    print("| ---: | ---: |")
    for size, median in rows:
        print(f"| {size} | {median:.2f} s |")
    print()
    print(machine_line(RUNS))


if __name__ == "__main__":
    main()
