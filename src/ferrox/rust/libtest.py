"""Parsers for test results: libtest's human output (cargo test, doc tests) and nextest's JUnit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ferrox.model import TestCase, TestOutcome

_RESULT_LINE = re.compile(r"^test (?P<name>.+?) \.\.\. (?P<outcome>ok|FAILED|ignored)(?:, .*)?$")
_SUMMARY_LINE = re.compile(
    r"^test result: (?:ok|FAILED)\. "
    r"(?P<passed>\d+) passed; (?P<failed>\d+) failed; (?P<ignored>\d+) ignored"
)
_FAILURE_HEADER = re.compile(r"^---- (?P<name>.+?) stdout ----$")
_PANIC = re.compile(r"panicked at (?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<column>\d+)")
_OUTCOMES = {"ok": TestOutcome.PASSED, "FAILED": TestOutcome.FAILED, "ignored": TestOutcome.SKIPPED}


class TestOutputError(ValueError):
    """The test output is incomplete or contradicts itself."""

    __test__ = False


@dataclass(frozen=True)
class PanicLocation:
    """Where a test panicked, as the panic message says."""

    path: str
    line: int
    column: int


def parse_libtest(text: str, suite: str) -> list[TestCase]:
    """Test cases from libtest's human output, with failure output attached.

    Raises TestOutputError when the per-test lines disagree with libtest's own summary lines,
    which is what truncated or interleaved output looks like.
    """
    outcomes: list[tuple[str, TestOutcome]] = []
    failure_output: dict[str, list[str]] = {}
    summary = {"passed": 0, "failed": 0, "ignored": 0}
    current: list[str] | None = None
    for line in text.splitlines():
        if match := _RESULT_LINE.match(line):
            outcomes.append((match["name"], _OUTCOMES[match["outcome"]]))
            current = None
        elif match := _FAILURE_HEADER.match(line):
            current = failure_output.setdefault(match["name"], [])
        elif match := _SUMMARY_LINE.match(line):
            for key in summary:
                summary[key] += int(match[key])
            current = None
        elif line.strip() == "failures:":
            current = None
        elif current is not None:
            current.append(line)
    counted = {
        "passed": sum(1 for _, o in outcomes if o is TestOutcome.PASSED),
        "failed": sum(1 for _, o in outcomes if o is TestOutcome.FAILED),
        "ignored": sum(1 for _, o in outcomes if o is TestOutcome.SKIPPED),
    }
    if counted != summary:
        raise TestOutputError(f"test lines count {counted} but libtest's summary says {summary}")
    cases = []
    for name, outcome in outcomes:
        output = "\n".join(failure_output.get(name, [])).strip()
        cases.append(TestCase(suite, name, outcome, message=_first_message(output), output=output))
    return cases


def parse_nextest_junit(xml_text: str) -> list[TestCase]:
    """Test cases from nextest's JUnit report (one testsuite per test binary)."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - our own tool's output, not untrusted input
    except ET.ParseError as exc:
        raise TestOutputError(f"nextest's JUnit report is not valid XML: {exc}") from exc
    cases = []
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            skipped = case.find("skipped")
            if failure is not None:
                outcome = TestOutcome.FAILED
            elif skipped is not None:
                outcome = TestOutcome.SKIPPED
            else:
                outcome = TestOutcome.PASSED
            output = (failure.text or "") if failure is not None else ""
            message = (failure.get("message") or "") if failure is not None else ""
            cases.append(
                TestCase(
                    suite=suite.get("name", ""),
                    name=case.get("name", ""),
                    outcome=outcome,
                    duration_s=float(case.get("time") or 0.0),
                    message=_first_message(output) or message,
                    output=output.strip(),
                )
            )
    declared = sum(int(s.get("tests") or 0) for s in root.iter("testsuite"))
    if declared != len(cases):
        raise TestOutputError(f"JUnit declares {declared} tests but lists {len(cases)}")
    return cases


def panic_location(output: str) -> PanicLocation | None:
    """The first ``panicked at file:line:column`` in a test's output."""
    match = _PANIC.search(output)
    if not match:
        return None
    return PanicLocation(match["path"], int(match["line"]), int(match["column"]))


def doctest_location(name: str) -> tuple[str, int] | None:
    """``crates/x/src/lib.rs - item (line 8)`` -> (path, 8)."""
    match = re.match(r"^(?P<path>.+?) - .* \(line (?P<line>\d+)\)$", name)
    return (match["path"], int(match["line"])) if match else None


def _first_message(output: str) -> str:
    """The panic message (the lines after ``panicked at ...:``, before the backtrace)."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "panicked at" in line:
            message = []
            for follow in lines[index + 1 :]:
                if follow.startswith(("stack backtrace:", "note: ")):
                    break
                message.append(follow.strip())
            return " ".join(part for part in message if part)[:500]
    return ""
