"""The composite ``security`` step: which scanners run, in parallel, and how verdicts combine.

The scanners here are small in-process steps so each combination (pass, gate failure, tool error,
not applicable) is exact; the real scanners on real fixtures are tested in their own modules and
in test_security_real.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ferrox.context import Context
from ferrox.errors import ToolMissing
from ferrox.model import Finding, GateCheck, Status, StepResult
from ferrox.steps import security
from ferrox.steps.interface import Step

TESTS = Path(__file__).parents[1]
SARIF_SCHEMA = json.loads((TESTS / "fixtures" / "sarif" / "sarif-schema-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads(
    (TESTS.parent / "src" / "ferrox" / "report" / "report-v1.schema.json").read_text()
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "Cargo.toml").write_text('[package]\nname = "p"\nversion = "0.1.0"\n')
    return root


def _scanner(
    name: str,
    outcome: Callable[[Context], StepResult],
    applies: Callable[[Path], bool] = lambda _root: True,
) -> Step:
    return Step(
        name=name,
        description=f"fake {name}",
        report_tool=f"{name}-tool",
        settings=security.SecuritySettings,
        run=outcome,
        tags=("security",),
        needs_cargo=False,
        applies=applies,
    )


def _passes(name: str) -> Callable[[Context], StepResult]:
    def run(ctx: Context) -> StepResult:
        return StepResult(step=name, tool=f"{name}-tool", status=Status.PASS, summary="clean")

    return run


def _finds(name: str, rule: str) -> Callable[[Context], StepResult]:
    def run(ctx: Context) -> StepResult:
        finding = Finding(rule=rule, message=f"{rule} in dep", path="Cargo.lock", line=3)
        gate = GateCheck("critical", 1, 0, passed=False, description="1 critical (limit 0)")
        return StepResult(
            step=name,
            tool=f"{name}-tool",
            status=Status.FAIL,
            summary="1 critical",
            findings=(finding,),
            gates=(gate,),
        )

    return run


def _crashes(name: str) -> Callable[[Context], StepResult]:
    def run(ctx: Context) -> StepResult:
        raise ToolMissing(f"{name}-tool is not installed", tool=f"{name}-tool")

    return run


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Step]]:
    steps: dict[str, Step] = {}
    monkeypatch.setattr(security, "all_steps", lambda: {**steps, "security": security.STEP})
    yield steps


def test_worst_verdict_wins_and_every_part_is_reported(
    registry: dict[str, Step], project: Path, ferrox: Callable[..., Any]
) -> None:
    registry["alpha"] = _scanner("alpha", _passes("alpha"))
    registry["beta"] = _scanner("beta", _finds("beta", "RUSTSEC-2099-0001"))
    registry["gamma"] = _scanner("gamma", _crashes("gamma"))
    registry["delta"] = _scanner("delta", _passes("delta"), applies=lambda _root: False)

    result = ferrox("run", "security", "-C", str(project))

    assert result.code == 3, "a scanner without a verdict outranks a failed gate"
    report = result.report
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert [part["step"] for part in report["parts"]] == ["alpha", "beta", "gamma"]
    assert [part["status"] for part in report["parts"]] == ["pass", "fail", "error"]
    assert "gamma-tool is not installed" in report["error"]
    assert "not applicable: delta" in report["summary"]
    assert [gate["name"] for gate in report["gates"]] == ["beta.critical"]
    assert report["metrics"] == {"scanners": 3, "findings": 1, "failed": 1, "errors": 1}

    log = json.loads((result.report_dir / "security.sarif").read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert [run["tool"]["driver"]["name"] for run in log["runs"]] == [
        "alpha-tool",
        "beta-tool",
        "gamma-tool",
    ]
    assert [run["invocations"][0]["executionSuccessful"] for run in log["runs"]] == [
        True,
        True,
        False,
    ]
    markdown = (result.report_dir / "security.md").read_text()
    assert "| `beta` | ❌ fail | 1 |" in markdown
    assert "#### ❌ `beta`: fail" in markdown
    for text in ("alpha", "beta", "gamma", "RUSTSEC-2099-0001", "not installed"):
        assert text in result.out


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ({"alpha": _passes("alpha"), "beta": _passes("beta")}, 0),
        ({"alpha": _passes("alpha"), "beta": _finds("beta", "B105")}, 1),
        ({"alpha": _crashes("alpha"), "beta": _passes("beta")}, 3),
    ],
    ids=["all-pass", "one-gate-fails", "one-tool-error"],
)
def test_exit_code_follows_the_worst_part(
    registry: dict[str, Step],
    project: Path,
    ferrox: Callable[..., Any],
    outcomes: dict[str, Callable[[Context], StepResult]],
    code: int,
) -> None:
    for name, outcome in outcomes.items():
        registry[name] = _scanner(name, outcome)
    assert ferrox("run", "security", "-C", str(project)).code == code


def test_scanners_run_side_by_side(
    registry: dict[str, Step], project: Path, ferrox: Callable[..., Any]
) -> None:
    # Each scanner waits for the other at a barrier: only a parallel run gets both past it.
    barrier = threading.Barrier(2, timeout=30)

    def meets(name: str) -> Callable[[Context], StepResult]:
        def run(ctx: Context) -> StepResult:
            barrier.wait()
            return _passes(name)(ctx)

        return run

    registry["alpha"] = _scanner("alpha", meets("alpha"))
    registry["beta"] = _scanner("beta", meets("beta"))
    assert ferrox("run", "security", "-C", str(project)).code == 0


def test_steps_and_skip_choose_scanners(
    registry: dict[str, Step], project: Path, ferrox: Callable[..., Any]
) -> None:
    registry["alpha"] = _scanner("alpha", _passes("alpha"))
    registry["beta"] = _scanner("beta", _crashes("beta"))
    (project / "ferrox.toml").write_text('[security]\nskip = ["beta"]\n')
    result = ferrox("run", "security", "-C", str(project))
    assert result.code == 0
    assert [part["step"] for part in result.report["parts"]] == ["alpha"]

    (project / "ferrox.toml").write_text('[security]\nsteps = ["beta"]\njobs = 1\n')
    assert ferrox("run", "security", "-C", str(project)).code == 3


def test_an_unknown_scanner_name_is_a_config_error(
    registry: dict[str, Step], project: Path, ferrox: Callable[..., Any]
) -> None:
    registry["alpha"] = _scanner("alpha", _passes("alpha"))
    (project / "ferrox.toml").write_text('[security]\nsteps = ["alpah"]\n')
    result = ferrox("run", "security", "-C", str(project))
    assert result.code == 2
    assert "security.steps" in result.err
    assert "'alpah'" in result.err
    assert "valid: alpha" in result.err


def test_nothing_to_scan_is_never_a_pass(
    registry: dict[str, Step], project: Path, ferrox: Callable[..., Any]
) -> None:
    registry["alpha"] = _scanner("alpha", _passes("alpha"), applies=lambda _root: False)
    result = ferrox("run", "security", "-C", str(project))
    assert result.code == 2
    assert "no scanner applies" in result.err


def test_a_bare_nox_runs_the_composite_instead_of_its_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ferrox.steps as registry

    scanner = _scanner("alpha", _passes("alpha"))
    lint = Step(name="lint", description="", report_tool="x", settings=object, run=_passes("lint"))
    monkeypatch.setattr(
        registry, "all_steps", lambda: {"lint": lint, "alpha": scanner, "security": security.STEP}
    )
    assert list(registry.default_steps()) == ["lint", "security"]


def test_a_directory_without_a_project_is_not_scanned(
    registry: dict[str, Step], tmp_path: Path, ferrox: Callable[..., Any]
) -> None:
    registry["alpha"] = _scanner("alpha", _passes("alpha"))
    empty = tmp_path / "empty"
    empty.mkdir()
    result = ferrox("run", "security", "-C", str(empty))
    assert result.code == 2
    assert "no Cargo.toml and no Python project" in result.err
