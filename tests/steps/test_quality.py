"""quality step: the real ruff and mypy on a clean and a dirty fixture project."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _envs_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("FERROX_ENVS_HOME", str(tmp_path_factory.getbasetemp() / "envs"))


def test_clean_project_passes(ferrox: Callable[..., Any], projects: Path) -> None:
    result = ferrox("run", "quality", "-C", str(projects / "quality" / "clean"))
    assert result.code == 0, result.out + result.err


def test_every_budget_fails_on_the_dirty_project(
    ferrox: Callable[..., Any], projects: Path
) -> None:
    result = ferrox("run", "quality", "-C", str(projects / "quality" / "dirty"))
    assert result.code == 1, result.out + result.err
    failed = {g["name"] for g in result.report["gates"] if not g["passed"]}
    assert failed == {"unformatted", "lint", "type_errors", "complex_functions"}
    rules = {(f["rule"], f["line"]) for f in result.report["findings"]}
    assert rules == {("unformatted", 37), ("F401", 3), ("mypy[return-value]", 13), ("C901", 16)}


def test_budgets_are_configurable(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    project = tmp_path / "dirty"
    shutil.copytree(projects / "quality" / "dirty", project)
    (project / "ferrox.toml").write_text(
        "[quality]\nmax_unformatted = 1\nmax_lint = 1\nmax_type_errors = 1\nmax_complexity = 8\n"
    )
    result = ferrox("run", "quality", "-C", str(project))
    assert result.code == 0, result.out + result.err


def test_a_crashing_ruff_is_a_tool_error(
    ferrox: Callable[..., Any],
    projects: Path,
    fake_tools: Callable[[str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    fake_tools("ruff", "import sys\nprint('ruff 0.17.6')\nsys.exit(2)\n")
    # The tools home is searched before PATH: an empty one lets the fake ruff be found.
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "no-tools"))
    result = ferrox("run", "quality", "-C", str(projects / "quality" / "clean"))
    assert result.code == 3, result.out + result.err


def test_a_path_outside_the_project_is_a_config_error(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    project = tmp_path / "clean"
    shutil.copytree(projects / "quality" / "clean", project)
    (project / "ferrox.toml").write_text('[quality]\npaths = ["--fix"]\n')
    result = ferrox("run", "quality", "-C", str(project))
    assert result.code == 2, result.out + result.err
    assert "quality.paths" in result.err


def test_a_rust_only_workspace_is_skipped(ferrox: Callable[..., Any]) -> None:
    from python_projects import check_nothing_to_scan

    check_nothing_to_scan(ferrox, "quality")
