"""A real local release of the demo with the build step's cross-built archives: wall time.

    python benchmarks/release_archives.py [--before /path/to/older/ferrox/src]

Per configuration, a git copy of examples/demo with a bare remote (``[release] publishers =
["git"]``, no gates, so the figure is the release itself: plan, bump, changelog, commit, tag,
archives, SHA256SUMS, push), released twice: v0.2.0 into a fresh CARGO_TARGET_DIR (cold), then
v0.3.0 in the same repository and target directory (warm: only the bumped workspace crates
rebuild). Configurations: the host's musl target alone, and the build step's five targets.
``--before`` also times the same two releases with another ferrox source tree (the host-only
``cargo build`` release of earlier versions) for comparison. zig's own caches are warm (see
build_targets.py for the first-ever zigbuild's cost). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ENV

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo"
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}
CONFIGS = {
    "host musl (1 target)": 'targets = ["x86_64-unknown-linux-musl"]\n',
    "five targets ([build] default)": "",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env={**ENV, **IDENTITY}
    )


def _repo(base: Path, release_table: str) -> Path:
    """A committed copy of the demo pushed to a bare remote, released through git only."""
    remote = base / "remote.git"
    _git(base, "init", "-q", "--bare", str(remote))
    repo = base / "demo"
    shutil.copytree(DEMO, repo, ignore=shutil.ignore_patterns("target"))
    (repo / ".gitignore").write_text("target/\n")
    (repo / "README.md").write_text("# demo\n")
    (repo / "LICENSE").write_text("MIT License\n")
    config = repo / "ferrox.toml"
    config.write_text(
        config.read_text() + '\n[release]\ngates = []\npublishers = ["git"]\n' + release_table
    )
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "feat: the demo")
    _git(repo, "remote", "add", "origin", str(remote))
    _git(repo, "push", "-q", "origin", "main")
    return repo


def _release(repo: Path, version: str, src: Path, target_dir: Path) -> tuple[float, list[str]]:
    env = {**ENV, **IDENTITY, "PYTHONPATH": str(src), "CARGO_TARGET_DIR": str(target_dir)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ferrox", "release", version, "-C", str(repo)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"release {version} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    assets = sorted(p.name for p in (repo / "target" / "ferrox" / "release" / version).iterdir())
    return elapsed, assets


def main() -> None:
    """Times the releases and prints the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an older ferrox src/ to compare with")
    args = parser.parse_args()
    sources = {"now": ROOT / "src"}
    if args.before:
        sources["before"] = args.before.resolve()
    results = []
    for label, src in sources.items():
        configs = CONFIGS if label == "now" else {"host (plain cargo build)": ""}
        for name, table in configs.items():
            with tempfile.TemporaryDirectory(prefix="ferrox-release-bench-") as scratch:
                base = Path(scratch)
                repo = _repo(base, table)
                cold, assets = _release(repo, "v0.2.0", src, base / "target")
                warm, _ = _release(repo, "v0.3.0", src, base / "target")
            results.append(
                {"ferrox": label, "config": name, "cold_s": round(cold, 1),
                 "warm_s": round(warm, 1), "assets": assets}
            )  # fmt: skip
            print(json.dumps(results[-1]), flush=True)


if __name__ == "__main__":
    main()
