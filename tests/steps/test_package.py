"""package step: the real build, twine and a fresh venv on a good and a broken project."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.tools import ToolRunner


def test_good_project_builds_installs_and_smokes(
    ferrox: Callable[..., Any], projects: Path
) -> None:
    result = ferrox("run", "package", "-C", str(projects / "package" / "good"))
    assert result.code == 0, result.out + result.err
    dist = result.report_dir / "package" / "dist"
    assert sorted(p.name for p in dist.iterdir()) == [
        "tinycalc-0.1.0-py3-none-any.whl",
        "tinycalc-0.1.0.tar.gz",
    ]


def test_a_bad_readme_fails_twine_check(ferrox: Callable[..., Any], projects: Path) -> None:
    result = ferrox("run", "package", "-C", str(projects / "package" / "broken"))
    assert result.code == 1, result.out + result.err
    assert {f["rule"] for f in result.report["findings"]} == {"twine-check"}


def test_a_failing_smoke_command_fails(
    ferrox: Callable[..., Any], projects: Path, tmp_path: Path
) -> None:
    project = tmp_path / "good"
    shutil.copytree(projects / "package" / "good", project)
    (project / "ferrox.toml").write_text('[package]\nsmoke = ["python", "-c", "import nope"]\n')
    result = ferrox("run", "package", "-C", str(project))
    assert result.code == 1, result.out + result.err
    assert {f["rule"] for f in result.report["findings"]} == {"smoke-failed"}


def _maturin_missing() -> bool:
    # The runner looks in the tools home before PATH, as the step does.
    return ToolRunner().which("maturin") is None


@pytest.mark.slow
@pytest.mark.skipif(_maturin_missing(), reason="maturin missing: `ferrox tools install maturin`")
def test_a_maturin_project_builds_its_extension_wheel(
    ferrox: Callable[..., Any], projects: Path
) -> None:
    """The PyO3 fixture (pyo3 from crates.io): an abi3 extension wheel that imports and runs."""
    result = ferrox("run", "package", "-C", str(projects / "package" / "maturin_ext"))
    assert result.code == 0, result.out + result.err
    dist = result.report_dir / "package" / "dist"
    (wheel,) = dist.glob("*.whl")
    assert wheel.name.startswith("tinyext-0.1.0-cp39-abi3-")
    assert any(c["argv"][:2] == ["maturin", "build"] for c in result.report["commands"])


def test_a_rust_only_workspace_is_skipped(ferrox: Callable[..., Any]) -> None:
    from python_projects import check_nothing_to_scan

    check_nothing_to_scan(ferrox, "package")
