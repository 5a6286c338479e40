"""``docker``: the release's images, built and gated by the docker step, pushed to a registry.

At the tag (the release commit), ``ferrox run docker --release`` builds each configured variant
with the build step's static binary, gates its size and smoke runs and tags it
``<image>-<variant>:{version}``, ``:{sha}`` and ``:latest`` (not ``latest`` for a pre-release).
Each tag is pushed to ``[docker] registry``; then the first one is pulled back (the digest must be
the pushed one) and run with the step's ``smoke_args``. Idempotent: ``--resume`` rebuilds from
docker's cache and pushing the same image again changes nothing. With ``[docker] token_env`` the
publisher logs in itself (``ferrox.docker.login``: the token on docker's stdin, in a docker config
of its own removed afterwards), which is how the release workflow pushes with its GITHUB_TOKEN;
without it, logging in is ``docker login``'s business before the release.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from ferrox.docker import login
from ferrox.docker import publish as registry_push
from ferrox.engine import RunOptions, load_project, run_step
from ferrox.errors import FerroxError, UsageError
from ferrox.release.publishers.interface import Publisher, PublishJob
from ferrox.steps.docker import DockerSettings

QUICK_S = 300.0


class ImagesFailed(FerroxError):
    """The docker step did not pass at the tag: nothing was pushed."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _settings(root: Path) -> DockerSettings:
    return load_project(root).for_step("docker", DockerSettings)


def preflight(job: PublishJob) -> None:
    """A registry must be configured and docker installed before anything changes."""
    settings = _settings(job.root)
    if not settings.registry:
        raise UsageError(
            'the docker publisher needs [docker] registry = "host[:port][/namespace]" '
            "(or drop 'docker' from [release] publishers)"
        )
    if job.runner.which("docker") is None:
        raise UsageError("the docker publisher needs docker (not found on PATH)")
    _credentials(job, settings)


def _credentials(job: PublishJob, settings: DockerSettings) -> tuple[str, str] | None:
    """(user name, token) from the variables [docker] names; None without token_env."""
    if not settings.token_env:
        return None
    missing = [n for n in (settings.token_env, settings.username_env) if not job.env.get(n)]
    if missing:
        raise UsageError(
            f"[docker] token_env/username_env name {', '.join(missing)}, which is not set "
            "(the publisher logs in with them)"
        )
    return job.env[settings.username_env], job.env[settings.token_env]


@contextmanager
def _session(job: PublishJob, settings: DockerSettings) -> Iterator[PublishJob]:
    """The job, its runner logged in to the registry when [docker] token_env says so."""
    credentials = _credentials(job, settings)
    if credentials is None:
        yield job
        return
    username, token = credentials
    with login.logged_in(
        job.runner,
        job.root,
        settings.registry,
        username=username,
        token=token,
        timeout=QUICK_S,
    ) as runner:
        job.say(f"logged in to {login.registry_host(settings.registry)} as {username}")
        yield replace(job, runner=runner)


def describe(job: PublishJob) -> list[str]:
    """The step run, the pushes and the pull-back checks."""
    settings = _settings(job.root)
    tags = "{version}, {sha}" + ("" if job.prerelease else ", latest")
    lines = ["ferrox run docker --release"]
    if settings.token_env:
        lines.append(
            f"docker login {login.registry_host(settings.registry)} --password-stdin "
            f"(${settings.username_env}, ${settings.token_env}; a docker config of its own)"
        )
    for variant in settings.variants:
        lines.append(f"docker push {settings.registry}/<image>-{variant}:<tag> for {tags}")
        lines.append(
            f"docker pull {settings.registry}/<image>-{variant}:<version> && docker run --rm "
            f"... {' '.join(settings.smoke_args)}"
        )
    return lines


def publish(job: PublishJob) -> None:
    """Builds and gates the images at the tag, pushes every tag, pulls one back and runs it."""
    settings = _settings(job.root)
    outcome = run_step(
        "docker",
        job.root,
        RunOptions(extra_args=("--release",)),
        env=job.env,
        console=Console(stderr=True, highlight=False),  # stdout stays the release's (--json)
    )
    if outcome.exit_code != 0:
        raise ImagesFailed(
            f"the docker step did not pass at {job.tag} ({outcome.result.summary}); "
            "nothing was pushed",
            outcome.exit_code,
        )
    with _session(job, settings) as pushing:
        for row in outcome.result.extra.get("images", []):
            _push(pushing, settings, row)


def _push(job: PublishJob, settings: DockerSettings, row: dict[str, Any]) -> None:
    references = [str(reference) for reference in row["tags"]]
    repository = references[0].rsplit(":", 1)[0]
    tags = [reference.rsplit(":", 1)[1] for reference in references]
    if job.prerelease:
        tags = [name for name in tags if name != "latest"]
    pushed = registry_push.publish(
        job.runner,
        job.root,
        image_id=str(row["image_id"]),
        registry=settings.registry,
        repository=repository,
        tags=tags,
        timeout=settings.timeout,
    )
    for item in pushed:
        job.say(f"pushed {item.reference} ({item.digest or 'no digest'})")
    job.checkpoint(f"docker-push:{row['variant']}")
    registry_push.pull_and_run(job.runner, job.root, pushed[0], settings.smoke_args, QUICK_S)
    job.say(f"pulled {pushed[0].reference} back and ran it: {' '.join(settings.smoke_args)} ok")


PUBLISHER = Publisher("docker", describe, publish, preflight)
