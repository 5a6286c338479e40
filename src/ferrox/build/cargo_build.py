"""One target's build: its standard library, its build tool, reproducible flags, the command."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ferrox.build.targets import BuildTarget, parse_host
from ferrox.errors import ToolError, ToolMissing, ToolOutputError
from ferrox.rust.workspace import CARGO_HINT
from ferrox.tools import ToolRunner

RUSTUP_TIMEOUT_S = 900.0
# Zip's (and so the archives') earliest date; used when there is no git history to date them.
FALLBACK_EPOCH = 315532800
_TOOL_HINTS = {
    "zigbuild": ("cargo-zigbuild", "ferrox tools install cargo-zigbuild (its wheel brings zig)"),
    "cross": ("cross", "cargo install cross --locked (and a running Docker or Podman)"),
}


@dataclass(frozen=True)
class BuildOutcome:
    """What cargo said: whether the build succeeded, how long it took, its last lines."""

    ok: bool
    seconds: float
    tail: str


@dataclass(frozen=True)
class TargetBuild:
    """One target's build: its outcome, the command and environment, where the binaries are."""

    outcome: BuildOutcome
    command: tuple[str, list[str]]
    env: dict[str, str]
    out_dir: Path


def host_triple(runner: ToolRunner, cwd: Path) -> str:
    """The Rust host triple (``rustc -vV``)."""
    done = runner.run("rustc", ["-vV"], cwd=cwd, timeout=60.0, hint=CARGO_HINT)
    host = parse_host(done.stdout) if done.returncode == 0 else None
    if host is None:
        raise ToolOutputError.of(done, "rustc -vV printed no host triple", "rustc")
    return host


def source_date_epoch(runner: ToolRunner, root: Path) -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the last commit's time, else 1980-01-01."""
    configured = runner.env.get("SOURCE_DATE_EPOCH", "").strip()
    if configured.isdigit():
        return int(configured)
    if runner.which("git") is not None:
        done = runner.run("git", ["log", "-1", "--format=%ct"], cwd=root, timeout=30.0)
        if done.returncode == 0 and done.stdout.strip().isdigit():
            return int(done.stdout.strip())
    return FALLBACK_EPOCH


def build_target(
    runner: ToolRunner,
    root: Path,
    target: BuildTarget,
    *,
    target_dir: Path,
    profile: str,
    bins: tuple[str, ...],
    features: tuple[str, ...] = (),
    extra_args: tuple[str, ...] = (),
    epoch: int,
    timeout: float,
) -> TargetBuild:
    """Builds ``bins`` for one target the way the build step does (its std added, its tool
    checked, reproducible flags); a failed build is an outcome, not an error."""
    ensure_std(runner, target, root)
    env = {**ensure_tool(runner, target), **reproducible_env(runner.env, root, target_dir, epoch)}
    command = build_command(target, profile, bins, features)
    command[1].extend(extra_args)
    outcome = run_build(runner, command, cwd=root, env=env, timeout=timeout)
    return TargetBuild(outcome, command, env, target_dir / target.triple / profile_dir(profile))


def profile_dir(profile: str) -> str:
    """The directory under ``target/<triple>/`` cargo writes a profile's output to."""
    return "debug" if profile == "dev" else profile


def ensure_std(runner: ToolRunner, target: BuildTarget, cwd: Path) -> bool:
    """Adds the target's standard library with rustup when missing; True when it was added."""
    if target.strategy == "cross":
        return False  # cross brings its own toolchain image
    done = runner.run("rustup", ["target", "list", "--installed"], cwd=cwd, timeout=60.0)
    if done.returncode == 0 and target.triple in done.stdout.split():
        return False
    added = runner.run(
        "rustup", ["target", "add", target.triple], cwd=cwd, timeout=RUSTUP_TIMEOUT_S
    )
    if added.returncode != 0:
        raise ToolError(
            f"cannot build {target.triple}: `rustup target add {target.triple}` failed",
            tool="rustup",
            argv=added.argv,
            returncode=added.returncode,
            output_tail=added.tail(5),
            hint="check the network and the toolchain (rustup show)",
        )
    return True


def ensure_tool(runner: ToolRunner, target: BuildTarget) -> dict[str, str]:
    """Checks the target's build tool is installed; the environment it needs (zig's Python)."""
    if target.strategy == "cargo":
        return {}
    binary, hint = _TOOL_HINTS[target.strategy]
    found = runner.which(binary)
    if found is None:
        raise ToolMissing(
            f"cannot build {target.triple}: {binary} is not installed", tool=binary, hint=hint
        )
    if target.strategy == "zigbuild":
        # The wheel's venv holds ziglang beside cargo-zigbuild; point it at that venv's Python
        # (it would otherwise look for `python3 -m ziglang` or `zig` on PATH).
        python = found.resolve().parent / ("python.exe" if os.name == "nt" else "python")
        if python.exists():
            return {"CARGO_ZIGBUILD_PYTHON_PATH": str(python)}
    return {}


def reproducible_env(
    env: Mapping[str, str], root: Path, target_dir: Path, epoch: int
) -> dict[str, str]:
    """``SOURCE_DATE_EPOCH`` and path remapping (checkout, target dir, cargo home) for rustc.

    CARGO_ENCODED_RUSTFLAGS (0x1f-separated) rather than RUSTFLAGS: a path with a space stays one
    argument. A RUSTFLAGS the user set is kept in front.
    """
    cargo_home = Path(env.get("CARGO_HOME") or Path.home() / ".cargo")
    flags = [flag for flag in env.get("RUSTFLAGS", "").split() if flag]
    for source, mapped in ((target_dir, "/target"), (root, "."), (cargo_home, "/cargo")):
        flags.append(f"--remap-path-prefix={source.resolve()}={mapped}")
    return {"SOURCE_DATE_EPOCH": str(epoch), "CARGO_ENCODED_RUSTFLAGS": "\x1f".join(flags)}


def build_command(
    target: BuildTarget, profile: str, bins: tuple[str, ...], features: tuple[str, ...]
) -> tuple[str, list[str]]:
    """The program and arguments that build ``bins`` for the target."""
    subcommand = {"cargo": "build", "zigbuild": "zigbuild"}.get(target.strategy)
    selection = [arg for name in bins for arg in ("--bin", name)] or ["--bins"]
    args = ["--profile", profile, "--target", target.triple, *selection]
    if features:
        args += ["--features", ",".join(features)]
    if subcommand is None:
        return "cross", ["build", *args]
    return "cargo", [subcommand, *args]


def run_build(
    runner: ToolRunner,
    command: tuple[str, list[str]],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
) -> BuildOutcome:
    """Runs the build; a non-zero exit is a failed build (its last lines kept), not an error."""
    program, args = command
    done = runner.run(program, args, cwd=cwd, timeout=timeout, env=env)
    return BuildOutcome(done.returncode == 0, done.duration_s, done.tail(12))
