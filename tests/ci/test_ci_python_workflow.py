"""The optional python workflow: the Python steps' jobs, lint-clean, only when asked for."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ci_helpers import PINNED, actionlint, findings, zizmor

from ferrox.ci.plan import Inputs, plan
from ferrox.ci.render import render_workflow
from ferrox.ci.settings import CiSettings
from ferrox.steps import all_steps


def test_python_workflow_runs_the_python_steps_and_lints_clean(tmp_path: Path) -> None:
    inputs = Inputs(all_steps(), CiSettings(), pinned_tools=PINNED)
    assert "python.yml" not in {wf.file for wf in plan(inputs).workflows}  # opt-in
    ci = dataclasses.replace(inputs.ci, workflows=(*inputs.ci.workflows, "python"))
    (workflow,) = [
        wf for wf in plan(dataclasses.replace(inputs, ci=ci)).workflows if wf.file == "python.yml"
    ]
    text = render_workflow(workflow)
    for session in ("pytest", "quality", "package"):
        assert f"nox -s {session}" in text
    assert "Set up Rust" not in text
    path = tmp_path / ".github" / "workflows" / "python.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    assert findings(actionlint([path])) == []
    assert findings(zizmor([path])) == []
