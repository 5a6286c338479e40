"""Sessions that ``ferrox.nox.register()`` defines beside the steps, described like steps.

``publish`` is not a step (it has no verdict to report: it builds and uploads a release), but
the workflow generator places jobs by step facts (their ``ci`` jobs, required tools), so it is
described here once for both the nox adapter and ``ferrox init``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ferrox.context import Context
from ferrox.errors import UsageError
from ferrox.model import StepResult
from ferrox.release.settings import ReleaseSettings
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step

# What both release jobs share: Rust without a cache (release artifacts are never built from
# one), the whole history (the changelog, the tag's notes), the right to write the release.
_RELEASE_JOB = CiJob(
    workflow="release",
    rust=True,
    cargo_cache=False,
    full_history=True,
    permissions=(("contents", "write"),),
    environment="release",
    env=(("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),),
)


def _publishes_images(settings: ReleaseSettings) -> bool:
    return "docker" in settings.publishers


def _tools(settings: ReleaseSettings) -> tuple[str, ...]:
    """cargo; with the docker publisher, the docker step's tools too (it runs at the tag)."""
    if not _publishes_images(settings):
        return ("cargo",)
    from ferrox.steps.docker import STEP as DOCKER  # noqa: PLC0415 - the registry imports this

    return tuple(dict.fromkeys(("cargo", *DOCKER.tools())))


def _with_images(job: CiJob, settings: Any) -> CiJob:
    """With the docker publisher the job builds the images (the minimal one from the static musl
    binary) and pushes them: `packages: write` for GitHub's registry, and only then."""
    if not isinstance(settings, ReleaseSettings) or not _publishes_images(settings):
        return job
    from ferrox.steps.docker import STEP as DOCKER  # noqa: PLC0415 - the registry imports this

    targets = tuple(t for d in DOCKER.ci for t in d.rust_targets)
    return replace(
        job,
        permissions=(*job.permissions, ("packages", "write")),
        rust_targets=tuple(dict.fromkeys((*job.rust_targets, *targets))),
    )


def _not_a_step(ctx: Context) -> StepResult:
    raise UsageError("publish is a nox session: run `nox -s publish` or `ferrox release --publish`")


PUBLISH = Step(
    name="publish",
    description="Publish the build step's archives for the tag at HEAD to the release (tag CI).",
    report_tool="ferrox",
    settings=ReleaseSettings,
    run=_not_a_step,
    tags=("release",),
    parallel=False,
    required_tools=("cargo",),
    tools_for=_tools,
    ci=(
        # After the build job cross-built every target on one Linux runner: its archives
        # (downloaded into the report directory, checked against SHA256SUMS) go to the release.
        replace(_RELEASE_JOB, job="publish", downloads=("build-archives",), adapt=_with_images),
        # Then each native runner of [ci] targets (none by default) builds its own target and
        # adds its archive, one runner at a time.
        replace(
            _RELEASE_JOB,
            job="publish-native",
            needs=("publish",),
            matrix="native-target",
            matrix_run_args='-- --target "$FERROX_TARGET"',
            one_row_at_a_time=True,
        ),
    ),
)


def session_steps() -> dict[str, Step]:
    """The non-step sessions the workflow generator may place (name -> description)."""
    return {PUBLISH.name: PUBLISH}
