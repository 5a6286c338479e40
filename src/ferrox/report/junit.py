"""JUnit XML for test results, the format every CI system renders."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ferrox.model import TestCase, TestOutcome


def render(cases: tuple[TestCase, ...], name: str = "ferrox") -> str:
    """A ``<testsuites>`` document with one ``<testsuite>`` per suite."""
    by_suite: dict[str, list[TestCase]] = defaultdict(list)
    for case in cases:
        by_suite[case.suite].append(case)
    root = ET.Element("testsuites", _counts(cases) | {"name": name})
    for suite_name, suite_cases in by_suite.items():
        suite = ET.SubElement(root, "testsuite", _counts(suite_cases) | {"name": suite_name})
        for case in suite_cases:
            element = ET.SubElement(
                suite,
                "testcase",
                {"name": case.name, "classname": suite_name, "time": f"{case.duration_s:.3f}"},
            )
            if case.outcome is TestOutcome.FAILED:
                failure = ET.SubElement(element, "failure", {"message": case.message or "failed"})
                failure.text = case.output
            elif case.outcome is TestOutcome.SKIPPED:
                ET.SubElement(element, "skipped")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _counts(cases: list[TestCase] | tuple[TestCase, ...]) -> dict[str, str]:
    return {
        "tests": str(len(cases)),
        "failures": str(sum(1 for c in cases if c.outcome is TestOutcome.FAILED)),
        "skipped": str(sum(1 for c in cases if c.outcome is TestOutcome.SKIPPED)),
        "errors": "0",
        "time": f"{sum(c.duration_s for c in cases):.3f}",
    }
