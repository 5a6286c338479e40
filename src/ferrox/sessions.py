"""Sessions that ``ferrox.nox.register()`` defines beside the steps, described like steps.

``publish`` is not a step (it has no verdict to report: it builds and uploads a release), but
the workflow generator places jobs by step facts (their ``ci`` jobs, required tools), so it is
described here once for both the nox adapter and ``ferrox init``.
"""

from __future__ import annotations

from ferrox.context import Context
from ferrox.errors import UsageError
from ferrox.model import StepResult
from ferrox.release.settings import ReleaseSettings
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step


def _not_a_step(ctx: Context) -> StepResult:
    raise UsageError("publish is a nox session: run `nox -s publish` or `ferrox release --publish`")


PUBLISH = Step(
    name="publish",
    description="Build this runner's release assets for the tag at HEAD and publish them (tag CI).",
    report_tool="ferrox",
    settings=ReleaseSettings,
    run=_not_a_step,
    tags=("release",),
    parallel=False,
    required_tools=("cargo",),
    ci=(
        # Each native runner builds its own target and adds its assets to the one release; one
        # runner at a time, so the release is created exactly once.
        CiJob(
            workflow="release",
            rust=True,
            cargo_cache=False,
            full_history=True,  # the changelog and the tag's history
            matrix="native-target",
            matrix_run_args='-- --target "$FERROX_TARGET"',
            one_row_at_a_time=True,
            permissions=(("contents", "write"),),
            environment="release",
            env=(("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),),
        ),
    ),
)


def session_steps() -> dict[str, Step]:
    """The non-step sessions the workflow generator may place (name -> description)."""
    return {PUBLISH.name: PUBLISH}
