"""Sessions that ``ferrox.nox.register()`` defines beside the steps, described like steps.

``publish`` is not a step (it has no verdict to report: it builds and uploads a release), but
the workflow generator places jobs by step facts (their ``ci`` jobs, required tools), so it is
described here once for both the nox adapter and ``ferrox init``.
"""

from __future__ import annotations

from dataclasses import replace

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
    ci=(
        # After the build job cross-built every target on one Linux runner: its archives
        # (downloaded into the report directory, checked against SHA256SUMS) go to the release.
        replace(_RELEASE_JOB, job="publish", downloads=("build-archives",)),
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
