"""geiger: the real cargo-geiger on a virtual workspace with unsafe code and on a clean crate."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from ferrox.context import Context
from ferrox.rust.workspace import Package, Workspace
from ferrox.steps.geiger import GeigerSettings, _result, merge, parse_report, read_baseline
from ferrox.tools import ToolRunner
from fixture_tables import markdown_table

FIXTURES = Path(__file__).parents[1] / "fixtures"
GEIGER = FIXTURES / "geiger"
GOLDEN = FIXTURES / "cargo-geiger-0.13.0" / "tidy.json"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A private copy of the unsafe workspace (tests write baselines into it)."""
    copy = tmp_path / "unsafe_workspace"
    shutil.copytree(GEIGER / "unsafe_workspace", copy, ignore=shutil.ignore_patterns("target"))
    return copy


def test_fixture_table(ferrox: Callable[..., object], workspace: Path, shared_crates: Path) -> None:
    rows = {row["fixture"]: row for row in markdown_table(GEIGER / "README.md", "fixture")}
    result = ferrox("run", "geiger", "-C", str(workspace))
    row = rows["unsafe_workspace"]
    assert result.code == int(row["exit"]), result.out
    [finding] = result.report["findings"]
    assert finding["rule"] == row["rule"]
    assert f"{finding['path']}:{finding['line']}" == row["location"]
    assert finding["message"].startswith(
        f"{row['crate']} uses unsafe 4 time(s) ({row['unsafe counts (used)']})"
    )
    assert result.report["metrics"]["own_crates"] == 2
    assert result.report["metrics"]["own_forbid_unsafe"] == 0
    assert result.report["tool_version"] == "0.13.0"
    assert result.report_dir is not None
    log = json.loads((result.report_dir / "geiger.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"][0]["ruleId"] == "unsafe/own-crate"

    clean = ferrox("run", "geiger", "-C", str(shared_crates / "clean"))
    assert clean.code == int(rows["crates/clean"]["exit"]), clean.out
    assert clean.report["findings"] == []


def test_fix_writes_a_baseline_that_the_gate_then_holds(
    ferrox: Callable[..., object], workspace: Path
) -> None:
    assert ferrox("run", "geiger", "-C", str(workspace), "--fix").code == 0
    baseline = json.loads((workspace / "ci" / "geiger-baseline.json").read_text())
    assert baseline == {"crates": {"raw": {"exprs": 3, "functions": 1}}, "version": 1}
    assert ferrox("run", "geiger", "-C", str(workspace)).code == 0
    source = workspace / "crates" / "raw" / "src" / "lib.rs"
    source.write_text(
        source.read_text() + "\npub fn zero() -> u8 {\n    unsafe { first_unchecked(&[0]) }\n}\n"
    )
    result = ferrox("run", "geiger", "-C", str(workspace))
    assert result.code == 1
    assert "beyond its baseline (functions 1, exprs 3)" in result.report["findings"][0]["message"]


def test_budget_and_baseline_location_are_configurable(
    ferrox: Callable[..., object], workspace: Path
) -> None:
    (workspace / "ferrox.toml").write_text("[geiger]\nbudget = 4\n")
    assert ferrox("run", "geiger", "-C", str(workspace)).code == 0
    (workspace / "ferrox.toml").write_text('[geiger]\nbaseline = "unsafe.json"\n')
    (workspace / "unsafe.json").write_text(
        '{"version": 1, "crates": {"raw": {"functions": 1, "exprs": 3}}}'
    )
    assert ferrox("run", "geiger", "-C", str(workspace)).code == 0


def test_a_corrupt_baseline_is_a_config_error(
    ferrox: Callable[..., object], workspace: Path
) -> None:
    (workspace / "ci").mkdir()
    (workspace / "ci" / "geiger-baseline.json").write_text('{"crates": []}')
    result = ferrox("run", "geiger", "-C", str(workspace))
    assert result.code == 2
    assert "geiger-baseline.json" in result.err and "ferrox run geiger --fix" in result.err


def _context(tmp_path: Path, members: tuple[Package, ...], settings: GeigerSettings) -> Context:
    ctx = Context(root=tmp_path, settings=settings, runner=ToolRunner(), report_dir=tmp_path)
    ctx.__dict__["workspace"] = Workspace(tmp_path, tmp_path / "target", members)
    return ctx


def test_golden_report_splits_own_crates_from_dependencies(tmp_path: Path) -> None:
    report = merge([parse_report(GOLDEN.read_text())])
    assert report.packages[("raw", "0.1.0")].used["exprs"] == 3
    tidy = Package("tidy", "0.1.0", tmp_path / "tidy" / "Cargo.toml", ())
    (tmp_path / "Cargo.lock").write_text('[[package]]\nname = "raw"\nversion = "0.1.0"\n')
    # Seen from tidy alone, raw is a dependency: a note, gated only when asked.
    result = _result(
        _context(tmp_path, (tidy,), GeigerSettings()),
        GeigerSettings(),
        report,
        {("tidy", "0.1.0"): tidy},
        baseline={},
        version="0.13.0",
    )
    assert result.status.value == "pass"
    [note] = result.findings
    assert (note.rule, note.level.value, note.path, note.line) == (
        "unsafe/dependency",
        "note",
        "Cargo.lock",
        2,
    )
    gated = GeigerSettings(dependency_budget=3)
    result = _result(
        _context(tmp_path, (tidy,), gated),
        gated,
        report,
        {("tidy", "0.1.0"): tidy},
        baseline={},
        version="0.13.0",
    )
    assert result.status.value == "fail"
    assert result.metrics["dependency_unsafe"] == 4


def test_unmeasured_own_crates_and_unscanned_files_fail(tmp_path: Path) -> None:
    data = json.loads(GOLDEN.read_text())
    raw_dir = tmp_path / "raw"
    (raw_dir / "src").mkdir(parents=True)
    data["packages"] = [p for p in data["packages"] if p["package"]["id"]["name"] != "raw"]
    data["packages_without_metrics"] = [
        {"name": "raw", "version": "0.1.0", "source": {"Path": "file:///x"}}
    ]
    data["used_but_not_scanned_files"] = [str(raw_dir / "src" / "gen.rs"), "/elsewhere/dep.rs"]
    report = parse_report(json.dumps(data))
    raw = Package("raw", "0.1.0", raw_dir / "Cargo.toml", ())
    settings = GeigerSettings()
    result = _result(
        _context(tmp_path, (raw,), settings),
        settings,
        report,
        {("raw", "0.1.0"): raw},
        baseline={},
        version="0.13.0",
    )
    assert result.status.value == "fail"
    rules = sorted((f.rule, f.path) for f in result.findings)
    assert rules == [
        ("unsafe/unmeasured-crate", "raw/Cargo.toml"),
        ("unsafe/unscanned-file", "raw/src/gen.rs"),
    ]


def test_missing_baseline_accepts_nothing(tmp_path: Path) -> None:
    assert read_baseline(tmp_path / "absent.json") == {}
