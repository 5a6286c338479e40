"""``pytest``: the project's tests on every configured interpreter, under coverage.py.

Each interpreter gets a project environment (``ferrox.python.envs``: uv when on PATH, else
venv and pip) holding the project (editable, with the configured extras), pytest and coverage.
The runs' coverage data are combined; the gates are failing tests, a minimum number of tests
and coverage's ``fail_under``. Besides the engine's reports it writes one JUnit file per
interpreter, ``coverage.json``, a shields.io ``badge.json`` and ``summary.md`` for the PR.

The module is ``py_tests`` so that nothing in ferrox ever shadows the ``pytest`` package.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ferrox import gates
from ferrox.config import setting
from ferrox.context import Context
from ferrox.errors import ToolOutputError
from ferrox.files import write_text_atomic
from ferrox.model import Finding, Level, Status, StepResult, TestCase, TestOutcome
from ferrox.project_kind import python_sources
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step
from ferrox.tools import Completed

# pytest's exit codes: 0 all passed, 1 some failed, 5 nothing collected; 2, 3, 4 and anything
# else (interrupted, internal error, usage error, a crash) leave no honest verdict.
_VERDICT_CODES = (0, 1, 5)
_LOCATION = re.compile(r"^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)


@dataclass(frozen=True)
class PytestSettings:
    """``[pytest]``: interpreters, what to install, and the gates."""

    timeout: float = setting(1800.0, "seconds before a command is killed", minimum=1, maximum=86400)
    interpreters: tuple[str, ...] = setting(
        ("python3",), "interpreters to test on, e.g. ['3.11', '3.12'] (each must be on PATH)"
    )
    backend: Literal["auto", "uv", "venv"] = setting(
        "auto", "how environments are made: uv when on PATH (auto), uv, or venv + pip"
    )
    install: bool = setting(
        True, "build a project environment per interpreter (false: run the interpreters as is)"
    )
    extras: tuple[str, ...] = setting((), "optional-dependency groups installed with the project")
    packages: tuple[str, ...] = setting(
        ("pytest>=7", "coverage[toml]>=7"), "requirements installed beside the project"
    )
    pytest_args: tuple[str, ...] = setting((), "extra arguments passed to pytest")
    coverage_source: tuple[str, ...] = setting(
        (), "packages or directories measured (coverage's --source; default: its own config)"
    )
    fail_under: float = setting(80.0, "minimum total coverage in percent", minimum=0, maximum=100)
    min_tests: int = setting(1, "fewest tests that must run", minimum=0)

    def __post_init__(self) -> None:
        from ferrox.python import settings_checks  # noqa: PLC0415

        settings_checks.check_interpreters("interpreters", self.interpreters)
        settings_checks.check_extras("extras", self.extras)
        settings_checks.check_requirements("packages", self.packages)
        if not self.interpreters:
            from ferrox.config import SettingError  # noqa: PLC0415

            raise SettingError("interpreters", "name at least one interpreter")


@dataclass(frozen=True)
class _Run:
    label: str
    python: Path
    cases: list[TestCase]
    data_file: Path


def run(ctx: Context) -> StepResult:
    """Runs pytest under coverage on each interpreter, then combines and gates."""
    from ferrox.coverage.tables import badge, percent_text  # noqa: PLC0415

    settings: PytestSettings = ctx.settings
    if not has_python_tests(ctx.root):
        # Like the Python scanners: a Rust-only repository has nothing here (not a failure).
        return StepResult(
            step="pytest",
            tool=STEP.report_tool,
            status=Status.PASS,
            summary="skipped: no Python test modules (test_*.py, *_test.py)",
            extra={"skipped": True},
        )
    out = ctx.report_dir / "pytest"
    out.mkdir(parents=True, exist_ok=True)
    runs = [_test_on(ctx, settings, spec, out) for spec in settings.interpreters]
    percent, files = _combined_coverage(ctx, settings, runs, out)
    cases = [case for item in runs for case in item.cases]
    failed = [case for case in cases if case.outcome is TestOutcome.FAILED]
    passed = sum(1 for case in cases if case.outcome is TestOutcome.PASSED)
    skipped = sum(1 for case in cases if case.outcome is TestOutcome.SKIPPED)
    checks = (
        gates.at_most("failed", len(failed), 0, "failing tests"),
        gates.at_least("tests", len(cases), settings.min_tests, "tests run"),
        gates.at_least("coverage", round(percent, 2), settings.fail_under, "total coverage (%)"),
    )
    labels = ", ".join(item.label for item in runs)
    summary = (
        f"{len(cases)} test(s) on {labels}: {passed} passed, {len(failed)} failed, "
        f"{skipped} skipped; coverage {percent_text(percent)}"
    )
    write_text_atomic(out / "badge.json", json.dumps(badge(percent)) + "\n")
    write_text_atomic(out / "summary.md", _markdown(runs, percent, files, settings.fail_under))
    return StepResult(
        step="pytest",
        tool="pytest",
        status=gates.verdict(checks),
        summary=summary,
        findings=tuple(_finding(case) for case in failed),
        metrics={
            "tests": len(cases),
            "passed": passed,
            "failed": len(failed),
            "skipped": skipped,
            "coverage": round(percent, 2),
            "interpreters": len(runs),
        },
        gates=checks,
        tests=tuple(cases),
        extra={"interpreters": [item.label for item in runs]},
    )


def _test_on(ctx: Context, settings: PytestSettings, spec: str, out: Path) -> _Run:
    from ferrox.python import envs  # noqa: PLC0415

    python, label = _interpreter(ctx, settings, spec)
    junit = out / f"junit-{label}.xml"
    data_file = out / f".coverage.{label}"
    for stale in (junit, data_file):
        stale.unlink(missing_ok=True)
    args = ["-m", "coverage", "run"]
    if settings.coverage_source:
        args.append("--source=" + ",".join(settings.coverage_source))
    args += ["-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", "-q"]
    args += [*settings.pytest_args, *ctx.extra_args]
    done = ctx.runner.run(
        str(python),
        args,
        cwd=ctx.root,
        timeout=settings.timeout,
        env={**envs.PIP_ENV, "COVERAGE_FILE": str(data_file)},
    )
    if done.returncode not in _VERDICT_CODES:
        raise ToolOutputError.of(
            done, f"pytest on {label} exited {done.returncode} (no test verdict)", "pytest"
        )
    cases = _cases(done, junit, label)
    if done.returncode == 1 and not any(c.outcome is TestOutcome.FAILED for c in cases):
        raise ToolOutputError.of(done, f"pytest on {label} exited 1 but no test failed", "pytest")
    if done.returncode == 0 and any(c.outcome is TestOutcome.FAILED for c in cases):
        raise ToolOutputError.of(done, f"pytest on {label} exited 0 but a test failed", "pytest")
    return _Run(label, python, cases, data_file)


def _interpreter(ctx: Context, settings: PytestSettings, spec: str) -> tuple[Path, str]:
    from ferrox.python import envs  # noqa: PLC0415

    if settings.install:
        env = envs.ensure_env(
            ctx.runner,
            ctx.root,
            spec,
            extras=settings.extras,
            packages=settings.packages,
            timeout=settings.timeout,
            backend=settings.backend,
        )
        return env.python, env.label
    program = envs.program_for(spec)
    found = ctx.runner.which(program)
    if found is None:
        from ferrox.errors import ToolMissing  # noqa: PLC0415

        raise ToolMissing(f"interpreter {program} is not on PATH", tool=program, hint=envs.HINT)
    return found, f"py-{program}"


def _cases(done: Completed, junit: Path, label: str) -> list[TestCase]:
    from ferrox.python.pytest_junit import JUnitError, parse_pytest_junit  # noqa: PLC0415

    if not junit.is_file():
        raise ToolOutputError.of(done, f"pytest on {label} wrote no JUnit report", "pytest")
    try:
        return parse_pytest_junit(junit.read_text(encoding="utf-8"), label)
    except JUnitError as exc:
        raise ToolOutputError.of(done, str(exc), "pytest") from exc


def _combined_coverage(
    ctx: Context, settings: PytestSettings, runs: list[_Run], out: Path
) -> tuple[float, list[tuple[str, float]]]:
    """Total percent and per-file percents of all runs' data, combined."""
    from ferrox.python import envs  # noqa: PLC0415

    python = runs[0].python
    env = {**envs.PIP_ENV, "COVERAGE_FILE": str(out / ".coverage")}
    report = out / "coverage.json"
    report.unlink(missing_ok=True)
    data = [str(item.data_file) for item in runs if item.data_file.is_file()]
    if not data:
        return 0.0, []  # no test ran: the `tests` gate says so; nothing was measured
    for args in (
        ["-m", "coverage", "combine", "--keep", "--quiet", *data],
        ["-m", "coverage", "json", "--quiet", "--fail-under=0", "-o", str(report)],
    ):
        done = ctx.runner.run(str(python), args, cwd=ctx.root, timeout=settings.timeout, env=env)
        if done.returncode != 0:
            raise ToolOutputError.of(
                done, f"coverage {args[2]} exited {done.returncode}", "coverage"
            )
    try:
        document: Any = json.loads(report.read_text(encoding="utf-8"))
        percent = float(document["totals"]["percent_covered"])
        files = [
            (str(name), float(entry["summary"]["percent_covered"]))
            for name, entry in document["files"].items()
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ToolOutputError(
            f"coverage json wrote an unreadable report: {exc!r}", tool="coverage"
        ) from exc
    return percent, sorted(files, key=lambda item: item[1])


def _finding(case: TestCase) -> Finding:
    matches = list(_LOCATION.finditer(case.output))
    where = matches[-1] if matches else None
    return Finding(
        rule="test-failure",
        message=f"{case.suite}::{case.name} failed: {case.message}".rstrip(": "),
        level=Level.ERROR,
        path=where["path"] if where else None,
        line=int(where["line"]) if where else None,
    )


def _markdown(
    runs: list[_Run], percent: float, files: list[tuple[str, float]], fail_under: float
) -> str:
    from ferrox.coverage.tables import percent_text  # noqa: PLC0415

    lines = [
        "## pytest",
        "",
        "| interpreter | tests | passed | failed | skipped |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in runs:
        counts = dict.fromkeys(TestOutcome, 0)
        for case in item.cases:
            counts[case.outcome] += 1
        lines.append(
            f"| {item.label} | {len(item.cases)} | {counts[TestOutcome.PASSED]} | "
            f"{counts[TestOutcome.FAILED]} | {counts[TestOutcome.SKIPPED]} |"
        )
    lines += ["", f"Coverage: **{percent_text(percent)}** (required: {fail_under:g}%)", ""]
    if files:
        lines += ["| least covered file | coverage |", "| --- | --- |"]
        lines += [f"| `{_cell(name)}` | {value:.1f}% |" for name, value in files[:5]]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def has_python_tests(root: Path) -> bool:
    """Whether the project holds test modules (``test_*.py`` or ``*_test.py``)."""
    return any(
        path.name.startswith("test_") or path.name.endswith("_test.py")
        for path in python_sources(root)
    )


STEP = Step(
    name="pytest",
    description="Run the Python tests on each configured interpreter under coverage.py.",
    report_tool="pytest",
    settings=PytestSettings,
    run=run,
    tags=("python", "test"),
    # Opt-in: a bare `nox` in a Rust repository (whose noxfile is Python) must not run it.
    default=False,
    needs_cargo=False,
    # pytest and coverage are installed into the project's environments, not the tools home.
    required_tools=(),
    applies=has_python_tests,
    # Its own optional workflow (`[ci] workflows = [..., "python"]`): a Rust-only project's
    # generated ci.yml must not gain Python jobs that have nothing to run.
    ci=(CiJob(workflow="python"),),
)
