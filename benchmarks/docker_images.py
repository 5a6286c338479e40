"""The docker step on the demo: image sizes against budgets, build time cold and cached, ferrox
against the raw `docker build` command.

    python benchmarks/docker_images.py --runs 3              # prints the Markdown tables

On a machine that cannot pull (ferrox's own), cpu and gpu are built on busybox stand-in bases
(ferrox.docker.standin); the sizes are then the stand-in's, not Debian's or CUDA's.

Cold: every image (and so every cached layer) of the previous run removed first; the raw command
gets `--no-cache` as well. Cached: the same build again. The static binary is built once before
(cargo is not what is measured here). Images are named under ferrox-test/ and removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from ferrox.docker.standin import import_standin  # noqa: E402
from ferrox.tools import ToolRunner  # noqa: E402

PREFIX = "ferrox-test/bench"
BASES = {"cpu": "ferrox-test/bookworm-slim-standin:bench", "gpu": "ferrox-test/cuda-standin:bench"}
VARIANTS = ("cpu", "gpu", "minimal")


def docker(*args: str) -> subprocess.CompletedProcess[str]:
    """A docker command that must succeed."""
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True)


def project(directory: Path) -> Path:
    """A copy of the demo with the repository's Dockerfiles, configured for the stand-ins."""
    root = directory / "demo"
    shutil.copytree(REPO / "examples" / "demo", root, ignore=shutil.ignore_patterns("target"))
    shutil.copytree(REPO / "scripts" / "docker", root / "scripts" / "docker")
    config = f'\n[docker]\nimage = "{PREFIX}"\n'
    config += "".join(f'[docker.{v}]\nbase = "{b}"\n' for v, b in BASES.items())
    # The demo's own [docker] table points at ../../scripts/docker: the copy has its own.
    text = (root / "ferrox.toml").read_text()
    text = text.replace('[docker]\ndockerfile_dir = "../../scripts/docker"\n', "")
    (root / "ferrox.toml").write_text(text + config)
    return root


def ferrox_run(root: Path, reports: Path) -> tuple[float, dict[str, object]]:
    """One `ferrox run docker`: wall seconds and the image table."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "ferrox", "run", "docker", "-C", str(root)]
    env = {**_env(), "PYTHONPATH": str(REPO / "src")}
    subprocess.run(
        [*command, "--report-dir", str(reports)], check=True, capture_output=True, env=env
    )
    wall = time.perf_counter() - start
    return wall, json.loads((reports / "docker-images.json").read_text())


def raw_build(root: Path, variant: str, binary: Path, *, cold: bool) -> float:
    """The raw `docker build` a user would type, same Dockerfile, context and arguments."""
    context = root / "raw-context"
    context.mkdir(exist_ok=True)
    shutil.copy2(binary, context / binary.name)
    args = [
        "build",
        "-t",
        f"{PREFIX}-raw-{variant}:x",
        "-f",
        str(root / "scripts/docker" / f"Dockerfile.{variant}"),
    ]
    args += [
        "--build-arg",
        f"BASE_IMAGE={BASES.get(variant, 'scratch')}",
        "--build-arg",
        "VERSION=0.1.0",
    ]
    if cold:
        args.append("--no-cache")
    start = time.perf_counter()
    subprocess.run(["docker", *args, str(context)], check=True, capture_output=True, env=_env())
    return time.perf_counter() - start


def clean() -> None:
    """Removes every ferrox-test/bench image (their untagged layers, the cache, go with them)."""
    listed = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    ours = [ref for ref in listed if ref.startswith(PREFIX)]
    if ours:
        subprocess.run(
            ["docker", "image", "rm", "--force", *ours], capture_output=True, check=False
        )


def _env() -> dict[str, str]:
    return {**os.environ, "DOCKER_BUILDKIT": "0"}


def main() -> int:
    """Runs the measurement and prints the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runner = ToolRunner()
    for reference in BASES.values():
        import_standin(runner, REPO, reference)
    with tempfile.TemporaryDirectory(prefix="ferrox-docker-bench-") as scratch:
        root = project(Path(scratch))
        timings: dict[str, list[float]] = {}
        table: dict[str, object] = {}
        for index in range(args.runs):
            clean()
            for kind in ("cold", "cached"):
                wall, table = ferrox_run(root, Path(scratch) / f"reports-{index}-{kind}")
                timings.setdefault(f"ferrox step {kind}", []).append(wall)
                for row in table["images"]:  # type: ignore[union-attr]
                    timings.setdefault(f"ferrox {row['variant']} build {kind}", []).append(
                        row["build_s"]
                    )
        musl = root / "target" / "x86_64-unknown-linux-musl" / "release" / "demo-cli"
        for _ in range(args.runs):
            clean()
            for variant in VARIANTS:
                timings.setdefault(f"raw {variant} build cold", []).append(
                    raw_build(root, variant, musl, cold=True)
                )
                timings.setdefault(f"raw {variant} build cached", []).append(
                    raw_build(root, variant, musl, cold=False)
                )
        clean()
    for reference in BASES.values():
        subprocess.run(["docker", "image", "rm", reference], capture_output=True, check=False)
    print(f"builder: {table['builder']} ({table['builder_reason']})\n")
    print("| variant | base | size (MB) | budget (MB) | smoke (--version, health) |")
    print("| --- | --- | --- | --- | --- |")
    for row in table["images"]:  # type: ignore[union-attr]
        smoke = ", ".join(f"{code}" for code in row["smoke"].values())
        base = BASES.get(row["variant"], "scratch")
        size, budget = f"{row['size_mb']:.2f}", f"{row['budget_mb']:g}"
        print(f"| {row['variant']} | `{base}` | {size} | {budget} | exit {smoke} |")
    print(f"\n| measurement (median of {args.runs}) | seconds |\n| --- | --- |")
    for name, values in timings.items():
        spread = f"min {min(values):.2f}, max {max(values):.2f}"
        print(f"| {name} | {statistics.median(values):.2f} ({spread}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
