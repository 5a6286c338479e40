"""pytest step: the real pytest and coverage.py in project environments built with uv or venv."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.steps import get_step
from ferrox.steps.py_tests import has_python_tests


@pytest.fixture(autouse=True)
def _envs_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    # One environments home per session: the environments are reused between tests.
    monkeypatch.setenv("FERROX_ENVS_HOME", str(tmp_path_factory.getbasetemp() / "envs"))


def with_config(ferrox: Callable[..., Any], source: Path, target: Path, table: str) -> Any:
    """Runs the step on a copy of ``source`` with ``table`` as its ferrox.toml."""
    import shutil

    shutil.copytree(source, target)
    (target / "ferrox.toml").write_text(table)
    return ferrox("run", "pytest", "-C", str(target))


def test_passing_project_passes_with_junit_badge_and_summary(
    ferrox: Callable[..., Any], projects: Path
) -> None:
    result = ferrox("run", "pytest", "-C", str(projects / "pytests" / "passing"))
    assert result.code == 0, result.out + result.err
    assert result.report["metrics"]["tests"] == 2
    assert result.report["metrics"]["coverage"] == 100.0
    out = result.report_dir / "pytest"
    assert json.loads((out / "badge.json").read_text())["message"] == "100.0%"
    assert "| py3." in (out / "summary.md").read_text()
    assert len(list(out.glob("junit-py3.*.xml"))) == 1


def test_a_failing_test_fails_the_gate_with_its_location(
    ferrox: Callable[..., Any], projects: Path
) -> None:
    result = ferrox("run", "pytest", "-C", str(projects / "pytests" / "failing"))
    assert result.code == 1, result.out + result.err
    (finding,) = result.report["findings"]
    assert finding["path"] == "tests/test_calc.py"
    assert finding["line"] == 13
    assert "test_add_is_wrong" in finding["message"]


def test_coverage_below_fail_under_fails(ferrox: Callable[..., Any], projects: Path) -> None:
    result = ferrox("run", "pytest", "-C", str(projects / "pytests" / "low_coverage"))
    assert result.code == 1, result.out + result.err
    failed = [g["name"] for g in result.report["gates"] if not g["passed"]]
    assert failed == ["coverage"]


def test_coverage_threshold_is_configurable(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    import shutil

    project = tmp_path / "lowered"
    shutil.copytree(projects / "pytests" / "low_coverage", project)
    (project / "ferrox.toml").write_text("[pytest]\nfail_under = 40\n")
    assert ferrox("run", "pytest", "-C", str(project)).code == 0


def test_too_few_tests_fail(ferrox: Callable[..., Any], projects: Path, tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "empty"
    shutil.copytree(projects / "pytests" / "passing", project)
    (project / "ferrox.toml").write_text('[pytest]\npytest_args = ["-k", "nothing_matches"]\n')
    result = ferrox("run", "pytest", "-C", str(project))
    assert result.code == 1, result.out + result.err
    assert result.report["metrics"]["tests"] == 0


def test_venv_backend_without_uv(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    import shutil

    project = tmp_path / "venv-backend"
    shutil.copytree(projects / "pytests" / "passing", project)
    (project / "ferrox.toml").write_text('[pytest]\nbackend = "venv"\n')
    result = ferrox("run", "pytest", "-C", str(project))
    assert result.code == 0, result.out + result.err
    assert not any(c["argv"][0] == "uv" for c in result.report["commands"])


def test_a_missing_interpreter_is_a_tool_error(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    passing = projects / "pytests" / "passing"
    result = with_config(ferrox, passing, tmp_path / "p", '[pytest]\ninterpreters = ["3.99"]\n')
    assert result.code == 3, result.out + result.err
    assert "python3.99" in result.out + result.err


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ('interpreters = ["--index-url=http://evil"]', "interpreters"),
        ('extras = ["test] --pre"]', "extras"),
        ('packages = ["--index-url=http://evil"]', "packages"),
        ("fail_under = 120", "fail_under"),
    ],
)
def test_bad_settings_are_config_errors(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path, config: str, key: str
) -> None:
    passing = projects / "pytests" / "passing"
    result = with_config(ferrox, passing, tmp_path / "p", f"[pytest]\n{config}\n")
    assert result.code == 2, result.out + result.err
    assert f"pytest.{key}" in result.err


def test_applies_only_to_projects_with_tests(projects: Path) -> None:
    assert has_python_tests(projects / "pytests" / "passing")
    assert not has_python_tests(projects / "quality" / "clean")
    step = get_step("pytest")
    assert not step.needs_cargo and "python" in step.tags and step.ci


def test_the_environment_is_reused_until_packaging_changes(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    import shutil

    project = tmp_path / "reuse"
    shutil.copytree(projects / "pytests" / "passing", project)

    def built() -> bool:
        result = ferrox("run", "pytest", "-C", str(project))
        assert result.code == 0, result.out + result.err
        return any("venv" in c["argv"] for c in result.report["commands"])

    assert built()
    assert not built()  # same key: reused
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# changed\n")
    assert built()  # the packaging file changed: rebuilt


def test_a_rust_only_workspace_is_skipped(ferrox: Callable[..., Any]) -> None:
    from python_projects import check_nothing_to_scan

    check_nothing_to_scan(ferrox, "pytest")


def test_a_pytest_usage_error_is_a_tool_error_not_a_pass(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    passing = projects / "pytests" / "passing"
    table = '[pytest]\npytest_args = ["--no-such-pytest-option"]\n'
    result = with_config(ferrox, passing, tmp_path / "p", table)
    assert result.code == 3, result.out + result.err
    assert "no test verdict" in result.out + result.err
