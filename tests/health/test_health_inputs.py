"""The score's inputs: other steps' reports and cargo-outdated's JSON (golden file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ferrox.errors import ToolError
from ferrox.health.inputs import count_outdated, from_reports

OUTDATED = Path(__file__).parents[1] / "fixtures" / "cargo-outdated"


def _report(directory: Path, step: str, **fields: Any) -> None:
    document = {"step": step, "status": "pass", "metrics": {}, "findings": [], **fields}
    (directory / f"{step}.json").write_text(json.dumps(document))


def test_no_reports_means_not_measured(tmp_path: Path) -> None:
    found = from_reports(tmp_path)
    assert (found.clippy_warnings, found.vulnerabilities, found.sources) == (None, None, ())


def test_clippy_and_scanner_reports_are_read(tmp_path: Path) -> None:
    _report(tmp_path, "clippy", metrics={"errors": 0, "warnings": 7})
    _report(tmp_path, "audit", status="fail", metrics={"vulnerabilities": 2})
    _report(tmp_path, "pip-audit", status="fail", findings=[{"rule": "PYSEC-1"}])
    found = from_reports(tmp_path)
    assert found.clippy_warnings == 7
    assert found.vulnerabilities == 3
    assert found.sources == ("clippy.json", "audit.json", "pip-audit.json")


def test_security_parts_count_once_and_a_scanners_own_report_wins(tmp_path: Path) -> None:
    parts = [
        {"step": "audit", "status": "fail", "metrics": {"vulnerabilities": 1}, "findings": []},
        {"step": "safety", "status": "fail", "metrics": {}, "findings": [{}, {}]},
        {"step": "bandit", "status": "fail", "metrics": {}, "findings": [{}, {}, {}]},
    ]
    _report(tmp_path, "security", parts=parts)
    assert from_reports(tmp_path).vulnerabilities == 3  # bandit's findings are not advisories
    _report(tmp_path, "audit", metrics={"vulnerabilities": 0})
    assert from_reports(tmp_path).vulnerabilities == 2


@pytest.mark.parametrize(
    ("step", "fields", "message"),
    [
        ("audit", {"status": "error"}, "holds no verdict"),
        ("clippy", {"metrics": {"warnings": "many"}}, "not a count"),
        ("clippy", {"metrics": []}, "not a ferrox step report"),
    ],
)
def test_a_report_without_an_honest_count_is_a_tool_error(
    tmp_path: Path, step: str, fields: dict[str, Any], message: str
) -> None:
    _report(tmp_path, step, **fields)
    with pytest.raises(ToolError, match=message):
        from_reports(tmp_path)


def test_a_corrupt_report_is_a_tool_error(tmp_path: Path) -> None:
    (tmp_path / "clippy.json").write_text('{"step": "clip')
    with pytest.raises(ToolError, match="cannot read"):
        from_reports(tmp_path)


def test_cargo_outdated_json_counts_dependencies_behind_latest() -> None:
    text = (OUTDATED / "two-behind-0.19.0.jsonl").read_text()
    assert count_outdated(text) == 2


def test_a_dependency_shared_by_members_counts_once() -> None:
    dependency = {"name": "itoa", "project": "0.4.8", "latest": "1.0.19"}
    current = {"name": "libc", "project": "0.2.1", "latest": "0.2.1"}
    text = "\n".join(
        json.dumps({"crate_name": name, "dependencies": [dependency, current]})
        for name in ("a", "b")
    )
    assert count_outdated(text) == 1


@pytest.mark.parametrize("text", ["", "not json", '{"crate_name": "x"}'])
def test_unparseable_cargo_outdated_output_fails_closed(text: str) -> None:
    with pytest.raises(ToolError, match="cargo outdated"):
        count_outdated(text)
