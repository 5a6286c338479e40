"""Re-runs of failing tests: a failure that passes on a re-run is named, not guessed.

- ``flaky``: failed, then passed when run again the same way (nextest's ``--retries``, or a
  re-run of the failed tests under cargo test).
- ``isolation-sensitive``: failed every time in its own process (nextest) but passed in one
  process with its siblings, the way the crate's own harness (``cargo test``) runs it.
A test that fails every way stays a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ferrox.context import Context
from ferrox.errors import ToolOutputError
from ferrox.model import Finding, Level, TestCase, TestOutcome
from ferrox.rust.cargo_messages import compile_errors, parse_cargo_messages
from ferrox.rust.flaky import cargo_target_args, nextest_flaky_attempts, safe_test_filter
from ferrox.rust.libtest import TestOutputError, parse_libtest

Kind = Literal["flaky", "isolation-sensitive"]
# libtest's exit status when tests failed; anything else from a re-run means no verdict.
_TESTS_FAILED = 101


@dataclass(frozen=True)
class Unstable:
    """A test whose verdict changed between runs, and what showed it."""

    case: TestCase
    kind: Kind
    evidence: str


def nextest_unstable(
    ctx: Context, cases: Sequence[TestCase], junit_text: str, feature_args: Sequence[str],
    timeout: float,
) -> tuple[list[TestCase], list[Unstable]]:  # fmt: skip
    """Flaky tests from nextest's retries; failures re-run in-process through ``cargo test``.

    Returns the cases with isolation-sensitive failures marked passed, and the unstable tests.
    """
    try:
        retried = nextest_flaky_attempts(junit_text)
    except TestOutputError as exc:
        raise ToolOutputError(
            f"cannot read nextest's retries: {exc}", tool="cargo-nextest"
        ) from exc
    unstable = [
        Unstable(
            _with_failure(case, retried[(case.suite, case.name)][1]),
            "flaky",
            f"failed {retried[(case.suite, case.name)][0]} time(s) under nextest, then passed "
            "on a retry",
        )
        for case in cases
        if (case.suite, case.name) in retried
    ]
    failed = [c for c in cases if c.outcome is TestOutcome.FAILED and c.suite != "doctests"]
    in_process = _in_process_outcomes(ctx, failed, feature_args, timeout)
    settled = []
    for case in cases:
        if case.outcome is TestOutcome.FAILED and in_process.get(case.suite, {}).get(case.name):
            unstable.append(
                Unstable(
                    case,
                    "isolation-sensitive",
                    "failed every attempt in its own process (nextest), passed in one process "
                    "with its siblings (cargo test)",
                )
            )
            settled.append(replace(case, outcome=TestOutcome.PASSED))
        else:
            settled.append(case)
    return settled, unstable


def cargo_unstable(
    ctx: Context, cases: Sequence[TestCase], feature_args: Sequence[str], retries: int,
    timeout: float,
) -> tuple[list[TestCase], list[Unstable]]:  # fmt: skip
    """Failed tests (doc tests aside) re-run by exact name up to ``retries`` times under cargo test.

    Returns the cases with flaky ones marked passed, and the flaky tests.
    """
    pending = {
        c.name
        for c in cases
        if c.outcome is TestOutcome.FAILED and c.suite != "doctests" and safe_test_filter(c.name)
    }
    passed_on: dict[str, int] = {}
    for attempt in range(1, retries + 1):
        if not pending:
            break
        args = ["test", "--workspace", "--no-fail-fast", "--message-format", "json", "--tests"]
        args += [*feature_args, "--", "--exact", *sorted(pending)]
        rerun = _cargo_test_cases(ctx, args, timeout)
        for name in list(pending):
            outcomes = [c.outcome for c in rerun if c.name == name]
            if outcomes and all(o is TestOutcome.PASSED for o in outcomes):
                passed_on[name] = attempt
                pending.discard(name)
    settled, unstable = [], []
    for case in cases:
        if case.outcome is TestOutcome.FAILED and case.name in passed_on:
            unstable.append(
                Unstable(
                    case,
                    "flaky",
                    f"failed under cargo test, passed on re-run {passed_on[case.name]}",
                )
            )
            settled.append(replace(case, outcome=TestOutcome.PASSED))
        else:
            settled.append(case)
    return settled, unstable


def unstable_finding(item: Unstable, level: Level) -> Finding:
    """The finding (and so the annotation) that names an unstable test."""
    case = item.case
    label = f"{case.suite} {case.name}" if case.suite else case.name
    return Finding(
        rule=f"test-{item.kind}",
        message=f"test {label} is {item.kind}: {item.evidence}"
        + (f" (first failure: {case.message})" if case.message else ""),
        level=level,
        detail=case.output or None,
    )


def _in_process_outcomes(
    ctx: Context, failed: Sequence[TestCase], feature_args: Sequence[str], timeout: float
) -> dict[str, dict[str, bool]]:
    """binary id -> test name -> passed, from one ``cargo test`` run of each binary, whole."""
    packages = {p.name for p in ctx.workspace.members}
    outcomes: dict[str, dict[str, bool]] = {}
    for binary in sorted({c.suite for c in failed}):
        target = cargo_target_args(binary, packages)
        if target is None:  # an id we cannot map: the failure stays a failure
            continue
        args = ["test", "--no-fail-fast", "--message-format", "json", *feature_args, *target]
        found = _cargo_test_cases(ctx, args, timeout)
        outcomes[binary] = {c.name: c.outcome is TestOutcome.PASSED for c in found}
    return outcomes


def _cargo_test_cases(ctx: Context, args: list[str], timeout: float) -> list[TestCase]:
    """The re-run's cases; none when it gave no clean answer, so every failure stays a failure.

    A re-run can only turn a failure into an unstable test by a parsed pass: a build problem, a
    custom harness (``harness = false``) or output libtest's summary contradicts tells nothing.
    """
    done = ctx.runner.run("cargo", args, cwd=ctx.root, timeout=timeout)
    messages = parse_cargo_messages(done.stdout, lambda p: ctx.relative(p, ctx.workspace.root))
    if messages.malformed_lines or compile_errors(messages.findings):
        return []
    if done.returncode not in (0, _TESTS_FAILED):
        return []
    try:
        return parse_libtest("\n".join(messages.other_lines), "cargo-test")
    except TestOutputError:
        return []


def _with_failure(case: TestCase, output: str) -> TestCase:
    """A test that passed on a retry, carrying its first failure's output (and so its location)."""
    return replace(case, message=_first_line(output), output=output)


def _first_line(output: str) -> str:
    for line in output.splitlines():
        if line.strip() and "panicked at" not in line:
            return line.strip()[:300]
    return ""
