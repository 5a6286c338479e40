"""Time `ferrox tools install` on a fresh tools home: what a new CI machine pays for the tools.

    python benchmarks/tools_install.py [--write docs/benchmarks.md] [TOOL ...]

Installs the wheel/pip-installed tools the test suite needs into an empty temporary
FERROX_TOOLS_HOME with pip's cache disabled (so every wheel is downloaded, as on a fresh
machine), then runs the same command again to time the reuse path. cargo-geiger, built from
source, is left out: its build is measured once by hand (about 10 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import publish

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("cargo-nextest", "cargo-audit", "bandit", "pip-audit", "safety", "detect-secrets")
MARKER = "<!-- tools-install:start -->"
END_MARKER = "<!-- tools-install:end -->"


def timed(command: list[str], env: dict[str, str]) -> float:
    """Wall time of one successful command."""
    start = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def main() -> int:
    """Measures, prints, and optionally writes the result into a Markdown file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tools", nargs="*", default=list(TOOLS))
    parser.add_argument("--write", type=Path, help="replace the marked section of this file")
    args = parser.parse_args()
    ferrox = shutil.which("ferrox") or sys.exit("ferrox is not on PATH")
    with tempfile.TemporaryDirectory(prefix="ferrox-tools-home-") as home:
        env = {**os.environ, "FERROX_TOOLS_HOME": home, "PIP_NO_CACHE_DIR": "1"}
        # Tools already on PATH at their pin would be reused: hide cargo-nextest's usual place.
        env["PATH"] = os.pathsep.join(
            p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "cargo-nextest").exists()
        )
        command = [ferrox, "tools", "install", "-C", str(ROOT), *args.tools]
        fresh = timed(command, env)
        again = timed(command, env)
        size = sum(f.stat().st_size for f in Path(home).rglob("*") if f.is_file()) / 2**20
    publish(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}.",
            "",
            "| tools | fresh tools home, no pip cache (s) | all reused (s) | home size (MiB) |",
            "| --- | ---: | ---: | ---: |",
            f"| {', '.join(args.tools)} | {fresh:.1f} | {again:.1f} | {size:.0f} |",
        ],
        args.write,
        MARKER,
        END_MARKER,
        heading="## Tool installation",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
