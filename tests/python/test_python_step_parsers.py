"""The Python steps' parsers on golden outputs of the real tools (versions in the folder names)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ferrox.model import Level
from ferrox.model import TestOutcome as Outcome
from ferrox.python.lint_output import LintOutputError, parse_mypy_json, parse_ruff_json
from ferrox.python.pytest_junit import JUnitError, parse_pytest_junit
from ferrox.python.wheels import build_backend, top_level_modules

GOLDEN = Path(__file__).parents[1] / "fixtures" / "python" / "golden"


def same(path: str) -> str:
    return path


def test_pytest_junit_outcomes() -> None:
    text = (GOLDEN / "pytest-9.2.0" / "junit.xml").read_text()
    cases = parse_pytest_junit(text, "py3.11")
    outcomes = {case.name: case.outcome for case in cases}
    assert outcomes == {
        "test_ok": Outcome.PASSED,
        "test_bad": Outcome.FAILED,
        "test_skip": Outcome.SKIPPED,
    }
    bad = next(case for case in cases if case.name == "test_bad")
    assert bad.suite == "py3.11::t.test_a"
    assert bad.message == "assert 1 == 2"
    assert "t/test_a.py:3: AssertionError" in bad.output


@pytest.mark.parametrize(
    "text",
    [
        "<testsuites",  # truncated
        "<testsuites/>",  # no suite
        '<testsuite tests="2"><testcase name="a"/></testsuite>',  # count mismatch
    ],
)
def test_pytest_junit_rejects_broken_reports(text: str) -> None:
    with pytest.raises(JUnitError):
        parse_pytest_junit(text, "py")


def test_ruff_json() -> None:
    findings = parse_ruff_json((GOLDEN / "ruff-0.17.6" / "check.json").read_text(), same)
    assert [(f.rule, f.path, f.line, f.column) for f in findings] == [
        ("F401", "src/shapes/__init__.py", 3, 8)
    ]


@pytest.mark.parametrize("text", ["", "{}", '[{"code": "E1"}]'])
def test_ruff_json_rejects_other_output(text: str) -> None:
    with pytest.raises(LintOutputError):
        parse_ruff_json(text, same)


def test_mypy_json() -> None:
    (finding,) = parse_mypy_json((GOLDEN / "mypy-2.4.1" / "errors.jsonl").read_text(), same)
    assert finding.rule == "mypy[return-value]"
    assert (finding.path, finding.line, finding.column) == ("src/shapes/__init__.py", 13, 12)
    assert finding.level is Level.ERROR


def test_mypy_json_rejects_plain_text() -> None:
    with pytest.raises(LintOutputError):
        parse_mypy_json("src/x.py:1: error: nope  [misc]\n", same)


def test_top_level_modules_of_a_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / "x-1-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in (
            "pkg/__init__.py",
            "pkg/sub/__init__.py",
            "single.py",
            "ext.cpython-311-x86_64-linux-gnu.so",
            "x-1.dist-info/METADATA",
            "x-1.data/scripts/tool",
            "not-a-name.py",
        ):
            archive.writestr(name, "")
    assert top_level_modules(wheel) == ["ext", "pkg", "single"]


def test_build_backend() -> None:
    assert build_backend('[build-system]\nbuild-backend = "maturin"\n') == "maturin"
    assert build_backend('[project]\nname = "x"\n') == ""
