"""Inside GitHub Actions a step groups its log, masks secrets and writes its outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ferrox.engine import run_step
from ferrox.model import Status, StepResult
from ferrox.report import github


def test_step_groups_masks_and_writes_outputs(
    fresh_crate: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = fresh_crate("demo")
    outputs = tmp_path / "output.txt"
    summary = tmp_path / "summary.md"
    env = {
        "PATH": __import__("os").environ["PATH"],
        "HOME": str(Path.home()),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(demo),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "DEPLOY_TOKEN": "s3cr3t-value-123",
    }
    outcome = run_step("fmt", demo, env=env)
    assert outcome.exit_code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "::add-mask::s3cr3t-value-123" in lines
    start, end = lines.index("::group::ferrox fmt"), lines.index("::endgroup::")
    assert lines.index("::add-mask::s3cr3t-value-123") < start < end
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written["fmt-status"] == "pass"
    assert written["fmt-exit-code"] == "0"
    assert written["fmt-json"] == str(demo / "target" / "ferrox" / "fmt.json")
    assert written["fmt-step-summary"] == str(summary)
    assert "fmt" in summary.read_text()


def test_outputs_need_github_output_and_escape_commands(tmp_path: Path) -> None:
    result = StepResult(step="x", tool="t", status=Status.FAIL, summary="")
    outputs = github.step_outputs(result, {"json": tmp_path / "x.json"})
    assert outputs == {"x-status": "fail", "x-exit-code": "1", "x-json": str(tmp_path / "x.json")}
    assert github.write_outputs(outputs, {}) is None
    target = tmp_path / "out"
    assert github.write_outputs({"a": "one\ntwo"}, {"GITHUB_OUTPUT": str(target)}) == target
    assert target.read_text() == "a=one two\n"
    # The log is masked line by line: a multi-line value is registered through its lines,
    # which the masker holds as secrets of their own (issue 15).
    assert github.add_mask_lines(["50%\nx", "50%y"]) == ["::add-mask::50%25y"]
    assert github.group_start("a\nb") == "::group::a%0Ab"
