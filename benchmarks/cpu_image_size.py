"""The cpu image on a real Debian bookworm base (not the busybox stand-in): is ~50 MB reachable?

    python benchmarks/cpu_image_size.py ROOTFS    # ROOTFS from: debootstrap --variant=minbase
                                                  #   bookworm ROOTFS http://deb.debian.org/debian

This machine cannot pull debian:bookworm-slim, so the base is rebuilt from Debian's own packages:
a minbase debootstrap (as root, Debian's debootstrap package), slimmed the way the official
-slim images are (debuerreotype's slimify: documentation except copyright files, man and info
pages, locales, apt's lists and caches removed), ``docker import``ed. The demo's cpu image is then
built on it by ``ferrox run docker`` (every gate), and both are measured: uncompressed
(``docker image inspect`` .Size, what the step's budget gates) and gzip-compressed (``docker
save | gzip``, about what a registry stores and a pull downloads). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

BASE = "ferrox-test/bookworm-minbase-slim:bench"
IMAGE = "ferrox-test/bench-real"
# debuerreotype-slimify's excludes (copyright files are kept).
SLIMMED = ("usr/share/info", "usr/share/man", "usr/share/locale", "usr/share/lintian/overrides")


def _slim(rootfs: Path) -> None:
    for relative in SLIMMED:
        for child in (rootfs / relative).glob("*"):
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for path in sorted((rootfs / "usr/share/doc").rglob("*"), reverse=True):
        if path.is_file() or path.is_symlink():
            if path.name != "copyright":
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    for cache in ("var/lib/apt/lists", "var/cache/apt", "var/log"):
        for child in (rootfs / cache).glob("*"):
            if child.is_file():
                child.unlink()


def _docker(*args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(["docker", *args], input=stdin, capture_output=True, check=True)
    return done.stdout.decode().strip()


def _sizes(reference: str) -> tuple[float, float]:
    uncompressed = int(_docker("image", "inspect", "--format", "{{.Size}}", reference))
    saved = subprocess.run(["docker", "save", reference], capture_output=True, check=True).stdout
    return round(uncompressed / 1e6, 1), round(len(gzip.compress(saved, 6)) / 1e6, 1)


def main() -> None:
    """Slims and imports the root filesystem, builds the cpu image on it, measures both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rootfs", type=Path, help="a debootstrap --variant=minbase bookworm tree")
    args = parser.parse_args()
    _slim(args.rootfs)
    tar = subprocess.run(
        ["tar", "-C", str(args.rootfs), "-c", "."], capture_output=True, check=True
    )
    _docker("import", "-", BASE, stdin=tar.stdout)
    from docker_support import demo_project, docker_config  # noqa: PLC0415 - tests/ helpers

    with tempfile.TemporaryDirectory(prefix="ferrox-cpu-size-") as scratch:
        config = docker_config(IMAGE, 'variants = ["cpu"]\n', cpu=f'base = "{BASE}"\n')
        root = demo_project(Path(scratch) / "demo", config)
        done = subprocess.run(
            [sys.executable, "-m", "ferrox", "run", "docker", "-C", str(root)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            sys.exit(f"ferrox run docker failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        table = json.loads((root / "target" / "ferrox" / "docker-images.json").read_text())
    (row,) = table["images"]
    base_mb, base_gz = _sizes(BASE)
    image_mb, image_gz = _sizes(row["tags"][0])
    print(json.dumps({
        "base": {"uncompressed_mb": base_mb, "gzip_mb": base_gz},
        "cpu_image": {"uncompressed_mb": image_mb, "gzip_mb": image_gz,
                      "budget_mb": row["budget_mb"], "smoke": row["smoke"]},
    }))  # fmt: skip
    _docker("image", "rm", "--force", *row["tags"], BASE)


if __name__ == "__main__":
    main()
