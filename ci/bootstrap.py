"""Installs the system programs ferrox's own test suite needs beyond Python and Rust.

    python ci/bootstrap.py          # called by `nox -s tests` before pytest

valgrind (the bench step's instruction counts), chromium (the benchmark dashboard is checked in
a real headless browser), qemu-user (the build step runs aarch64 Linux binaries under it),
busybox-static and docker-registry (the docker step's tests) come from the OS's packages. On
Debian and Ubuntu they are installed with apt-get when missing (as root, or through sudo);
elsewhere a missing program is reported with what to install, and the script exits 1 rather than
letting tests fail later for a less clear reason. Idempotent: a second run finds every program
and installs nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# program -> the Debian package that provides it. busybox (a static shell and coreutils) is the
# root filesystem of the stand-in base images the docker tests `docker import` (no image can be
# pulled there); docker-registry (the distribution registry 2.8) receives the publisher's pushes;
# qemu-aarch64 (qemu-user) smoke-runs the build step's aarch64 Linux binaries on x86_64.
NEEDED = {
    "valgrind": "valgrind",
    "chromium": "chromium",
    "busybox": "busybox-static",
    "docker-registry": "docker-registry",
    "qemu-aarch64": "qemu-user",
}


def main() -> int:
    missing = [program for program in NEEDED if shutil.which(program) is None]
    if not missing:
        return 0
    packages = [NEEDED[program] for program in missing]
    apt = shutil.which("apt-get")
    if apt is None:
        print(f"ci/bootstrap.py: install {', '.join(packages)} with your OS's package manager")
        return 1
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"ci/bootstrap.py: apt-get install {' '.join(packages)}", flush=True)
    subprocess.run([*prefix, apt, "update", "-qq"], check=True, env=env)
    subprocess.run([*prefix, apt, "install", "-y", "-qq", *packages], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
