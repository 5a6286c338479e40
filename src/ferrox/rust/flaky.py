"""What re-runs need from nextest: which tests passed only on a retry, and how to re-run a binary.

nextest's JUnit report keeps every attempt: a test that passed after failing carries
``<flakyFailure>`` elements, one per failed attempt (a test that never passed has ``<failure>``
and ``<rerunFailure>`` instead).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection

from ferrox.rust.libtest import TestOutputError

# nextest's binary id: `pkg` (the library's unit tests), `pkg::name` (tests/name.rs),
# `pkg::bin/name`, `pkg::example/name`, `pkg::bench/name`.
_BINARY_ID = re.compile(
    r"^(?P<package>[^:]+)(?:::(?:(?P<kind>bin|example|bench)/)?(?P<target>.+))?$"
)
# Cargo's own rules for package and target names: nothing a parser could take for an option.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


def nextest_flaky_attempts(xml_text: str) -> dict[tuple[str, str], tuple[int, str]]:
    """(binary id, test name) -> (failed attempts before the pass, the first failure's output)."""
    try:
        root = ET.fromstring(xml_text)  # noqa: S314 - our own tool's output, not untrusted input
    except ET.ParseError as exc:
        raise TestOutputError(f"nextest's JUnit report is not valid XML: {exc}") from exc
    flaky: dict[tuple[str, str], tuple[int, str]] = {}
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            attempts = case.findall("flakyFailure")
            if attempts and case.find("failure") is None and case.find("error") is None:
                output = (attempts[0].text or "").strip()
                flaky[(suite.get("name", ""), case.get("name", ""))] = (len(attempts), output)
    return flaky


def cargo_target_args(binary_id: str, packages: Collection[str]) -> list[str] | None:
    """``cargo test`` options selecting the test binary nextest calls ``binary_id``.

    None when the id names no workspace package or an unusual target: the caller then keeps the
    failure as it is rather than run something else.
    """
    match = _BINARY_ID.match(binary_id)
    if match is None or match["package"] not in packages:
        return None
    selection = [f"--package={match['package']}"]
    target = match["target"]
    if target is None:
        return [*selection, "--lib"]
    if not _SAFE_NAME.match(target):
        return None
    return [*selection, f"--{match['kind'] or 'test'}={target}"]


def safe_test_filter(name: str) -> bool:
    """Whether a test name can be given to libtest as a filter (never read as an option)."""
    return bool(name) and not name.startswith("-") and "\n" not in name
