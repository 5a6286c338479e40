"""Every report format, checked against its schema or its consumer's rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from ferrox.model import Finding, Level, Status, StepResult, TestCase
from ferrox.model import TestOutcome as Outcome
from ferrox.report import github, junit, markdown, sarif

FIXTURES = Path(__file__).parents[1] / "fixtures"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src" / "ferrox" / "report" / "report-v1.schema.json").read_text()
)


@pytest.fixture(scope="module")
def failing_reports(
    tmp_path_factory: pytest.TempPathFactory, shared_crates: Path
) -> dict[str, Path]:
    """Real reports from the fixture crates that fail each step."""
    from ferrox.cli import main

    directory = tmp_path_factory.mktemp("reports")
    for step, crate in (
        ("fmt", "unformatted"),
        ("clippy", "clippy_warnings"),
        ("test", "failing_test"),
    ):
        main(["run", step, "-C", str(shared_crates / crate), "--report-dir", str(directory)])
    return {path.name: path for path in directory.iterdir()}


@pytest.mark.parametrize("step", ["fmt", "clippy", "test"])
def test_sarif_validates_against_the_official_schema(
    failing_reports: dict[str, Path], step: str
) -> None:
    log = json.loads(failing_reports[f"{step}.sarif"].read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    [run] = log["runs"]
    assert run["results"], "a failing fixture must produce results"
    for result in run["results"]:
        # GitHub code scanning rejects results without a location.
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize("step", ["fmt", "clippy", "test"])
def test_json_reports_match_their_documented_schema(
    failing_reports: dict[str, Path], step: str
) -> None:
    report = json.loads(failing_reports[f"{step}.json"].read_text())
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["status"] == "fail"
    assert report["exit_code"] == 1
    assert report["reports"]["sarif"] == f"{step}.sarif"


def test_error_reports_match_the_schema_too(
    ferrox: Callable[..., object], shared_crates: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("cargo", "import sys\nsys.exit(3)\n")
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(result.report)
    log = json.loads((result.report_dir / "fmt.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_sarif_of_several_steps_has_one_run_per_tool() -> None:
    results = [
        StepResult("fmt", "rustfmt", Status.PASS, "ok"),
        StepResult(
            "clippy",
            "clippy",
            Status.FAIL,
            "1",
            findings=(Finding("clippy::x", "m", Level.WARNING),),
        ),
    ]
    log = sarif.render(results, path_prefix="sub/dir")
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert [run["tool"]["driver"]["name"] for run in log["runs"]] == ["rustfmt", "clippy"]
    location = log["runs"][1]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "sub/dir/Cargo.toml"  # no path: the manifest


def test_markdown_summary_and_step_summary_file(
    ferrox: Callable[..., object],
    shared_crates: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = ferrox("run", "clippy", "-C", str(shared_crates / "clippy_warnings"))
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, never overwritten
    assert "### ❌ `clippy`: fail" in text
    assert "| error | `src/lib.rs:11:5` | `clippy::suspicious_map` |" in text
    assert (result.report_dir / "clippy.md").read_text() in text


def test_markdown_escapes_table_cells_and_caps_findings() -> None:
    findings = tuple(
        Finding("r", f"a | b {i}", Level.NOTE) for i in range(markdown.MAX_FINDINGS + 3)
    )
    text = markdown.render(StepResult("x", "x", Status.FAIL, "s", findings=findings, error="boom"))
    assert "a \\| b 0" in text
    assert "… and 3 more" in text
    assert "boom" in text


def test_annotations_inside_github_actions(
    ferrox: Callable[..., object], shared_crates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(shared_crates))
    result = ferrox("run", "clippy", "-C", str(shared_crates / "clippy_warnings"))
    annotations = ("::warning", "::error", "::notice")  # log groups are ::group:: lines
    lines = [line for line in result.out.splitlines() if line.startswith(annotations)]
    assert lines == [
        "::warning file=clippy_warnings/src/lib.rs,line=6,col=5,endLine=6,"
        "title=clippy%3A clippy%3A%3Aunwrap_used::used `unwrap()` on a `Result` value",
        "::error file=clippy_warnings/src/lib.rs,line=11,col=5,endLine=11,"
        "title=clippy%3A clippy%3A%3Asuspicious_map::this call to `map()` won't have an effect on the call"
        " to `count()`",
        "::warning file=clippy_warnings/src/lib.rs,line=16,col=5,endLine=16,"
        "title=clippy%3A clippy%3A%3Aneedless_return::unneeded `return` statement",
    ]


def test_annotation_escaping_follows_the_toolkit() -> None:
    finding = Finding("a:b,c", "50%\nnext", Level.NOTE, path="x,y.rs", line=3)
    line = github.annotation(finding, "", "s")
    assert line == "::notice file=x%2Cy.rs,line=3,title=s%3A a%3Ab%2Cc::50%25%0Anext"


def test_repository_prefix_outside_the_workspace(tmp_path: Path) -> None:
    assert github.repository_prefix(tmp_path, {"GITHUB_WORKSPACE": str(tmp_path / "other")}) == ""
    assert github.repository_prefix(tmp_path, {"GITHUB_WORKSPACE": str(tmp_path)}) == ""
    assert github.repository_prefix(tmp_path / "a", {"GITHUB_WORKSPACE": str(tmp_path)}) == "a"


def test_junit_counts_and_failures() -> None:
    cases = (
        TestCase("s", "ok", Outcome.PASSED, 0.5),
        TestCase("s", "bad", Outcome.FAILED, 0.1, "boom", "trace"),
        TestCase("t", "skip", Outcome.SKIPPED),
    )
    text = junit.render(cases)
    assert 'tests="3"' in text and 'failures="1"' in text and 'skipped="1"' in text
    assert '<failure message="boom">trace</failure>' in text
