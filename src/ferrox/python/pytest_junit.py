"""pytest's JUnit XML report (``--junitxml``) as test cases."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ferrox.junit import junit_verdict
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
    outcome, why = junit_verdict(case)
    message = (why.get("message") or "") if why is not None else ""
    output = (why.text or "").strip() if why is not None and outcome is TestOutcome.FAILED else ""
    return TestCase(
        suite=f"{label}::{case.get('classname', '')}",
        name=case.get("name", ""),
        outcome=outcome,
        duration_s=float(case.get("time") or 0.0),
        message=message.splitlines()[0] if message else "",
        output=output,
    )
