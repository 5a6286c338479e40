"""The environment fingerprint: CPU model, core count, kernel, rustc, commit and dirty flag."""

from __future__ import annotations

import os
import platform
from pathlib import Path

from ferrox.bench.schema import Environment
from ferrox.tools import ToolRunner

_TIMEOUT = 60.0


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux, the platform module elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def collect(runner: ToolRunner, root: Path) -> Environment:
    """The fingerprint of this machine and of the checkout at ``root``."""
    rustc = "unknown"
    if runner.which("rustc") is not None:
        done = runner.run("rustc", ["--version"], cwd=root, timeout=_TIMEOUT)
        if done.returncode == 0:
            rustc = done.stdout.strip()
    commit, dirty = "unknown", False
    if runner.which("git") is not None:
        head = runner.run("git", ["rev-parse", "HEAD"], cwd=root, timeout=_TIMEOUT)
        if head.returncode == 0:
            commit = head.stdout.strip()
            status = runner.run(
                "git", ["status", "--porcelain", "--untracked-files=no", "--", "."],
                cwd=root, timeout=_TIMEOUT,
            )  # fmt: skip
            dirty = bool(status.stdout.strip())
    return Environment(
        cpu_model=cpu_model(),
        cores=os.cpu_count() or 0,
        kernel=f"{platform.system()} {platform.release()}",
        rustc=rustc,
        commit=commit,
        dirty=dirty,
    )
