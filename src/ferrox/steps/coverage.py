"""``coverage``: line coverage of the workspace's crates with a gate, patch coverage, a badge.

cargo-tarpaulin (ptrace engine, or ``engine = "llvm"``) or cargo-llvm-cov (``backend =
"llvm-cov"``) runs the tests instrumented and writes LCOV; each own crate is gated at its
threshold, the lines a change adds (``--base REF``, default the merge base with the default
branch) at ``patch_threshold``, and a coverage.py JSON report (mixed repositories) joins the same
table with a gate of its own. Failing tests fail the gate, naming them; no number is given then.
Uncovered lines become findings (SARIF, annotations) only where the change added them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ConfigError, ToolOutputError
from ferrox.files import write_text_atomic
from ferrox.model import Finding, GateCheck, Level, StepResult, TestCase
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import Step

if TYPE_CHECKING:
    from ferrox.coverage import patch
    from ferrox.coverage.backends import BackendOptions, BackendRun
    from ferrox.coverage.model import FileCoverage, Group


@dataclass(frozen=True)
class CoverageSettings:
    """``[coverage]``: backend, thresholds (per crate, patch, branches, Python), base ref."""

    backend: Literal["tarpaulin", "llvm-cov"] = setting(
        "tarpaulin", "coverage tool: cargo-tarpaulin or cargo-llvm-cov"
    )
    engine: Literal["ptrace", "llvm"] = setting(
        "ptrace", "tarpaulin's engine (llvm where ptrace is not permitted)"
    )
    threshold: float = setting(
        80.0, "line coverage in percent each own crate must reach", minimum=0, maximum=100
    )
    crate_thresholds: tuple[str, ...] = setting(
        (), "per crate overrides of threshold: NAME=PERCENT"
    )
    patch_threshold: float = setting(
        80.0, "coverage in percent of the lines the change adds", minimum=0, maximum=100
    )
    branch_threshold: float = setting(
        -1.0,
        "branch coverage in percent, where the backend measures branches (-1: not gated)",
        minimum=-1,
        maximum=100,
    )
    base: str = setting(
        "", "git ref the change is measured against (empty: the merge base with the default branch)"
    )
    python_report: str = setting(
        "coverage.json", "coverage.py JSON report joined to the table when it exists"
    )
    python_threshold: float = setting(
        80.0, "line coverage in percent of the Python code", minimum=0, maximum=100
    )
    exclude: tuple[str, ...] = setting(
        ("benches/*", "examples/*"),
        "files left out, as fnmatch patterns on the path inside their crate (no test runs "
        "benchmark or example code)",
    )
    features: tuple[str, ...] = setting((), "features to enable (--features)")
    all_features: bool = setting(False, "enable every feature (--all-features)")
    require_pinned_version: bool = setting(True, "refuse a backend other than the pinned one")
    timeout: float = setting(3600.0, "seconds before the backend is killed", minimum=1)
    extra_args: tuple[str, ...] = setting((), "extra arguments passed to the backend")

    def __post_init__(self) -> None:
        from ferrox.coverage import tables  # noqa: PLC0415

        try:
            tables.parse_thresholds(self.crate_thresholds)
        except ValueError as exc:
            raise SettingError("crate_thresholds", str(exc)) from None
        if self.base.startswith("-"):
            raise SettingError("base", f"{self.base!r} is not a git ref")


def run(ctx: Context) -> StepResult:
    """Measures coverage, gates it per crate, on the change and per language."""
    from ferrox.coverage import patch, tables  # noqa: PLC0415
    from ferrox.coverage.backends import Project, run_backend  # noqa: PLC0415
    from ferrox.coverage.model import totals  # noqa: PLC0415

    settings: CoverageSettings = ctx.settings
    # The user's mistakes (an unknown crate, a missing base ref) stop the step before the
    # backend's minutes of instrumented build and tests.
    crates = {p.name: ctx.relative(p.directory) for p in ctx.workspace.members}
    required = _crate_thresholds(settings, crates)
    base = patch.resolve_base(ctx.runner, ctx.root, settings.base)
    out = ctx.report_dir / "coverage"
    project = Project(ctx.runner, ctx.root, ctx.workspace.target_dir)
    backend = run_backend(project, _options(ctx, settings), out)
    if backend.lcov is None:
        return _failed_tests(ctx, backend)
    own = _own_files(ctx, _parse(backend.lcov, backend.tool, "LCOV"))
    groups = tables.group_by_crate(own, crates, settings.exclude)
    python = _python_group(ctx, settings)
    if python is not None:
        groups.append(python)
        required[python.name] = settings.python_threshold
    checks = _coverage_gates(groups, required) + _branch_gate(groups, settings)
    change = None
    if base is not None:
        changed = patch.changed_lines(ctx.runner, ctx.root, base)
        change = patch.measure([f for g in groups for f in g.files], changed)
        checks += _patch_gate(change, base, settings)
    rust = totals(f for g in groups if g.language == "rust" for f in g.files)
    _write_outputs(
        out, groups=groups, required=required, rust_percent=rust.percent, change=change, base=base
    )
    return StepResult(
        step="coverage",
        tool=backend.tool,
        status=gates.verdict(checks),
        summary=_summary(groups, rust.percent, change, base),
        findings=tuple(_uncovered_changes(change, base)),
        metrics=_metrics(groups, change),
        gates=tuple(checks),
        tests=backend.tests,
        tool_version=backend.version,
        extra={"reports": [str(p) for p in backend.files]},
        tables=tables.step_tables(groups, required),
        outputs=_step_outputs(rust.percent, change),
    )


def _step_outputs(rust_percent: float | None, change: patch.PatchCoverage | None) -> dict[str, str]:
    """``coverage-line-percent`` (and ``coverage-patch-percent``) for the workflow's next steps."""
    from ferrox.coverage import tables  # noqa: PLC0415

    outputs = {"line-percent": tables.percent_text(rust_percent).rstrip("%")}
    if change is not None and change.percent is not None:
        outputs["patch-percent"] = tables.percent_text(change.percent).rstrip("%")
    return outputs


def _patch_gate(
    change: patch.PatchCoverage, base: patch.PatchBase, settings: CoverageSettings
) -> list[GateCheck]:
    """The changed lines' gate; a change without an instrumented line has none."""
    if change.percent is None:
        return []
    return [
        gates.at_least(
            "patch_coverage", round(change.percent, 2), settings.patch_threshold,
            f"coverage of the lines changed since {base.ref} (%)",
        )
    ]  # fmt: skip


def _options(ctx: Context, settings: CoverageSettings) -> BackendOptions:
    from ferrox.coverage.backends import BackendOptions  # noqa: PLC0415

    return BackendOptions(
        backend=settings.backend,
        engine=settings.engine,
        features=settings.features,
        all_features=settings.all_features,
        extra_args=(*settings.extra_args, *ctx.extra_args),
        timeout=settings.timeout,
        require_pinned_version=settings.require_pinned_version,
    )


def _failed_tests(ctx: Context, backend: BackendRun) -> StepResult:
    """Tests that fail give no coverage number: the gate fails, naming them."""
    failed = backend.failed_tests
    check = gates.at_most("failed_tests", len(failed), 0, "tests failing under coverage")
    return StepResult(
        step="coverage",
        tool=backend.tool,
        status=gates.verdict([check]),
        summary=f"{len(failed)} test(s) failed: {', '.join(c.name for c in failed[:5])}"
        + (" …" if len(failed) > 5 else "")
        + "; no coverage measured",
        findings=tuple(_test_finding(ctx, case) for case in failed),
        gates=(check,),
        tests=backend.tests,
        tool_version=backend.version,
    )


def _test_finding(ctx: Context, case: TestCase) -> Finding:
    """The failing test, located at its panic (relative to its crate, as libtest prints it)."""
    from ferrox.rust.libtest import panic_location  # noqa: PLC0415

    path: str | None = None
    line = column = None
    if (panic := panic_location(case.output)) is not None:
        members = [p.directory for p in ctx.workspace.members]
        path = ctx.relative(panic.path, ctx.workspace.root, *members)
        line, column = panic.line, panic.column
    return Finding(
        rule="test-failure",
        message=f"test {case.name} failed" + (f": {case.message}" if case.message else ""),
        path=path if path and not Path(path).is_absolute() else None,
        line=line,
        column=column,
        detail=case.output or None,
    )


def _parse(text: str, tool: str, kind: str) -> list[FileCoverage]:
    from ferrox.coverage.lcov import parse_lcov  # noqa: PLC0415
    from ferrox.coverage.model import CoverageFormatError  # noqa: PLC0415
    from ferrox.coverage.python_json import parse_coverage_py_json  # noqa: PLC0415

    try:
        return parse_lcov(text) if kind == "LCOV" else parse_coverage_py_json(text)
    except CoverageFormatError as exc:
        raise ToolOutputError(
            f"the {kind} report of {tool} does not parse: {exc}", tool=tool
        ) from exc


def _own_files(ctx: Context, files: list[FileCoverage]) -> list[FileCoverage]:
    """Files inside the project (never the registry's sources), with root-relative paths."""
    from ferrox.coverage.model import FileCoverage  # noqa: PLC0415

    own = []
    target = ctx.relative(ctx.workspace.target_dir)
    for item in files:
        path = ctx.relative(item.path)
        if Path(path).is_absolute() or path.startswith(("../", f"{target}/")):
            continue
        own.append(FileCoverage(path, item.lines, item.branches_found, item.branches_hit))
    return own


def _crate_thresholds(settings: CoverageSettings, crates: dict[str, str]) -> dict[str, float]:
    from ferrox.coverage import tables  # noqa: PLC0415

    overrides = tables.parse_thresholds(settings.crate_thresholds)
    unknown = sorted(set(overrides) - set(crates))
    if unknown:
        raise ConfigError(
            f"{unknown[0]!r} is not a crate of this workspace",
            key="coverage.crate_thresholds",
            choices=sorted(crates),
        )
    return {name: overrides.get(name, settings.threshold) for name in crates}


def _python_group(ctx: Context, settings: CoverageSettings) -> Group | None:
    from ferrox.coverage.model import FileCoverage, Group  # noqa: PLC0415

    if not settings.python_report:
        return None
    report = ctx.root / settings.python_report
    if not report.is_file():
        return None
    text = ctx.runner.masker.mask(report.read_text(encoding="utf-8", errors="replace"))
    files = [
        FileCoverage(ctx.relative(f.path), f.lines, f.branches_found, f.branches_hit)
        for f in _parse(text, "coverage.py", "JSON")
    ]
    return Group("python", "python", tuple(files))


def _coverage_gates(groups: list[Group], required: dict[str, float]) -> list[GateCheck]:
    checks = []
    for group in groups:
        percent = group.totals.percent
        if percent is None:  # nothing instrumented (an empty crate): nothing to gate
            continue
        checks.append(
            gates.at_least(
                f"line_coverage:{group.name}", round(percent, 2), required[group.name],
                f"line coverage of {group.name} (%)",
            )
        )  # fmt: skip
    return checks


def _branch_gate(groups: list[Group], settings: CoverageSettings) -> list[GateCheck]:
    from ferrox.coverage.model import totals  # noqa: PLC0415

    if settings.branch_threshold < 0:
        return []
    measured = totals(f for g in groups for f in g.files)
    if measured.branch_percent is None:
        raise ConfigError(
            f"the {settings.backend} backend measured no branches",
            key="coverage.branch_threshold",
            hint="llvm-cov measures branches with --branch (nightly Rust: extra_args); "
            "set branch_threshold = -1 otherwise",
        )
    return [
        gates.at_least(
            "branch_coverage", round(measured.branch_percent, 2), settings.branch_threshold,
            "branch coverage (%)",
        )
    ]  # fmt: skip


def _uncovered_changes(
    change: patch.PatchCoverage | None, base: patch.PatchBase | None
) -> list[Finding]:
    """One finding per run of uncovered lines the change added: what a reviewer should see."""
    from ferrox.coverage import patch  # noqa: PLC0415

    if change is None or base is None:
        return []
    return [
        Finding(
            rule="coverage/uncovered-change",
            message=f"line{'s' if last > first else ''} {first}"
            + (f"-{last}" if last > first else "")
            + f" added since {base.ref} not covered by any test",
            level=Level.WARNING,
            path=path,
            line=first,
            end_line=last if last > first else None,
        )
        for path, lines in sorted(change.uncovered.items())
        for first, last in patch.ranges(lines)
    ]


def _metrics(groups: list[Group], change: patch.PatchCoverage | None) -> dict[str, float]:
    from ferrox.coverage.model import totals  # noqa: PLC0415

    rust = totals(f for g in groups if g.language == "rust" for f in g.files)
    metrics: dict[str, float] = {"lines": rust.total, "lines_covered": rust.covered}
    if rust.percent is not None:
        metrics["line_percent"] = round(rust.percent, 2)
    for group in groups:
        if (percent := group.totals.percent) is not None:
            metrics[f"line_percent:{group.name}"] = round(percent, 2)
    if change is not None:
        metrics["patch_lines"] = change.total
        metrics["patch_lines_covered"] = change.covered
        if change.percent is not None:
            metrics["patch_percent"] = round(change.percent, 2)
    return metrics


def _summary(
    groups: list[Group],
    rust_percent: float | None,
    change: patch.PatchCoverage | None,
    base: patch.PatchBase | None,
) -> str:
    from ferrox.coverage import tables  # noqa: PLC0415

    crates = sum(1 for g in groups if g.language == "rust")
    text = f"line coverage {tables.percent_text(rust_percent)} over {crates} crate(s)"
    python = next((g for g in groups if g.language == "python"), None)
    if python is not None:
        text += f", Python {tables.percent_text(python.totals.percent)}"
    if change is None or base is None:
        return text + "; no base ref for patch coverage"
    return (
        text + f"; patch {tables.percent_text(change.percent)} "
        f"({change.covered}/{change.total} changed lines since {base.ref})"
    )


def _write_outputs(
    out: Path,
    *,
    groups: list[Group],
    required: dict[str, float],
    rust_percent: float | None,
    change: patch.PatchCoverage | None,
    base: patch.PatchBase | None,
) -> None:
    """The step's own files: the tables (Markdown, JSON) and the shields.io badge."""
    from ferrox.coverage import tables  # noqa: PLC0415

    document = {
        "line_percent": None if rust_percent is None else round(rust_percent, 2),
        "crates": tables.as_data(groups),
        "thresholds": required,
        "patch": None
        if change is None or base is None
        else {
            "base": base.ref,
            "base_commit": base.commit,
            "lines": change.total,
            "covered": change.covered,
            "percent": None if change.percent is None else round(change.percent, 2),
            "uncovered": {path: list(lines) for path, lines in change.uncovered.items()},
        },
    }
    write_text_atomic(out / "coverage.json", json.dumps(document, indent=2) + "\n")
    write_text_atomic(out / "coverage.md", tables.markdown(groups, required))
    badge = tables.badge(rust_percent)
    write_text_atomic(out / "badge.json", json.dumps(badge) + "\n")


def _tools(settings: CoverageSettings) -> tuple[str, ...]:
    """The backend the project chose is the one CI installs."""
    backend = "cargo-llvm-cov" if settings.backend == "llvm-cov" else "cargo-tarpaulin"
    return ("cargo", "git", backend)


STEP = Step(
    name="coverage",
    description="Line coverage (tarpaulin or llvm-cov) gated per crate, patch coverage, badge.",
    report_tool="cargo-tarpaulin",
    settings=CoverageSettings,
    run=run,
    tags=("rust", "coverage", "ci"),
    uses_target_dir=True,
    required_tools=("cargo", "git", "cargo-tarpaulin"),
    tools_for=_tools,
    # The tests run again, instrumented, after a build of their own: minutes on a real
    # workspace. Run on purpose (`nox -s coverage`), not by plain `nox` or the demo.
    default=False,
    ci=(
        # After a merge: the whole workspace's figure and badge.
        CiJob(events=("push",)),
        # On a pull request, the change is measured against its target branch (GITHUB_BASE_REF
        # is read by the shell, never expanded into the script by Actions).
        CiJob(
            job="coverage-patch",
            events=("pull_request",),
            full_history=True,
            run_args='-- --base "origin/${GITHUB_BASE_REF}"',
        ),
    ),
)
