"""The executor: a step that builds in cargo's target directory holds the project's lock."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import fake_step
from ferrox.config import load_config
from ferrox.context import Context
from ferrox.executor import execute
from ferrox.model import Status, StepResult
from ferrox.tools import ToolRunner


def _lock_state(seen: list[bool], lock: threading.Lock) -> StepResult:
    seen.append(lock.locked())
    return StepResult(step=fake_step.NAME, tool="fake", status=Status.PASS, summary="ok")


def test_only_a_step_using_the_target_directory_holds_the_lock(tmp_path: Path) -> None:
    lock = threading.Lock()
    ctx = Context(
        root=tmp_path,
        settings=fake_step.FakeSettings(),
        runner=ToolRunner(),
        report_dir=tmp_path,
        target_dir_lock=lock,
    )
    seen: list[bool] = []
    for builds in (True, False):
        step = dataclasses.replace(
            fake_step.STEP, uses_target_dir=builds, run=lambda _ctx: _lock_state(seen, lock)
        )
        assert execute(step, ctx).status is Status.PASS
    assert seen == [True, False]
    assert not lock.locked()  # released after the run


def test_a_part_of_a_composite_inherits_the_lock(tmp_path: Path) -> None:
    lock = threading.Lock()
    config = load_config(tmp_path, {fake_step.NAME: fake_step.FakeSettings})
    ctx = Context(
        root=tmp_path,
        settings=None,
        runner=ToolRunner(),
        report_dir=tmp_path,
        config=config,
        target_dir_lock=lock,
    )
    assert ctx.for_part(fake_step.NAME, fake_step.FakeSettings).target_dir_lock is lock
