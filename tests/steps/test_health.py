"""The health step end to end: real git, reports of other steps, history, gate, issue payload."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gitrepo import init_committed

OUTDATED = Path(__file__).parents[1] / "fixtures" / "cargo-outdated" / "two-behind-0.19.0.jsonl"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A committed repository whose outdated count comes from a saved cargo-outdated report."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(OUTDATED, root / "outdated.jsonl")
    (root / "ferrox.toml").write_text(
        '[health]\noutdated = "report"\noutdated_report = "outdated.jsonl"\n'
    )
    (root / ".gitignore").write_text("target/\n.ferrox/\n")
    init_committed(root)
    return root


def _reports(root: Path) -> Path:
    return root / "target" / "ferrox"


def _write_audit(root: Path, vulnerabilities: int) -> None:
    directory = _reports(root)
    directory.mkdir(parents=True, exist_ok=True)
    document = {"step": "audit", "status": "fail", "metrics": {"vulnerabilities": vulnerabilities}}
    (directory / "audit.json").write_text(json.dumps(document))


def _run(ferrox: Callable[..., object], root: Path) -> object:
    return ferrox("run", "health", "-C", str(root), "--report-dir", str(_reports(root)))


def test_scores_records_and_charts(ferrox: Callable[..., object], project: Path) -> None:
    result = _run(ferrox, project)
    assert result.code == 0, result.out
    assert result.report["metrics"] == {"score": 100}
    history = (project / ".ferrox" / "health-history.jsonl").read_text().splitlines()
    record = json.loads(history[0])
    assert record["inputs"] == {
        "clippy_warnings": None,
        "vulnerabilities": None,
        "outdated": 2,
        "recent_commits": 1,
    }
    assert len(record["commit"]) == 40
    trend = (_reports(project) / "health-trend.md").read_text()
    assert "# Repository health: 100/100 (new)" in trend
    assert "Not measured (no points either way): clippy_warnings, vulnerabilities" in trend
    assert "plotly" in (_reports(project) / "health-chart.html").read_text()
    assert not (_reports(project) / "health-issue.json").exists()


def test_score_below_min_fails_and_a_drop_warns_and_opens_an_issue(
    ferrox: Callable[..., object], project: Path
) -> None:
    assert _run(ferrox, project).code == 0
    _write_audit(project, 6)  # 100 - 60 = 40: below min_score 50 and issue_below 70
    result = _run(ferrox, project)
    assert result.code == 1
    assert result.report["metrics"] == {"score": 40, "previous": 100}
    assert [f["rule"] for f in result.report["findings"]] == ["health-drop"]
    issue = json.loads((_reports(project) / "health-issue.json").read_text())
    assert issue["title"] == "Repository health 40/100 (below 70)"
    assert issue["labels"] == ["health"]
    assert "6 known vulnerabilities: -60" in issue["body"]
    trend = (_reports(project) / "health-trend.md").read_text()
    assert "40/100 (down)" in trend
    # Healthy again: the stale payload goes, so no issue is opened for a healthy run.
    _write_audit(project, 0)
    assert _run(ferrox, project).code == 0
    assert not (_reports(project) / "health-issue.json").exists()


def test_min_score_is_configurable(ferrox: Callable[..., object], project: Path) -> None:
    _write_audit(project, 1)
    config = project / "ferrox.toml"
    config.write_text(config.read_text() + "min_score = 95\n")
    result = _run(ferrox, project)
    assert result.code == 1
    assert result.report["gates"][0]["description"] == ("health score: 90 (required: at least 95)")


def test_a_directory_outside_git_is_a_tool_error_unless_activity_is_off(
    ferrox: Callable[..., object], tmp_path: Path
) -> None:
    (tmp_path / "ferrox.toml").write_text('[health]\noutdated = "off"\n')
    result = ferrox("run", "health", "-C", str(tmp_path))
    assert result.code == 3
    assert "activity = false" in result.report["error"]
    (tmp_path / "ferrox.toml").write_text('[health]\noutdated = "off"\nactivity = false\n')
    assert ferrox("run", "health", "-C", str(tmp_path)).code == 0


def test_a_corrupt_history_is_a_tool_error(ferrox: Callable[..., object], project: Path) -> None:
    history = project / ".ferrox" / "health-history.jsonl"
    history.parent.mkdir()
    history.write_text('{"score": "high"}\n')
    result = _run(ferrox, project)
    assert result.code == 3
    assert "not a health record" in result.report["error"]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('outdated = "report"', "health.outdated_report"),
        ('history = "../elsewhere.jsonl"', "health.history"),
        ("min_score = 101", "health.min_score"),
    ],
)
def test_bad_settings_are_usage_errors(
    ferrox: Callable[..., object], tmp_path: Path, table: str, key: str
) -> None:
    (tmp_path / "ferrox.toml").write_text(f"[health]\n{table}\n")
    result = ferrox("run", "health", "-C", str(tmp_path))
    assert result.code == 2
    assert key in result.err


def test_real_cargo_outdated_on_a_crate_with_old_dependencies(
    ferrox: Callable[..., object], tmp_path: Path
) -> None:
    """cargo-outdated reads the crates index (reachable from this machine's registry)."""
    crate = tmp_path / "old"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("")
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "old"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nitoa = "0.4"\ncfg-if = "0.1"\n'
    )
    (crate / "ferrox.toml").write_text("[health]\nactivity = false\n")
    result = ferrox("run", "health", "-C", str(crate))
    assert result.code == 0, result.report["error"]
    history = json.loads((crate / ".ferrox" / "health-history.jsonl").read_text())
    assert history["inputs"]["outdated"] == 2
