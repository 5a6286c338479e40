"""The static binary the images carry.

For now the docker step builds it itself: ``cargo build --release --target
x86_64-unknown-linux-musl`` (a static-pie executable). The build step (cross-built static
binaries in its own output directory) replaces :func:`static_binary` once it lands; the step
calls nothing else to get its binary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import ConfigError, ToolOutputError
from ferrox.rust.workspace import CARGO_HINT, Workspace
from ferrox.tools import ToolRunner

MUSL_TARGET = "x86_64-unknown-linux-musl"
# Cargo's own rule for target names; checked again because the name reaches the Dockerfile.
_BINARY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class StaticBinary:
    """A built binary: its name, package, version and path."""

    name: str
    package: str
    version: str
    path: Path


def pick_binary(workspace: Workspace, wanted: str, source: str) -> tuple[str, str, str]:
    """(binary, package, version): the named bin target, or the workspace's first one."""
    found = [
        (target.name, package.name, package.version)
        for package in workspace.members
        for target in package.targets
        if "bin" in target.kinds
    ]
    if not found:
        raise ConfigError("the workspace has no binary target to put in an image", file=source)
    if not wanted:
        choice = found[0]
    else:
        matches = [item for item in found if item[0] == wanted]
        if not matches:
            raise ConfigError(
                f"no binary target named {wanted!r}",
                file=source,
                key="docker.binary",
                choices=[item[0] for item in found],
            )
        choice = matches[0]
    if not _BINARY_NAME.match(choice[0]):
        raise ConfigError(f"binary name {choice[0]!r} cannot be used in a Dockerfile", file=source)
    return choice


def static_binary(
    runner: ToolRunner,
    root: Path,
    workspace: Workspace,
    *,
    wanted: str,
    source: str,
    timeout: float,
) -> StaticBinary:
    """Builds the static musl binary of ``wanted`` (or the first bin target) and locates it."""
    name, package, version = pick_binary(workspace, wanted, source)
    args = ["build", "--release", "--target", MUSL_TARGET, "--package", package, "--bin", name]
    done = runner.run("cargo", args, cwd=root, timeout=timeout, hint=CARGO_HINT)
    if done.returncode != 0:
        text = done.stderr
        hint = (
            f"rustup target add {MUSL_TARGET}"
            if "target may not be installed" in text or "can't find crate for `std`" in text
            else None
        )
        error = ToolOutputError.of(done, f"cargo could not build the static {name}", "cargo")
        error.hint = hint
        raise error
    path = workspace.target_dir / MUSL_TARGET / "release" / name
    if not path.is_file():
        raise ToolOutputError.of(done, f"cargo built {name} but {path} is missing", "cargo")
    return StaticBinary(name, package, version, path)
