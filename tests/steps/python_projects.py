"""What the Python scanners' tests share: the fixture projects and their README findings table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from ferrox.steps import all_steps

FIXTURES = Path(__file__).parents[1] / "fixtures"
PYTHON = FIXTURES / "python"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
DEMO = Path(__file__).parents[2] / "examples" / "demo"
REPORT_SCHEMA = json.loads(
    (Path(__file__).parents[2] / "src" / "ferrox" / "report" / "report-v1.schema.json").read_text()
)
# The values planted in fixtures/python/secrets: none may appear in any output.
PLANTED = (
    "AKIAIOSFODNN7EXAMPLE",
    "Zx8vQ2mN7pLr4tYw9KsB3hJd",
    "ferrox_FAKE0123456789ABCDEF",
    "TUlJRW93SUJBQUtDQVFFQWZha2VmYWtlZmFrZQ",
    "Sup3rS3cretValue",
)


def readme_table() -> list[dict[str, str]]:
    """The rows of the fixture README's findings table."""
    rows = []
    lines = (PYTHON / "README.md").read_text().splitlines()
    header: list[str] = []
    for line in lines:
        if not line.startswith("|") or line.startswith("| ---"):
            continue
        cells = [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        if not header:
            header = cells
            continue
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


EXPECTED = readme_table()


def cases(step: str) -> list[tuple[str, int]]:
    """(fixture, exit code) of every fixture project the table lists for ``step``."""
    return sorted({(row["fixture"], int(row["exit"])) for row in EXPECTED if row["step"] == step})


def check_readme_table(
    ferrox: Callable[..., Any], project: Path, fixture: str, step: str, exit_code: int
) -> None:
    """Runs ``step`` on a fixture project: its findings, report and SARIF are the table's."""
    result = ferrox("run", step, "-C", str(project))
    assert result.code == exit_code, result.out + result.err
    expected = sorted(
        (row["rule"], row["location"], row["severity"])
        for row in EXPECTED
        if (row["fixture"], row["step"]) == (fixture, step) and row["rule"]
    )
    found = sorted(
        (f["rule"], f"{f['path']}:{f['line']}", _severity(step, f))
        for f in result.report["findings"]
    )
    assert found == expected
    assert result.report["tool"] == all_steps()[step].report_tool
    sarif = json.loads((result.report_dir / f"{step}.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    [run] = sarif["runs"]
    assert run["tool"]["driver"]["name"] == all_steps()[step].report_tool
    assert sorted(r["ruleId"] for r in run["results"]) == sorted(e[0] for e in expected)
    if step in ("pip-audit", "safety") and expected:
        # GitHub ranks code-scanning alerts by the CVSS score carried into the rule.
        scores = {
            r["id"]: r["properties"]["security-severity"] for r in run["tool"]["driver"]["rules"]
        }
        assert sorted(scores.values()) == ["6.1", "8.8", "9.8"]
        jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(result.report)


def _severity(step: str, finding: dict[str, Any]) -> str:
    if step == "secrets":
        return "secret"
    if step == "bandit":
        return re.search(r"severity=(\w+)", finding["detail"])[1]  # type: ignore[index]
    return str(finding["detail"])


def run_with_config(ferrox: Callable[..., Any], project: Path, step: str, table: str) -> Any:
    """Runs ``step`` in a project with one pinned requirement and ``table`` as its ferrox.toml."""
    (project / "requirements.txt").write_text("packaging==24.1\n")
    (project / "ferrox.toml").write_text(table)
    return ferrox("run", step, "-C", str(project))


def check_nothing_to_scan(ferrox: Callable[..., Any], step: str) -> None:
    """A Rust-only workspace gives the Python scanner nothing to scan: a pass that says so."""
    result = ferrox("run", step, "-C", str(DEMO))
    assert result.code == 0
    assert "skipped" in result.out
    assert result.report["summary"].startswith("skipped: no ")
    assert not all_steps()[step].applies(DEMO)


def check_security_tags(step: str) -> None:
    """The scanner is part of the security composite and needs no cargo."""
    found = all_steps()[step]
    assert {"security", "python"} <= set(found.tags)
    assert found.needs_cargo is False
