"""The static binary the images carry: the build step's musl binary for the host's CPU.

It is built through the build module (``ferrox.build.cargo_build.build_target``: the same
command, profile, target directory and reproducible flags as ``nox -s build``), so the image holds
the very file the build step archives, and a fresh one costs cargo's up-to-date check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ferrox.build.targets import plan_targets
from ferrox.errors import ConfigError, ToolError
from ferrox.rust.workspace import Workspace
from ferrox.tools import ToolRunner

# The static target of GitHub's x86_64 Linux runners (the docker job's toolchain adds it).
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
    found = [(name, package.name, package.version) for name, package in workspace.binaries]
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


def musl_target(host: str) -> str:
    """The static Linux target of the host's CPU (the image's platform on the classic builder)."""
    return f"{host.split('-', 1)[0]}-unknown-linux-musl"


def static_binary(
    runner: ToolRunner,
    root: Path,
    workspace: Workspace,
    *,
    wanted: str,
    source: str,
    timeout: float,
    profile: str = "release",
    features: tuple[str, ...] = (),
) -> StaticBinary:
    """The build step's static musl binary of ``wanted`` (or the first bin target) for the
    host's CPU, built through the build module (cargo reuses it when it is up to date)."""
    # Imported here: the docker step's module is loaded with the registry at every start.
    from ferrox.build.cargo_build import build_target, host_triple, source_date_epoch  # noqa: PLC0415

    name, package, version = pick_binary(workspace, wanted, source)
    host = host_triple(runner, root)
    (target,) = plan_targets((musl_target(host),), host, ())
    built = build_target(
        runner, root, target, target_dir=workspace.target_dir, profile=profile, bins=(name,),
        features=features, epoch=source_date_epoch(runner, root), timeout=timeout,
    )  # fmt: skip
    if not built.outcome.ok:
        hint = (
            f"rustup target add {target.triple}"
            if "may not be installed" in built.outcome.tail
            or "can't find crate for `std`" in built.outcome.tail
            else None
        )
        raise ToolError(
            f"{built.command[0]} could not build the static {name} for {target.triple}",
            tool=built.command[0],
            argv=(built.command[0], *built.command[1]),
            output_tail=built.outcome.tail,
            hint=hint,
        )
    path = built.out_dir / target.binary_name(name)
    if not path.is_file():
        raise ToolError(f"the build of {name} reported success but {path} is missing", tool="cargo")
    return StaticBinary(name, package, version, path)
