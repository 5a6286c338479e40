"""nextest's retries in its JUnit report, and the cargo test options for a nextest binary id."""

from __future__ import annotations

import pytest

from ferrox.rust.flaky import cargo_target_args, nextest_flaky_attempts, safe_test_filter
from ferrox.rust.libtest import TestOutputError

JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="3" failures="1">
  <testsuite name="pkg" tests="3" failures="1">
    <testcase name="a::steady" classname="pkg" time="0.1"/>
    <testcase name="a::flaky" classname="pkg" time="0.1">
      <flakyFailure message="m" type="t">first failure text</flakyFailure>
      <flakyFailure message="m" type="t">second</flakyFailure>
    </testcase>
    <testcase name="a::broken" classname="pkg" time="0.1">
      <failure message="m" type="t">always</failure>
      <rerunFailure message="m" type="t">always</rerunFailure>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_flaky_attempts_come_from_flaky_failures_only() -> None:
    assert nextest_flaky_attempts(JUNIT) == {("pkg", "a::flaky"): (2, "first failure text")}


def test_unreadable_junit_is_an_error() -> None:
    with pytest.raises(TestOutputError):
        nextest_flaky_attempts("<testsuites")


@pytest.mark.parametrize(
    ("binary_id", "args"),
    [
        ("pkg", ["--package=pkg", "--lib"]),
        ("pkg::integration", ["--package=pkg", "--test=integration"]),
        ("pkg::bin/tool", ["--package=pkg", "--bin=tool"]),
        ("pkg::example/demo", ["--package=pkg", "--example=demo"]),
        ("other", None),  # not a workspace member
        ("pkg::--config=evil", None),  # never an option for cargo
        ("pkg::bin/a b", None),
    ],
)
def test_binary_ids_map_to_cargo_test_targets(binary_id: str, args: list[str] | None) -> None:
    assert cargo_target_args(binary_id, {"pkg"}) == args


def test_names_that_look_like_options_are_never_filters() -> None:
    assert safe_test_filter("tests::adds")
    assert not safe_test_filter("--nocapture")
    assert not safe_test_filter("")
