"""bandit: the real bandit on the fixture projects, its config and batching of long file lists."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from python_projects import (
    cases,
    check_nothing_to_scan,
    check_readme_table,
    check_security_tags,
    run_with_config,
)


@pytest.mark.parametrize(("fixture", "exit_code"), cases("bandit"))
def test_fixtures_produce_their_readme_table(
    ferrox: Callable[..., Any], projects: Path, fixture: str, exit_code: int
) -> None:
    check_readme_table(ferrox, projects / fixture, fixture, "bandit", exit_code)


def test_a_rust_only_workspace_has_nothing_to_scan(ferrox: Callable[..., Any]) -> None:
    check_nothing_to_scan(ferrox, "bandit")


def test_is_tagged_for_the_security_composite() -> None:
    check_security_tags("bandit")


def test_a_missing_path_is_a_config_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    result = run_with_config(ferrox, tmp_path, "bandit", '[bandit]\npaths = ["nope"]\n')
    assert result.code == 2, result.out + result.err
    assert "'nope' does not exist" in result.err


def test_long_file_lists_are_scanned_in_batches(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ferrox.python import scanners

    project = tmp_path / "many"
    shutil.copytree(projects / "bandit_issues", project)
    shutil.copy(project / "app.py", project / "second.py")
    shutil.copy(projects / "secrets" / "settings.py", project / "settings.py")
    monkeypatch.setattr(scanners, "MAX_ARGS_CHARS", 10)  # one file per command
    assert scanners.batches(["a.py", "b.py", "ccccccccccc.py"]) == [
        ["a.py", "b.py"],
        ["ccccccccccc.py"],
    ]
    bandit = ferrox("run", "bandit", "-C", str(project))
    assert bandit.report["metrics"]["high"] == 4  # both copies of app.py
    assert len([c for c in bandit.report["commands"] if "--format" in c["argv"]]) == 3
    secrets = ferrox("run", "secrets", "-C", str(project))
    assert {f["path"] for f in secrets.report["findings"]} == {"settings.py"}
    assert len([c for c in secrets.report["commands"] if "scan" in c["argv"]]) == 3
