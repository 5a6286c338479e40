"""Smoke runs: who runs which target's binaries on a Linux host, and a real run."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from ferrox.build.smoke import Launcher, launcher_for, smoke_run
from ferrox.build.targets import BuildTarget
from ferrox.tools import ToolRunner

HOST = "x86_64-unknown-linux-gnu"


def _runner(tmp_path: Path, *programs: str) -> ToolRunner:
    """A runner whose PATH holds only empty executables named ``programs``."""
    directory = tmp_path / "bin"
    directory.mkdir(parents=True, exist_ok=True)
    for program in programs:
        path = directory / program
        path.write_text("#!/bin/sh\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return ToolRunner(env={**os.environ, "PATH": str(directory)})


def test_host_and_musl_twin_run_natively(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    for triple in (HOST, "x86_64-unknown-linux-musl"):
        assert launcher_for(BuildTarget(triple, "cargo"), HOST, runner) == Launcher(None)


def test_aarch64_musl_runs_under_qemu_when_installed(tmp_path: Path) -> None:
    target = BuildTarget("aarch64-unknown-linux-musl", "zigbuild")
    assert launcher_for(target, HOST, _runner(tmp_path, "qemu-aarch64")).program == "qemu-aarch64"
    missing = launcher_for(target, HOST, _runner(tmp_path / "none"))
    assert "qemu-user" in missing.unavailable


def test_foreign_glibc_and_macos_are_not_run_with_a_reason(tmp_path: Path) -> None:
    runner = _runner(tmp_path, "qemu-aarch64", "wine64")
    gnu = launcher_for(BuildTarget("aarch64-unknown-linux-gnu", "zigbuild"), HOST, runner)
    assert "sysroot" in gnu.unavailable
    mac = launcher_for(BuildTarget("aarch64-apple-darwin", "zigbuild"), HOST, runner)
    assert "native runner" in mac.unavailable


def test_windows_runs_under_wine_when_present(tmp_path: Path) -> None:
    target = BuildTarget("x86_64-pc-windows-gnu", "zigbuild")
    assert launcher_for(target, HOST, _runner(tmp_path, "wine64")).program == "wine64"
    assert "wine64" in launcher_for(target, HOST, _runner(tmp_path / "none")).unavailable


def test_smoke_run_passes_on_exit_zero_and_fails_otherwise(tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nprint('tool 1.0')\nsys.exit(len(sys.argv) - 2)\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    runner = ToolRunner()
    passed = smoke_run(script, Launcher(None), ("--version",), runner, tmp_path)
    assert (passed.ran, passed.passed, passed.label) == (True, True, "passed")
    assert "tool 1.0" in passed.detail
    failed = smoke_run(script, Launcher(None), ("a", "b"), runner, tmp_path)
    assert failed.label == "failed" and "exit 1" in failed.detail
    skipped = smoke_run(script, Launcher(None, "no runner"), (), runner, tmp_path)
    assert (skipped.ran, skipped.label, skipped.detail) == (False, "not run", "no runner")
