"""Snapshot tests: the rendered workflows, byte for byte (FERROX_UPDATE_SNAPSHOTS=1 rewrites them)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ci_helpers import SNAPSHOTS, UPDATE, default_inputs, full_inputs

from ferrox.ci.plan import Inputs, plan
from ferrox.ci.render import render_workflow

SCENARIOS: dict[str, Callable[[], Inputs]] = {"default": default_inputs, "full": full_inputs}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_rendered_workflows_match_their_snapshots(scenario: str) -> None:
    rendered = {wf.file: render_workflow(wf) for wf in plan(SCENARIOS[scenario]()).workflows}
    directory = SNAPSHOTS / scenario
    if UPDATE:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.yml"):
            stale.unlink()
        for name, text in rendered.items():
            (directory / name).write_text(text, encoding="utf-8")
    stored = {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.glob("*.yml"))}
    assert sorted(stored) == sorted(rendered), "run with FERROX_UPDATE_SNAPSHOTS=1 to update"
    for name, text in rendered.items():
        assert text == stored[name], f"{scenario}/{name} changed: FERROX_UPDATE_SNAPSHOTS=1 updates"


def test_default_scenario_has_only_ci_yml_and_full_has_all_five() -> None:
    assert [wf.file for wf in plan(default_inputs()).workflows] == ["ci.yml"]
    assert [wf.file for wf in plan(full_inputs()).workflows] == [
        "ci.yml",
        "security.yml",
        "release.yml",
        "monitoring.yml",
        "bench-baseline.yml",
    ]
