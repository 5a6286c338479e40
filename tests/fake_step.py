"""A step ferrox's source does not know, registered by a test to prove the adapters follow the
registry: its ``mode`` setting picks the verdict, and it records the tool arguments it was given."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

import ferrox.steps
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ToolError
from ferrox.model import Status, StepResult
from ferrox.steps.interface import Step

NAME = "fake-coverage"


@dataclass(frozen=True)
class FakeSettings:
    """``[fake-coverage]``: what the fake tool answers."""

    mode: Literal["pass", "fail", "crash"] = setting("pass", "the verdict the fake tool gives")


def run(ctx: Context) -> StepResult:
    """Passes, fails its gate or crashes as ``mode`` says; the summary names the tool arguments."""
    settings: FakeSettings = ctx.settings
    if settings.mode == "crash":
        raise ToolError("the fake tool crashed", tool="fake")
    status = Status.PASS if settings.mode == "pass" else Status.FAIL
    return StepResult(
        step=NAME,
        tool="fake",
        status=status,
        summary=f"{settings.mode} with {list(ctx.extra_args)!r}",
        extra={"extra_args": list(ctx.extra_args), "fix": ctx.fix},
    )


STEP = Step(
    name=NAME,
    description="Measure test coverage (a step registered by the tests).",
    report_tool="fake",
    settings=FakeSettings,
    run=run,
    tags=("rust", "test", "ci"),
    needs_cargo=False,
    required_tools=(),
)


def register() -> None:
    """Adds the step to ferrox's registry, as naming a new module in ``_MODULES`` would."""
    sys.modules[f"ferrox.steps.{NAME}"] = sys.modules[__name__]
    if NAME not in ferrox.steps._MODULES:
        ferrox.steps._MODULES = (*ferrox.steps._MODULES, NAME)
