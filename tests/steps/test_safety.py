"""safety: the real safety 2.3.5 against the fixture database, its scores and ignores."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_projects import (
    PYTHON,
    cases,
    check_nothing_to_scan,
    check_readme_table,
    check_security_tags,
    run_with_config,
)

from ferrox.errors import ToolError
from ferrox.steps import safety


@pytest.mark.parametrize(("fixture", "exit_code"), cases("safety"))
def test_fixtures_produce_their_readme_table(
    ferrox: Callable[..., Any], projects: Path, fixture: str, exit_code: int
) -> None:
    check_readme_table(ferrox, projects / fixture, fixture, "safety", exit_code)


def test_a_rust_only_workspace_has_nothing_to_scan(ferrox: Callable[..., Any]) -> None:
    check_nothing_to_scan(ferrox, "safety")


def test_is_tagged_for_the_security_composite() -> None:
    check_security_tags("safety")


def test_a_missing_requirements_file_is_exit_2(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    result = run_with_config(
        ferrox, tmp_path, "safety", '[safety]\nrequirements = ["missing.txt"]\n'
    )
    assert result.code == 2, result.out + result.err
    assert "'missing.txt' is not a file" in result.err


def test_safety_scores_prefer_cvss3_and_tolerate_garbage() -> None:
    score = safety._score
    assert score({"cvssv2": {"base_score": 5.0}, "cvssv3": {"base_score": 9.1}}) == 9.1
    assert score({"cvssv2": {"base_score": 5.0}, "cvssv3": None}) == 5.0
    assert score({"cvssv3": {"base_score": "n/a"}}) is None
    assert score(None) is None


def test_a_safety_timestamp_that_is_not_a_number_is_a_tool_error(tmp_path: Path) -> None:
    shutil.copytree(PYTHON / "vulnerable" / "advisories" / "safety", tmp_path / "db")
    full = tmp_path / "db" / "insecure_full.json"
    data = json.loads(full.read_text())
    data["$meta"]["timestamp"] = "yesterday"
    full.write_text(json.dumps(data))
    with pytest.raises(ToolError, match="is not a number"):
        safety.check_database(tmp_path / "db")


def test_an_expired_ignore_fails_and_says_which(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    project = tmp_path / "vulnerable"
    shutil.copytree(PYTHON / "vulnerable", project)
    config = (project / "ferrox.toml").read_text()
    entry = '[[safety.ignore]]\nid = "PYUP-39611"\nreason = "not reachable"\nexpires = {date}\n'
    future = dt.date.today() + dt.timedelta(days=30)
    (project / "ferrox.toml").write_text(config + entry.format(date=future))
    result = ferrox("run", "safety", "-C", str(project))
    assert result.code == 0, result.out + result.err
    assert result.report["metrics"]["ignored"] == 1

    (project / "ferrox.toml").write_text(config + entry.format(date="2020-01-01"))
    result = ferrox("run", "safety", "-C", str(project))
    assert result.code == 1
    failed = {g["name"] for g in result.report["gates"] if not g["passed"]}
    assert failed == {"critical", "expired_ignores"}
    [stale] = [f for f in result.report["findings"] if f["rule"] == "safety/expired-ignore"]
    assert "PYUP-39611 expired on 2020-01-01 (not reachable)" in stale["message"]


def test_the_old_string_ignores_are_exit_2(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    result = run_with_config(ferrox, tmp_path, "safety", '[safety]\nignore = ["PYUP-1: why"]\n')
    assert result.code == 2, result.out + result.err
    assert "safety.ignore" in result.err and "expected a list of tables" in result.err
