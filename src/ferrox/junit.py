"""One JUnit ``testcase`` element's verdict, as pytest's and nextest's reports both write it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ferrox.model import TestOutcome


def junit_verdict(case: ET.Element) -> tuple[TestOutcome, ET.Element | None]:
    """The case's outcome and the element that says why (``failure`` or ``error``; ``skipped``)."""
    failure = case.find("failure")
    if failure is None:
        failure = case.find("error")
    if failure is not None:
        return TestOutcome.FAILED, failure
    skipped = case.find("skipped")
    if skipped is not None:
        return TestOutcome.SKIPPED, skipped
    return TestOutcome.PASSED, None
