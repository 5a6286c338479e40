"""Running a freshly built binary where this host can: natively, under qemu-user or wine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ferrox.build.targets import BuildTarget
from ferrox.errors import ToolError
from ferrox.tools import ToolRunner

SMOKE_TIMEOUT_S = 60.0
# qemu-user's binary per target architecture (Debian's qemu-user package).
_QEMU = {"aarch64": "qemu-aarch64", "x86_64": "qemu-x86_64", "riscv64": "qemu-riscv64"}


@dataclass(frozen=True)
class Launcher:
    """How this host runs a target's binaries: a program in front of it, or none (native)."""

    program: str | None
    # Set when the binary cannot be run here: why, and what would make it runnable.
    unavailable: str = ""


@dataclass(frozen=True)
class SmokeResult:
    """A smoke run: passed, failed (with output) or not run (and why)."""

    ran: bool
    passed: bool
    detail: str

    @property
    def label(self) -> str:
        """``passed``, ``failed`` or ``not run``."""
        if not self.ran:
            return "not run"
        return "passed" if self.passed else "failed"


def launcher_for(target: BuildTarget, host: str, runner: ToolRunner) -> Launcher:
    """How (and whether) binaries of ``target`` run on ``host``."""
    if target.triple == host:
        return Launcher(None)
    if "-linux-" in host and "-linux-" in target.triple:
        return _linux_launcher(target, host.split("-", 1)[0], runner)
    if "-linux-" in host and target.is_windows:
        return _wine_launcher(target, runner)
    return Launcher(None, f"{host} cannot run {target.triple} binaries (needs a native runner)")


def _linux_launcher(target: BuildTarget, host_arch: str, runner: ToolRunner) -> Launcher:
    if target.arch == host_arch:
        return Launcher(None)
    if target.triple.endswith("-gnu"):
        # A dynamically linked foreign glibc binary needs that architecture's sysroot (-L).
        return Launcher(None, "a foreign glibc binary needs a sysroot; smoke-test musl builds")
    qemu = _QEMU.get(target.arch)
    if qemu and runner.which(qemu):
        return Launcher(qemu)
    return Launcher(None, f"{qemu or 'qemu-user'} not found (install Debian's qemu-user)")


def _wine_launcher(target: BuildTarget, runner: ToolRunner) -> Launcher:
    if target.arch != "x86_64":
        return Launcher(None, "wine runs x86_64 Windows binaries only")
    for wine in ("wine64", "wine"):
        if runner.which(wine):
            return Launcher(wine)
    return Launcher(None, "wine not found (install Debian's wine64 to run Windows binaries)")


def smoke_run(
    binary: Path, launcher: Launcher, args: tuple[str, ...], runner: ToolRunner, cwd: Path
) -> SmokeResult:
    """Runs ``binary args`` (through the launcher); exit 0 passes."""
    if launcher.unavailable:
        return SmokeResult(ran=False, passed=False, detail=launcher.unavailable)
    program, arguments = (
        (launcher.program, [str(binary), *args]) if launcher.program else (str(binary), list(args))
    )
    try:
        done = runner.run(program, arguments, cwd=cwd, timeout=SMOKE_TIMEOUT_S)
    except ToolError as exc:
        return SmokeResult(ran=True, passed=False, detail=exc.message)
    # The binary by name: the report must not depend on where the target directory was.
    shown = " ".join(filter(None, (launcher.program, binary.name, *args)))
    if done.returncode != 0:
        return SmokeResult(
            ran=True, passed=False, detail=f"exit {done.returncode}: {done.tail(5).strip()}"
        )
    first = done.stdout.strip().splitlines()[:1]
    return SmokeResult(ran=True, passed=True, detail=f"{shown}: {first[0] if first else 'exit 0'}")
