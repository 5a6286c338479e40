"""Repositories for the history-ref tests: a bare "forge" on disk, clones, benchmark runs."""

from __future__ import annotations

from pathlib import Path

from ferrox.bench.schema import BenchRun, Environment, Measurement
from gitrepo import git

LAPTOP = Environment(cpu_model="laptop", cores=8)
RUNNER = Environment(cpu_model="ci-runner", cores=2)


def bench_run(n: int, env: Environment = RUNNER, commit: str = "") -> BenchRun:
    """A run of one benchmark taking ``n`` ns, recorded at minute ``n``."""
    return BenchRun(
        Environment(env.cpu_model, env.cores, env.kernel, env.rustc, commit or f"c{n}"),
        (Measurement("suite", "parse", "ns", (float(n), float(n) + 1)),),
        timestamp=f"2026-11-29T10:{n:02d}:00+00:00",
    )


def make_remote(tmp_path: Path) -> Path:
    """A bare repository with one commit on main, standing in for the forge."""
    bare = tmp_path / "forge.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "README").write_text("project\n", encoding="utf-8")
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "base")
    git(seed, "push", "-q", str(bare), "main")
    return bare


def clone(tmp_path: Path, bare: Path, name: str) -> Path:
    git(tmp_path, "clone", "-q", str(bare), name)
    return tmp_path / name
