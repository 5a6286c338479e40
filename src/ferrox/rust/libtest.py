"""Parsers for test results: libtest's human output (cargo test, doc tests) and nextest's JUnit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ferrox.junit import junit_verdict
from ferrox.model import TestCase, TestOutcome

_RESULT_LINE = re.compile(r"^test (?P<name>.+?) \.\.\. (?P<outcome>ok|FAILED|ignored)(?:, .*)?$")
_SUMMARY_LINE = re.compile(
    r"^test result: (?:ok|FAILED)\. "
    r"(?P<passed>\d+) passed; (?P<failed>\d+) failed; (?P<ignored>\d+) ignored"
)
_RUNNING_LINE = re.compile(r"^running (?P<count>\d+) tests?$")
_CARGO_RUNNING = re.compile(r"^\s+(?P<what>(?:Running|Doc-tests) .+?)\s*$")
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


def parse_libtest(text: str, suite: str, binaries: Sequence[str] = ()) -> list[TestCase]:
    """Test cases from libtest's human output, with failure output attached.

    Raises TestOutputError when the per-test lines disagree with libtest's own summary lines,
    which is what truncated or interleaved output looks like, and when a test binary announced
    ``running N tests`` but did not report N results and its ``test result:`` line: a test
    that ends its process (``std::process::exit(0)``) takes its binary's other results with it.
    ``binaries`` names the binaries in the order they ran (cargo's ``Running`` lines).
    """
    outcomes: list[tuple[str, TestOutcome]] = []
    failure_output: dict[str, list[str]] = {}
    summary = {"passed": 0, "failed": 0, "ignored": 0}
    current: list[str] | None = None
    sections: list[_Section] = []
    for line in text.splitlines():
        if match := _RUNNING_LINE.match(line):
            _check_closed(sections, binaries)
            sections.append(_Section(int(match["count"])))
            current = None
        elif match := _RESULT_LINE.match(line):
            outcomes.append((match["name"], _OUTCOMES[match["outcome"]]))
            if sections:
                sections[-1].results += 1
            current = None
        elif match := _FAILURE_HEADER.match(line):
            current = failure_output.setdefault(match["name"], [])
        elif match := _SUMMARY_LINE.match(line):
            for key in summary:
                summary[key] += int(match[key])
            if sections:
                sections[-1].summarised = True
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
    _check_closed(sections, binaries)
    if counted != summary:
        raise TestOutputError(f"test lines count {counted} but libtest's summary says {summary}")
    cases = []
    for name, outcome in outcomes:
        output = "\n".join(failure_output.get(name, [])).strip()
        cases.append(TestCase(suite, name, outcome, message=_first_message(output), output=output))
    return cases


@dataclass
class _Section:
    """One test binary's run: the count it announced and what it reported."""

    announced: int
    results: int = 0
    summarised: bool = False


def _check_closed(sections: list[_Section], binaries: Sequence[str]) -> None:
    """The last binary reported every test it announced, and its summary line."""
    if not sections:
        return
    last = sections[-1]
    if last.summarised and last.results == last.announced:
        return
    index = len(sections) - 1
    name = binaries[index] if index < len(binaries) else f"test binary #{index + 1}"
    ending = "and no `test result:` line" if not last.summarised else "before its summary"
    raise TestOutputError(
        f"{name} announced {last.announced} test(s) but reported {last.results} {ending}: "
        "its process ended early (a test called std::process::exit?), so the missing tests "
        "have no verdict"
    )


def cargo_running_lines(stderr: str) -> list[str]:
    """The test binaries cargo ran, in order, from its ``Running``/``Doc-tests`` lines."""
    return [m["what"] for m in map(_CARGO_RUNNING.match, stderr.splitlines()) if m]


def parse_nextest_junit(xml_text: str) -> list[TestCase]:
    """Test cases from nextest's JUnit report (one testsuite per test binary)."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - our own tool's output, not untrusted input
    except ET.ParseError as exc:
        raise TestOutputError(f"nextest's JUnit report is not valid XML: {exc}") from exc
    cases = []
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            outcome, why = junit_verdict(case)
            failure = why if outcome is TestOutcome.FAILED else None
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
