"""audit, geiger and licenses pass on the demo workspace, as `nox -s demo` runs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.parametrize("step", ["audit", "geiger", "licenses"])
def test_demo_passes(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path], step: str
) -> None:
    demo = fresh_crate("demo")
    result = ferrox("run", step, "-C", str(demo))
    assert result.code == 0, result.out
    assert result.report["findings"] == []
    if step == "geiger":
        assert result.report["metrics"]["own_crates"] == 2
    if step == "audit":
        assert result.report["metrics"]["advisories_in_db"] == 1


def test_security_composite_runs_them_on_the_demo(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    demo = fresh_crate("demo")
    result = ferrox("run", "security", "-C", str(demo))
    assert result.code == 0, result.out
    assert result.report_dir is not None
    log = json.loads((result.report_dir / "security.sarif").read_text())
    runs = {run["tool"]["driver"]["name"]: run for run in log["runs"]}
    assert {"cargo-audit", "cargo-geiger", "licenses"} <= set(runs)
    assert runs["cargo-audit"]["tool"]["driver"]["version"] == "0.22.2"
    assert all(run["invocations"][0]["executionSuccessful"] for run in runs.values())


def test_a_rust_repo_with_a_noxfile_is_not_a_python_dependency_project(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    # Every ferrox user has a noxfile.py and tasks.py: bandit may read them, but the dependency
    # scanners have nothing to audit and must say "not applicable", not "pass".
    demo = fresh_crate("demo")
    (demo / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
    (demo / "tasks.py").write_text("from ferrox.tasks import namespace\n")
    result = ferrox("run", "security", "-C", str(demo))
    assert result.code == 0, result.out
    ran = [part["step"] for part in result.report["parts"]]
    assert "bandit" in ran
    assert "pip-audit" not in ran
    assert "safety" not in ran
    assert "not applicable: pip-audit, safety" in result.report["summary"]
