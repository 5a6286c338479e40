"""The workflows ferrox can generate, keyed by the name a step's ``CiJob.workflow`` uses.

Workflow-level facts live here (file, purpose, triggers); which jobs run in one is the steps'
data. ``ci`` is always written; the others only when ``[ci] workflows`` lists them and some
step runs in them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ferrox.ci.model import Triggers
from ferrox.ci.settings import CiSettings


@dataclass(frozen=True)
class WorkflowKind:
    """One generated workflow file: its name, purpose, triggers, and whether it is optional."""

    name: str
    purpose: str
    triggers: Callable[[CiSettings], Triggers]
    optional: bool = True
    # Runs `[ci] extra_sessions` (the project's own nox sessions), one job each, after the steps.
    extra_sessions: bool = False
    # Ends with the one job branch protection requires (``ferrox.ci.required``).
    required_check: bool = False
    # Release runs must finish; everything else cancels a superseded run of the same PR or ref.
    cancel_superseded: bool = True
    # The purpose when one of its jobs fans out over a matrix (else ``purpose``).
    matrix_purpose: str = ""
    # Whether its jobs may restore the tools home from the Actions cache; release artifacts are
    # never built with what a restorable cache holds (cache poisoning).
    tools_cache: bool = True

    @property
    def file(self) -> str:
        """Its file name under ``.github/workflows/``."""
        return f"{self.name}.yml"


WORKFLOWS: dict[str, WorkflowKind] = {
    kind.name: kind
    for kind in (
        WorkflowKind(
            "ci",
            "every CI step on pushes and pull requests",
            lambda ci: Triggers(push_branches=ci.branches, pull_request=True),
            optional=False,
            extra_sessions=True,
            required_check=True,
        ),
        WorkflowKind(
            "python",
            "the Python steps (pytest, quality, package) on pushes and pull requests",
            lambda ci: Triggers(push_branches=ci.branches, pull_request=True),
        ),
        WorkflowKind(
            "security",
            "security scanners on pull requests and daily, SARIF uploaded to code scanning",
            lambda ci: Triggers(pull_request=True, schedules=(ci.security_cron,)),
        ),
        WorkflowKind(
            "release",
            "on v* tags, cross-build every target on one Linux runner and publish the release",
            lambda _ci: Triggers(push_tags=("v*",), workflow_dispatch=False),
            cancel_superseded=False,
            matrix_purpose=(
                "on v* tags, cross-build every target on one Linux runner and publish the "
                "release; each native runner of [ci] targets adds its own"
            ),
            tools_cache=False,
        ),
        WorkflowKind(
            "monitoring",
            "the repository health report, daily and weekly",
            lambda ci: Triggers(schedules=(ci.daily_cron, ci.weekly_cron)),
        ),
        WorkflowKind(
            "bench-baseline",
            "after each merge, append the benchmarks to the history ref; weekly and on demand, "
            "re-record the stored baseline",
            lambda ci: Triggers(push_branches=ci.branches, schedules=(ci.bench_baseline_cron,)),
            cancel_superseded=False,  # a measurement half done is worth nothing
        ),
    )
}
