"""``ferrox matrix``: the test and build matrices from ``[ci]``, shaped for ``strategy.matrix``."""

from __future__ import annotations

from typing import Any

from ferrox.build.targets import plan_targets, with_libc
from ferrox.ci.plan import os_matrix, target_matrix
from ferrox.ci.settings import CiSettings
from ferrox.steps.build import BuildSettings

# The one Linux runner the release workflow's build job cross-builds every target on.
CROSS_BUILD_HOST = "x86_64-unknown-linux-gnu"


def matrices(
    ci: CiSettings, build: BuildSettings | None = None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The test, native-build and cross-build matrices as the workflows embed them.

    ``cross-build`` is ``[build]``'s model: every target the build step makes on one Linux box,
    with the tool that builds it there.
    """
    build = build or BuildSettings()
    cross = with_libc(build.cross, build.libc)
    targets = plan_targets(with_libc(build.targets, build.libc), CROSS_BUILD_HOST, cross)
    return {
        "test": {"include": [dict(row) for row in os_matrix(ci.test_os).include]},
        "build": {"include": [dict(row) for row in target_matrix(ci.targets).include]},
        "cross-build": {"include": [{"target": t.triple, "strategy": t.strategy} for t in targets]},
    }
