"""``test``: cargo nextest (or cargo test) plus doc tests; failures are findings naming the test."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ferrox import gates
from ferrox.config import SettingError, setting
from ferrox.context import Context
from ferrox.errors import ToolMissing, ToolOutputError
from ferrox.model import Finding, Level, StepResult, TestCase, TestOutcome
from ferrox.pinned_env import Pins, effective, for_report, parse_overrides
from ferrox.steps.ci_placement import CiJob
from ferrox.steps.interface import CargoStepSettings, Step

if TYPE_CHECKING:
    from ferrox.steps.test_rerun import Unstable

NEXTEST_PROFILE = "ferrox"
# Layered beneath the repository's own .config/nextest.toml, so a project's settings still win.
NEXTEST_TOOL_CONFIG = f"""\
# Written by ferrox: the profile `ferrox run test` uses, with a JUnit report.
[profile.{NEXTEST_PROFILE}]
fail-fast = false

[profile.{NEXTEST_PROFILE}.junit]
path = "junit.xml"
"""


def nextest_tool_config(store: Path) -> str:
    """The tool config, with nextest's store (where the JUnit report goes) named.

    nextest's default store is ``target/nextest`` under the workspace root, whatever
    ``CARGO_TARGET_DIR`` says; ferrox reads the report from cargo's real target directory.
    """
    # A TOML basic string: json's escapes (backslashes, quotes) are TOML's too.
    return NEXTEST_TOOL_CONFIG + f"\n[store]\ndir = {json.dumps(store.as_posix())}\n"


FILTERED_MESSAGE = "left out by the repository's nextest default-filter"
NEXTEST_HINT = "cargo install --locked cargo-nextest (or `ferrox tools install`)"
# nextest's documented exit codes: 100 test failures, 101 build failure, 4 no tests to run.
NEXTEST_TEST_FAILED, NEXTEST_BUILD_FAILED, NEXTEST_NO_TESTS = 100, 101, 4
# The variables that change a test verdict, and the value the step runs with ('' = unset, the
# tool's own default). `[test] env` overrides them; README.md documents each choice.
TEST_PINNED_ENV: Pins = (
    ("RUST_BACKTRACE", "0"),  # panics and std::backtrace print and capture no backtrace
    ("RUST_LIB_BACKTRACE", "0"),  # likewise for error types (anyhow, eyre, std::backtrace)
    ("RUST_TEST_THREADS", ""),  # libtest's default: one thread per core
    ("RUST_MIN_STACK", ""),  # libtest's default test-thread stack (2 MiB)
    ("RUSTFLAGS", ""),  # the build the crate's Cargo config describes, no machine flags
    ("RUSTDOCFLAGS", ""),  # likewise for doc tests
    ("CARGO_INCREMENTAL", "0"),  # CI's usual value; a clean build either way
    ("LC_ALL", "C.UTF-8"),  # child processes (git, date, sort) speak and sort the same
    ("LANG", "C.UTF-8"),
    ("TZ", "UTC"),  # local-time formatting is the same on every machine
)


@dataclass(frozen=True)
class TestSettings(CargoStepSettings):
    """``[test]``: which runner, doc tests, features, and whether an empty test run may pass."""

    __test__ = False

    timeout: float = setting(
        3600.0, "seconds before the test run is killed", minimum=1, maximum=86400
    )
    runner: Literal["auto", "nextest", "cargo"] = setting(
        "auto", "test runner: nextest when installed (auto), or always one of them"
    )
    doc: bool = setting(True, "run doc tests too (nextest cannot, so cargo test --doc runs them)")
    allow_no_tests: bool = setting(False, "pass when the workspace has no tests at all")
    allow_filtered: bool = setting(
        False, "pass when the repository's nextest default-filter leaves tests out"
    )
    all_features: bool = setting(False, "enable every feature (--all-features)")
    features: tuple[str, ...] = setting((), "features to enable (--features)")
    retries: int = setting(
        2, "re-runs of a failing test before it counts as a failure", minimum=0, maximum=10
    )
    flaky: Literal["warn", "fail"] = setting(
        "warn", "whether a flaky or isolation-sensitive test fails the step or only warns"
    )
    env: tuple[str, ...] = setting(
        (), "NAME=VALUE overrides of the pinned test environment (NAME= unsets it)"
    )

    def __post_init__(self) -> None:
        try:
            parse_overrides(self.env)
        except ValueError as exc:
            raise SettingError("env", str(exc)) from exc


def run(ctx: Context) -> StepResult:
    """Builds and runs the workspace's tests; gates on failures, build errors and empty runs."""
    settings: TestSettings = ctx.settings
    runner = _choose_runner(ctx, settings)
    env = effective(TEST_PINNED_ENV, parse_overrides(settings.env))
    ctx = replace(ctx, runner=ctx.runner.with_env(env))
    build_errors: list[Finding] = []
    cases: list[TestCase] = []
    if runner == "nextest":
        errors, found = _run_nextest(ctx, settings)
        build_errors += errors
        cases += found
        if settings.doc and ctx.workspace.has_doctests and not build_errors:
            errors, found = _run_cargo_test(ctx, settings, selection="doc")
            build_errors += errors
            cases += found
    else:
        errors, found = _run_cargo_test(
            ctx, settings, selection="all" if settings.doc else "no-doc"
        )
        build_errors += errors
        cases += found
    unstable: list[Unstable] = []
    if not build_errors:
        cases, unstable = _settle(ctx, settings, runner, cases)
    filtered = [c for c in cases if c.message == FILTERED_MESSAGE]
    failures = [c for c in cases if c.outcome is TestOutcome.FAILED]
    passed = sum(1 for c in cases if c.outcome is TestOutcome.PASSED)
    skipped = sum(1 for c in cases if c.outcome is TestOutcome.SKIPPED)
    executed = passed + len(failures)
    checks = [
        gates.at_most("build_errors", len(build_errors), 0, "build errors"),
        gates.at_most("failed", len(failures), 0, "failed tests"),
    ]
    if not settings.allow_filtered:
        # A repository's default-filter is a quiet way to drop the test that fails.
        checks.append(
            gates.at_most(
                "filtered", len(filtered), 0, "tests left out by a nextest default-filter"
            )
        )
    if not build_errors and not settings.allow_no_tests:
        checks.append(gates.at_least("executed", executed, 1, "tests executed"))
    if settings.flaky == "fail":
        checks.append(
            gates.at_most("unstable", len(unstable), 0, "flaky or isolation-sensitive tests")
        )
    level = Level.ERROR if settings.flaky == "fail" else Level.WARNING
    findings = [
        *build_errors,
        *(_failure_finding(ctx, case) for case in failures),
        *(_unstable_finding(ctx, item, level) for item in unstable),
        *_runner_notes(settings, runner),
    ]
    if build_errors:
        summary = f"{len(build_errors)} build error(s); tests did not run"
    else:
        summary = f"{passed} passed, {len(failures)} failed, {skipped} skipped ({runner})"
        if unstable:
            summary += f"; {len(unstable)} flaky or isolation-sensitive"
        if filtered:
            summary += f"; {len(filtered)} of the skipped left out by the nextest default-filter"
    return StepResult(
        step="test",
        tool="cargo-nextest" if runner == "nextest" else "cargo-test",
        status=gates.verdict(checks),
        summary=summary,
        findings=tuple(findings),
        metrics={
            "passed": passed,
            "failed": len(failures),
            "skipped": skipped,
            "build_errors": len(build_errors),
            "flaky": sum(1 for item in unstable if item.kind == "flaky"),
            "isolation_sensitive": sum(1 for item in unstable if item.kind != "flaky"),
            "filtered": len(filtered),
        },
        gates=tuple(checks),
        tests=tuple(cases),
        extra={
            "runner": runner,
            "runner_setting": settings.runner,
            "environment": for_report(env),
            "unstable": [
                {"suite": u.case.suite, "name": u.case.name, "kind": u.kind, "evidence": u.evidence}
                for u in unstable
            ],
        },
    )


def _settle(
    ctx: Context, settings: TestSettings, runner: str, cases: list[TestCase]
) -> tuple[list[TestCase], list[Unstable]]:
    """Re-runs what failed; returns the cases as settled and the tests whose verdict changed."""
    from ferrox.steps.test_rerun import cargo_unstable, nextest_unstable  # noqa: PLC0415

    if runner == "nextest":
        junit = _nextest_junit(ctx).read_text(encoding="utf-8")
        return nextest_unstable(ctx, cases, junit, _feature_args(settings), settings.timeout)
    return cargo_unstable(ctx, cases, _feature_args(settings), settings.retries, settings.timeout)


def _unstable_finding(ctx: Context, item: Unstable, level: Level) -> Finding:
    """The unstable test's finding, located where its failure panicked (an annotation's line)."""
    from ferrox.steps.test_rerun import unstable_finding  # noqa: PLC0415

    located = _failure_finding(ctx, item.case)
    return replace(
        unstable_finding(item, level),
        path=located.path,
        line=located.line,
        column=located.column,
    )


def _runner_notes(settings: TestSettings, runner: str) -> list[Finding]:
    """A warning when `auto` fell back to cargo test: CI installs nextest and would differ."""
    if settings.runner != "auto" or runner != "cargo":
        return []
    return [
        Finding(
            rule="test-runner",
            message='cargo-nextest is not installed, so runner = "auto" ran cargo test (one '
            "process per test binary); CI installs nextest (one process per test), where "
            "isolation-sensitive tests can fail. Install it (`ferrox tools install "
            "cargo-nextest`) or set [test] runner to decide once for every machine",
            level=Level.WARNING,
        )
    ]


def _nextest_junit(ctx: Context) -> Path:
    return ctx.workspace.target_dir / "nextest" / NEXTEST_PROFILE / "junit.xml"


def _choose_runner(ctx: Context, settings: TestSettings) -> str:
    if settings.runner == "cargo":
        return "cargo"
    if ctx.runner.which("cargo-nextest") is not None:
        return "nextest"
    if settings.runner == "nextest":
        raise ToolMissing("cargo-nextest is not installed", tool="cargo-nextest", hint=NEXTEST_HINT)
    return "cargo"


def _feature_args(settings: TestSettings) -> list[str]:
    args = ["--all-features"] if settings.all_features else []
    if settings.features:
        args.append(f"--features={','.join(settings.features)}")  # one token: never an option
    return args


def _run_nextest(ctx: Context, settings: TestSettings) -> tuple[list[Finding], list[TestCase]]:
    from ferrox.rust.cargo_messages import compile_errors, parse_cargo_messages  # noqa: PLC0415
    from ferrox.rust.libtest import TestOutputError, parse_nextest_junit  # noqa: PLC0415

    workspace = ctx.workspace
    ctx.report_dir.mkdir(parents=True, exist_ok=True)
    tool_config = (ctx.report_dir / "nextest-tool-config.toml").resolve()
    tool_config.write_text(nextest_tool_config(workspace.target_dir / "nextest"), encoding="utf-8")
    junit = _nextest_junit(ctx)
    # A report left by an earlier run must never be mistaken for this run's result.
    junit.unlink(missing_ok=True)
    args = [
        "nextest", "run", "--workspace",
        "--profile", NEXTEST_PROFILE,
        "--tool-config-file", f"ferrox:{tool_config}",
        "--cargo-message-format", "json",
        "--no-tests", "pass",
        "--retries", str(settings.retries),
        *_feature_args(settings), *settings.extra_args, *ctx.extra_args,
    ]  # fmt: skip
    done = ctx.runner.run("cargo", args, cwd=ctx.root, timeout=settings.timeout, hint=NEXTEST_HINT)
    messages = parse_cargo_messages(done.stdout, lambda p: ctx.relative(p, workspace.root))
    if messages.malformed_lines:
        raise ToolOutputError.of(done, "cargo printed malformed JSON messages", "cargo-nextest")
    errors = compile_errors(messages.findings)
    if done.returncode == NEXTEST_BUILD_FAILED and errors:
        return errors, []
    if done.returncode not in (0, NEXTEST_TEST_FAILED) or not junit.is_file():
        raise ToolOutputError.of(
            done, f"cargo nextest exited {done.returncode} without a test report", "cargo-nextest"
        )
    try:
        cases = parse_nextest_junit(junit.read_text(encoding="utf-8"))
    except (OSError, TestOutputError) as exc:
        raise ToolOutputError.of(
            done, f"cannot read nextest's JUnit report {junit}: {exc}", "cargo-nextest"
        ) from exc
    failed = any(c.outcome is TestOutcome.FAILED for c in cases)
    if failed != (done.returncode == NEXTEST_TEST_FAILED):
        raise ToolOutputError.of(
            done, f"nextest exited {done.returncode} but its report disagrees", "cargo-nextest"
        )
    return [], cases + _default_filtered(ctx, settings)


def _default_filtered(ctx: Context, settings: TestSettings) -> list[TestCase]:
    """The tests the repository's nextest ``default-filter`` leaves out, as skipped cases.

    Neither nextest's JUnit report nor its exit code mentions them. Only a repository with a
    nextest config (``.config/nextest.toml``, where a default-filter lives) is asked.
    """
    if not (ctx.workspace.root / ".config" / "nextest.toml").is_file():
        return []
    args = ["nextest", "list", "--workspace", "--profile", NEXTEST_PROFILE]
    args += [
        "--tool-config-file",
        f"ferrox:{ctx.report_dir.resolve() / 'nextest-tool-config.toml'}",
    ]
    args += ["--message-format", "json", *_feature_args(settings)]
    done = ctx.runner.run("cargo", args, cwd=ctx.root, timeout=settings.timeout, hint=NEXTEST_HINT)
    try:
        suites = json.loads(done.stdout)["rust-suites"]
        return [
            TestCase(binary, name, TestOutcome.SKIPPED, message=FILTERED_MESSAGE)
            for binary, suite in suites.items()
            for name, case in suite["testcases"].items()
            if case.get("filter-match", {}).get("reason") == "default-filter"
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ToolOutputError.of(
            done, f"cargo nextest list printed no test list ({exc})", "cargo-nextest"
        ) from exc


def _run_cargo_test(
    ctx: Context, settings: TestSettings, *, selection: Literal["all", "doc", "no-doc"]
) -> tuple[list[Finding], list[TestCase]]:
    from ferrox.rust.cargo_messages import compile_errors, parse_cargo_messages  # noqa: PLC0415
    from ferrox.rust.libtest import TestOutputError, cargo_running_lines, parse_libtest  # noqa: PLC0415

    workspace = ctx.workspace
    args = ["test", "--workspace", "--no-fail-fast", "--message-format", "json"]
    # --doc runs only doc tests; --tests runs every test target but not the doc tests.
    args += {"all": [], "doc": ["--doc"], "no-doc": ["--tests"]}[selection]
    args += _feature_args(settings)
    if selection != "doc":
        # Extra arguments belong to the main runner; nextest's would break `cargo test --doc`.
        args += [*settings.extra_args, *ctx.extra_args]
    done = ctx.runner.run("cargo", args, cwd=ctx.root, timeout=settings.timeout)
    messages = parse_cargo_messages(done.stdout, lambda p: ctx.relative(p, workspace.root))
    if messages.malformed_lines:
        raise ToolOutputError.of(done, "cargo printed malformed JSON messages", "cargo-test")
    errors = compile_errors(messages.findings)
    if errors and done.returncode != 0:
        return errors, []
    suite = "doctests" if selection == "doc" else "cargo-test"
    try:
        binaries = cargo_running_lines(done.stderr)
        cases = parse_libtest("\n".join(messages.other_lines), suite, binaries)
    except TestOutputError as exc:
        raise ToolOutputError.of(
            done, f"cannot trust cargo test's output: {exc}", "cargo-test"
        ) from exc
    failed = any(c.outcome is TestOutcome.FAILED for c in cases)
    if done.returncode != 0 and not cases:
        raise ToolOutputError.of(
            done, f"cargo test exited {done.returncode} without test results", "cargo-test"
        )
    if failed != (done.returncode != 0):
        raise ToolOutputError.of(
            done, f"cargo test exited {done.returncode} but its output disagrees", "cargo-test"
        )
    return [], cases


def _failure_finding(ctx: Context, case: TestCase) -> Finding:
    from ferrox.rust.libtest import doctest_location, panic_location  # noqa: PLC0415

    path: str | None = None
    line = column = None
    members = [p.directory for p in ctx.workspace.members]
    if (doc := doctest_location(case.name)) is not None:
        path, line = ctx.relative(doc[0], ctx.workspace.root, *members), doc[1]
    elif (panic := panic_location(case.output)) is not None:
        path = ctx.relative(panic.path, ctx.workspace.root, *members)
        line, column = panic.line, panic.column
    label = f"{case.suite} {case.name}" if case.suite else case.name
    return Finding(
        rule="test-failure",
        message=f"test {label} failed" + (f": {case.message}" if case.message else ""),
        level=Level.ERROR,
        path=path if path and not Path(path).is_absolute() else None,
        line=line,
        column=column,
        detail=case.output or None,
    )


STEP = Step(
    name="test",
    description="Run the Rust test suite (nextest or cargo test) and doc tests.",
    report_tool="cargo-nextest",
    settings=TestSettings,
    run=run,
    tags=("rust", "ci", "test"),
    uses_target_dir=True,
    required_tools=("cargo", "cargo-nextest"),
    ci=(CiJob(matrix="os"),),
    pinned_env=TEST_PINNED_ENV,
)
