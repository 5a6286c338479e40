"""Which builder runs (``docker buildx build`` or the classic ``docker build``) and the build.

An image is built by ID (``--iidfile``) and never tagged here: a build that fails or is
interrupted leaves no tag behind, and the step tags only an image that passed its gates.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ferrox.errors import ToolError
from ferrox.tools import Completed, ToolRunner

BuilderKind = Literal["buildx", "classic"]
DOCKER_HINT = "is the Docker daemon running, and may this user reach it (`docker version`)?"
# Lines of the builder's output kept in a failed build's finding.
FAILED_BUILD_LINES = 15
_DEPRECATION_NOTICE = (
    "DEPRECATED: The legacy builder",
    "BuildKit is currently disabled",
    "environment-variable.",
    "Install the buildx component",
    "docs.docker.com/go/buildx",
)


@dataclass(frozen=True)
class Builder:
    """The builder that runs, and why it was chosen."""

    kind: BuilderKind
    reason: str
    server_version: str


@dataclass(frozen=True)
class BuildOutcome:
    """A finished build: the image ID on success, else the builder's last lines."""

    image_id: str | None
    seconds: float
    output_tail: str
    argv: tuple[str, ...]


def check_daemon(runner: ToolRunner, root: Path, timeout: float) -> str:
    """The daemon's version; a ToolError (exit 3) with docker's own words when none answers."""
    done = runner.run(
        "docker",
        ["version", "--format", "{{.Server.Version}}"],
        cwd=root,
        timeout=timeout,
        hint="install Docker (the docker step builds images with it)",
    )
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        raise ToolError(
            f"no Docker daemon answered (docker version exit {done.returncode})",
            tool="docker",
            argv=done.argv,
            returncode=done.returncode,
            output_tail=done.tail(),
            hint=DOCKER_HINT,
        )
    return version


def detect_builder(
    runner: ToolRunner, root: Path, timeout: float, prefer: Literal["auto", "buildx", "classic"]
) -> Builder:
    """buildx when its plugin answers (unless ``prefer`` says classic), else the classic builder."""
    server = check_daemon(runner, root, timeout)
    if prefer == "classic":
        return Builder("classic", "the classic builder was asked for ([docker] builder)", server)
    done = runner.run("docker", ["buildx", "version"], cwd=root, timeout=timeout)
    if done.returncode == 0:
        plugin = done.stdout.strip().splitlines()[0] if done.stdout.strip() else "buildx"
        return Builder("buildx", f"the buildx plugin answered ({plugin})", server)
    if prefer == "buildx":
        raise ToolError(
            "[docker] builder = 'buildx' but the buildx plugin is not installed",
            tool="docker",
            argv=done.argv,
            returncode=done.returncode,
            output_tail=done.tail(),
            hint="install docker-buildx, or set builder = 'auto' to fall back to docker build",
        )
    return Builder(
        "classic",
        "no buildx plugin (`docker buildx version` exit "
        f"{done.returncode}): the classic builder, host platform only",
        server,
    )


def build_args(
    builder: Builder,
    *,
    dockerfile: Path,
    context: Path,
    iidfile: Path,
    build_arguments: Mapping[str, str],
    platform: str | None,
) -> list[str]:
    """The docker arguments of one build (no tag: the image is known by its ID)."""
    if builder.kind == "buildx":
        # --load puts the (single-platform) result into the engine, where it is gated.
        args = ["buildx", "build", "--load", "--progress", "plain"]
        if platform:
            args += ["--platform", platform]
    else:
        # --force-rm: a failed step's intermediate container is removed as well.
        args = ["build", "--force-rm"]
    for name, value in build_arguments.items():
        args += ["--build-arg", f"{name}={value}"]
    # Every path is absolute: nothing from the repository can read as an option.
    return [*args, "--iidfile", str(iidfile), "--file", str(dockerfile), str(context)]


def build(
    runner: ToolRunner,
    builder: Builder,
    *,
    root: Path,
    dockerfile: Path,
    context: Path,
    build_arguments: Mapping[str, str],
    platform: str | None,
    timeout: float,
) -> BuildOutcome:
    """Builds one image; a failed build is an outcome (its last lines), not an exception."""
    with tempfile.TemporaryDirectory(prefix="ferrox-docker-") as scratch:
        iidfile = Path(scratch) / "image-id"
        args = build_args(
            builder,
            dockerfile=dockerfile,
            context=context,
            iidfile=iidfile,
            build_arguments=build_arguments,
            platform=platform,
        )
        env = {"DOCKER_BUILDKIT": "1" if builder.kind == "buildx" else "0"}
        done = runner.run("docker", args, cwd=root, timeout=timeout, env=env)
        image_id = iidfile.read_text(encoding="utf-8").strip() if iidfile.is_file() else ""
    if done.returncode == 0 and not image_id.startswith("sha256:"):
        raise ToolError(
            "docker build succeeded but wrote no image ID",
            tool="docker",
            argv=done.argv,
            output_tail=done.tail(),
        )
    return BuildOutcome(
        image_id=image_id if done.returncode == 0 else None,
        seconds=done.duration_s,
        output_tail=_builder_tail(done),
        argv=done.argv,
    )


def _builder_tail(done: Completed) -> str:
    """The builder's last lines: stderr and stdout together (the classic builder splits them)."""
    lines = [*done.stdout.strip().splitlines(), *done.stderr.strip().splitlines()]
    # The legacy builder's deprecation notice says nothing about this build.
    kept = [
        line
        for line in lines
        if line.strip() and not any(mark in line for mark in _DEPRECATION_NOTICE)
    ]
    return "\n".join(kept[-FAILED_BUILD_LINES:])
