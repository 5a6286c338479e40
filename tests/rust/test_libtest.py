"""libtest's human output and nextest's JUnit, parsed (no cargo run)."""

from __future__ import annotations

import pytest

from ferrox.model import TestOutcome as Outcome
from ferrox.rust.libtest import (
    TestOutputError,
    doctest_location,
    panic_location,
    parse_libtest,
    parse_nextest_junit,
)

LIBTEST_OUTPUT = """
running 3 tests
test a::ok ... ok
test a::skip ... ignored, needs a database
test a::bad ... FAILED

failures:

---- a::bad stdout ----

thread 'a::bad' panicked at src/a.rs:10:5:
boom
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    a::bad

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.00s
"""


def test_parse_libtest_reads_outcomes_and_failure_output() -> None:
    cases = parse_libtest(LIBTEST_OUTPUT, "suite")
    assert [(c.name, c.outcome) for c in cases] == [
        ("a::ok", Outcome.PASSED),
        ("a::skip", Outcome.SKIPPED),
        ("a::bad", Outcome.FAILED),
    ]
    bad = cases[2]
    assert bad.message == "boom"
    location = panic_location(bad.output)
    assert location is not None
    assert (location.path, location.line, location.column) == ("src/a.rs", 10, 5)


def test_truncated_libtest_output_is_rejected() -> None:
    truncated = LIBTEST_OUTPUT.replace("test a::ok ... ok\n", "")
    # Caught twice over: the binary reported fewer tests than it announced, and the summary.
    with pytest.raises(TestOutputError, match=r"announced 3 test.* reported 2"):
        parse_libtest(truncated, "suite")


def test_a_binary_ended_by_a_test_is_rejected_naming_it() -> None:
    # A test called std::process::exit(0): the binary announced 2 tests, reported none and
    # printed no summary; the next binary ran normally.
    text = (
        "running 2 tests\n"
        "running 1 test\ntest b ... ok\n\n"
        "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out\n"
    )
    binaries = ["Running unittests src/lib.rs (target/debug/deps/x-1)", "Running tests/b.rs"]
    with pytest.raises(TestOutputError, match=r"unittests src/lib.rs .* announced 2 test\(s\)"):
        parse_libtest(text, "suite", binaries)
    last = "running 1 test\ntest b ... ok\n"  # the last binary ended before its summary
    with pytest.raises(TestOutputError, match="test binary #1 announced 1"):
        parse_libtest(last, "suite")


def test_nextest_junit_is_checked_for_consistency() -> None:
    xml = (
        '<testsuites><testsuite name="s" tests="2"><testcase name="a" time="0.1"/>'
        "</testsuite></testsuites>"
    )
    with pytest.raises(TestOutputError, match="declares 2 tests but lists 1"):
        parse_nextest_junit(xml)
    with pytest.raises(TestOutputError, match="not valid XML"):
        parse_nextest_junit("<testsuites>")


def test_nextest_junit_outcomes() -> None:
    xml = (
        '<testsuites><testsuite name="s" tests="3">'
        '<testcase name="a" time="0.1"/>'
        '<testcase name="b"><skipped/></testcase>'
        '<testcase name="c"><failure message="m">thread \'c\' panicked at src/x.rs:1:2:\nno\n</failure></testcase>'
        "</testsuite></testsuites>"
    )
    cases = parse_nextest_junit(xml)
    assert [c.outcome for c in cases] == [Outcome.PASSED, Outcome.SKIPPED, Outcome.FAILED]
    assert cases[2].message == "no"


def test_doctest_location() -> None:
    assert doctest_location("crates/x/src/lib.rs - f (line 8)") == ("crates/x/src/lib.rs", 8)
    assert doctest_location("tests::plain") is None
