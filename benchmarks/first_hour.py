"""A new user's first run, measured: `nox -s demo` on a fresh machine, and CI's tools cache.

    python benchmarks/first_hour.py [--home DIR]

1. Fresh demo: a scratch copy of the repository's noxfile and examples/demo, an empty tools home,
   an empty cargo target directory, pip's cache off, and a PATH on which only rustup's own
   binaries (cargo, rustc, rustfmt, clippy) are found, so every pinned tool is installed as on a
   fresh machine (cargo-geiger built from source). Prints when the first verdict and the test
   verdict appeared, and the total.
2. The tools cache, replayed: the tools home the demo filled is archived (tar + gzip, as
   actions/cache does with its own compressor) and deleted, restored at the same path (a runner's
   temporary directory has the same path on every run) and `ferrox tools install` runs again:
   what a warm CI job's tools step costs against the cold install.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUSTUP_BINARIES = (
    "cargo", "rustc", "rustup", "rustfmt", "cargo-fmt", "cargo-clippy", "clippy-driver",
)  # fmt: skip
DEMO_TOOLS = ("cargo-nextest", "cargo-audit", "cargo-geiger", "detect-secrets")


def rustup_only_path(directory: Path) -> str:
    """A PATH of Python's and rustup's binaries only: no third-party cargo tool is found."""
    directory.mkdir()
    for name in RUSTUP_BINARIES:
        found = shutil.which(name)
        if found:
            (directory / name).symlink_to(found)
    python_bin = Path(sys.executable).parent
    return os.pathsep.join([str(directory), str(python_bin), "/usr/bin", "/bin"])


def scratch_repository(base: Path) -> Path:
    """The noxfile, its pin file and examples/demo, without build output."""
    repo = base / "repo"
    for name in ("noxfile.py", "pyproject.toml", "README.md", "ci/tools.toml"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(
        ROOT / "examples" / "demo", repo / "examples" / "demo",
        ignore=shutil.ignore_patterns("target"),
    )  # fmt: skip
    (repo / ".git").mkdir()
    return repo


def fresh_demo(base: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds to the first verdict, to the test verdict, and in total."""
    repo = scratch_repository(base)
    start = time.monotonic()
    marks: dict[str, float] = {}
    with subprocess.Popen(
        ["nox", "-f", "noxfile.py", "-s", "demo"], cwd=repo, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    ) as process:  # fmt: skip
        for line in process.stdout or ():
            now = time.monotonic() - start
            print(f"{now:7.1f} {line}", end="", flush=True)
            if line.startswith(("PASS ", "FAIL ", "ERROR ")):
                marks.setdefault("first verdict", now)
                if line.split()[1] == "test":
                    marks["test verdict"] = now
    if process.returncode != 0:
        sys.exit(f"nox -s demo failed ({process.returncode})")
    marks["total"] = time.monotonic() - start
    return marks


def replay_cache(home: Path, env: dict[str, str]) -> dict[str, float]:
    """Archive, delete, restore the tools home; then the warm tools step."""
    archive = home.parent / "tools.tgz"
    start = time.monotonic()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(home, arcname=home.name)
    saved = time.monotonic() - start
    shutil.rmtree(home)
    start = time.monotonic()
    with tarfile.open(archive) as tar:
        tar.extractall(home.parent, filter="tar")
    restored = time.monotonic() - start
    ferrox = shutil.which("ferrox") or sys.exit("ferrox is not on PATH")
    start = time.monotonic()
    subprocess.run(
        [ferrox, "tools", "install", "-C", str(ROOT), *DEMO_TOOLS], env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    warm = time.monotonic() - start
    return {
        "archive (MiB)": archive.stat().st_size / 2**20,
        "save (s)": saved,
        "restore (s)": restored,
        "warm tools step (s)": warm,
    }


def main() -> int:
    """Runs both measurements and prints them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--home", type=Path, help="replay a copy of this tools home only (no demo run)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ferrox-first-hour-") as tmp:
        base = Path(tmp)
        home = base / "tools"
        if args.home:
            shutil.copytree(args.home, home, symlinks=True)
        env = {
            # No CARGO_TARGET_DIR: the scratch copy builds into its own (empty) target/.
            **{k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"},
            "FERROX_TOOLS_HOME": str(home),
            "PIP_NO_CACHE_DIR": "1",
            "NO_COLOR": "1",
        }
        nox_bin = Path(shutil.which("nox") or sys.exit("nox is not on PATH")).parent
        env["PATH"] = rustup_only_path(base / "path") + os.pathsep + str(nox_bin)
        if args.home is None:
            print("fresh demo:", fresh_demo(base, env))
        print("tools cache replay:", replay_cache(home, env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
