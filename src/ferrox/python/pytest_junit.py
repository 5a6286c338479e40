"""pytest's JUnit XML report (``--junitxml``) as test cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ferrox.model import TestCase, TestOutcome


class JUnitError(ValueError):
    """The report is missing, malformed or inconsistent."""


def parse_pytest_junit(xml_text: str, label: str) -> list[TestCase]:
    """Test cases of a pytest JUnit report; ``label`` (the interpreter) prefixes each suite."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - our own pytest run's output
    except ET.ParseError as exc:
        raise JUnitError(f"pytest's JUnit report is not valid XML: {exc}") from exc
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if not suites:
        raise JUnitError("pytest's JUnit report holds no testsuite")
    cases: list[TestCase] = []
    for suite in suites:
        listed = list(suite.iter("testcase"))
        declared = int(suite.get("tests") or 0)
        if declared != len(listed):
            raise JUnitError(
                f"pytest's JUnit report declares {declared} tests but lists {len(listed)}"
            )
        cases += [_case(case, label) for case in listed]
    return cases


def _case(case: ET.Element, label: str) -> TestCase:
    failure = case.find("failure")
    if failure is None:
        failure = case.find("error")
    skipped = case.find("skipped")
    if failure is not None:
        outcome = TestOutcome.FAILED
        message = failure.get("message") or ""
        output = (failure.text or "").strip()
    elif skipped is not None:
        outcome = TestOutcome.SKIPPED
        message = skipped.get("message") or ""
        output = ""
    else:
        outcome, message, output = TestOutcome.PASSED, "", ""
    return TestCase(
        suite=f"{label}::{case.get('classname', '')}",
        name=case.get("name", ""),
        outcome=outcome,
        duration_s=float(case.get("time") or 0.0),
        message=message.splitlines()[0] if message else "",
        output=output,
    )
