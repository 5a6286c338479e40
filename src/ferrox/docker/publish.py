"""Pushing tagged images to a registry (the release flow's docker publisher)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ferrox.docker import images
from ferrox.docker.images import tag
from ferrox.errors import ConfigError, ToolError
from ferrox.tools import Completed, ToolRunner

# host[:port][/namespace...]: what may prefix an image name (no scheme, no credentials).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REGISTRY = re.compile(rf"^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[0-9]{{1,5}})?(?:/{_COMPONENT})*$")
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")


@dataclass(frozen=True)
class Pushed:
    """One reference pushed, with the digest the registry answered."""

    reference: str
    digest: str


def check_registry(registry: str) -> None:
    """A ConfigError unless ``registry`` is ``host[:port][/namespace]``."""
    if not REGISTRY.match(registry):
        raise ConfigError(
            f"{registry!r} is not a registry such as ghcr.io/owner or 127.0.0.1:5000",
            key="docker.registry",
        )


def publish(
    runner: ToolRunner,
    root: Path,
    *,
    image_id: str,
    registry: str,
    repository: str,
    tags: list[str],
    timeout: float,
) -> list[Pushed]:
    """Tags ``image_id`` as ``registry/repository:tag`` for each tag and pushes each one.

    Logging in is the caller's business (``docker login`` before the release, its password on
    stdin): no credential passes through here.
    """
    check_registry(registry)
    if not _REPOSITORY.match(repository):
        raise ConfigError(f"{repository!r} is not an image name", key="docker.image")
    pushed = []
    for name in tags:
        reference = f"{registry}/{repository}:{name}"
        tag(runner, root, image_id, reference, timeout)
        done = runner.run("docker", ["push", reference], cwd=root, timeout=timeout)
        if done.returncode != 0:
            raise _failed(
                done,
                f"docker push {reference} failed",
                hint="is the registry reachable, and is this machine logged in to it?",
            )
        digest = re.search(r"digest: (sha256:[0-9a-f]{64})", done.stdout)
        pushed.append(Pushed(reference, digest.group(1) if digest else ""))
    return pushed


def pull_and_run(
    runner: ToolRunner, root: Path, pushed: Pushed, smoke_args: tuple[str, ...], timeout: float
) -> None:
    """Drops the local tag, pulls ``pushed`` back from the registry and runs it with
    ``smoke_args``: the registry serves the image the release pushed, and it starts."""
    images.remove(runner, root, [pushed.reference], timeout)
    done = runner.run("docker", ["pull", pushed.reference], cwd=root, timeout=timeout)
    if done.returncode != 0:
        raise _failed(done, f"docker pull {pushed.reference} failed after the push")
    if pushed.digest and pushed.digest not in done.stdout:
        raise ToolError(
            f"{pushed.reference} pulled back with another digest than the pushed {pushed.digest}",
            tool="docker",
            output_tail=done.tail(),
        )
    ran = runner.run(
        "docker",
        ["run", "--rm", "--network", "none", pushed.reference, *smoke_args],
        cwd=root,
        timeout=timeout,
    )
    if ran.returncode != 0:
        message = f"the pulled {pushed.reference} exited {ran.returncode} on {' '.join(smoke_args)}"
        raise _failed(ran, message)


def _failed(done: Completed, message: str, hint: str | None = None) -> ToolError:
    """The error for a docker command that did not do its job, with its last lines."""
    return ToolError(
        message,
        tool="docker",
        argv=done.argv,
        returncode=done.returncode,
        output_tail=done.tail(),
        hint=hint,
    )
