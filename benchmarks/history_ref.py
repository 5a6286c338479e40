"""The history ref: wall time of `ferrox bench history push` / `pull`, and writers racing.

    python benchmarks/history_ref.py            # prints the Markdown for docs/benchmarks.md

A bare repository on disk is the remote (the cost measured is ferrox's and git's, not a
network's). Histories of 10, 100 and 1000 runs of the demo's shape (3 benchmarks, 5 samples,
about 800 bytes a line); then WRITERS clones push one run each at the same moment, and every
run must be on the ref afterwards.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from timing import ENV, machine_line, measure

from ferrox.bench import history
from ferrox.bench.history_ref import REF
from ferrox.bench.schema import BenchRun, Environment, Measurement

SIZES = (10, 100, 1000)
RUNS = 5
WRITERS = 4
FERROX = [sys.executable, "-m", "ferrox"]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


def bench_run(n: int, writer: int = 0) -> BenchRun:
    samples = tuple(1000.0 + n + i for i in range(5))
    return BenchRun(
        Environment(cpu_model="bench", cores=2, commit=f"{n:040x}"),
        tuple(Measurement("checksum", name, "ns", samples) for name in ("a", "b", "c")),
        timestamp=f"2026-11-29T10:00:{n % 60:02d}.{n:06d}+00:00",
        metadata={"writer": str(writer)},
    )


def forge(tmp: Path) -> Path:
    bare = tmp / "forge.git"
    seed = tmp / "seed"
    seed.mkdir()
    (seed / "README").write_text("x\n")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "seed")
    git(tmp, "clone", "-q", "--bare", str(seed), str(bare))
    return bare


def one_writer(args: tuple[str, str, int]) -> int:
    bare, where, writer = args
    clone = Path(where)
    git(clone.parent, "clone", "-q", bare, clone.name)
    history.append(clone / ".ferrox" / "bench-history.jsonl", bench_run(100_000 + writer, writer))
    done = subprocess.run(
        [*FERROX, "bench", "history", "push", "-C", str(clone)],
        capture_output=True, text=True, env=ENV, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        sys.exit(done.stderr)
    return int(done.stdout.rsplit("attempt ", 1)[1].split(")")[0])


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in SIZES:
            tmp = Path(scratch) / f"size-{size}"
            tmp.mkdir()
            bare = forge(tmp)
            writer = tmp / "writer"
            git(tmp, "clone", "-q", str(bare), "writer")
            path = writer / ".ferrox" / "bench-history.jsonl"
            for n in range(size):
                history.append(path, bench_run(n))
            pushes, pulls = [], []
            for attempt in range(RUNS):
                history.append(path, bench_run(size + attempt))
                pushes.append(measure(writer, [*FERROX, "bench", "history", "push"]))
                reader = tmp / f"reader-{attempt}"
                git(tmp, "clone", "-q", str(bare), reader.name)
                pulls.append(measure(reader, [*FERROX, "bench", "history", "pull"]))
            blob = git(
                bare, "cat-file", "-s", f"{REF}:{bench_run(0).environment.fingerprint}.jsonl"
            )
            rows.append((size, int(blob), statistics.median(pushes), statistics.median(pulls)))
        tmp = Path(scratch) / "race"
        tmp.mkdir()
        bare = forge(tmp)
        jobs = [(str(bare), str(tmp / f"w{i}"), i) for i in range(WRITERS)]
        with ProcessPoolExecutor(WRITERS) as pool:
            attempts = list(pool.map(one_writer, jobs))
        lines = git(bare, "show", f"{REF}:{bench_run(0).environment.fingerprint}.jsonl")
        writers = sorted(json.loads(line)["metadata"]["writer"] for line in lines.splitlines())
    print("| runs on the ref | file size | push (median) | pull into a fresh clone (median) |")
    print("| ---: | ---: | ---: | ---: |")
    for size, blob, push, pull in rows:
        print(f"| {size} | {blob / 1024:.0f} KiB | {push:.2f} s | {pull:.2f} s |")
    print()
    print(
        f"{WRITERS} clones pushing one run each at once: attempts {sorted(attempts)}, "
        f"runs on the ref afterwards: {len(writers)} (writers {', '.join(writers)})."
    )
    print()
    print(machine_line(RUNS))


if __name__ == "__main__":
    main()
