"""Re-runs and the pinned environment of the test step, on a fixture crate that reproduces both.

``flaky_tests`` holds a test that fails on its first run only (a marker file in its target dir),
one that passes only in one process with its sibling, one whose verdict depends on
RUST_BACKTRACE, and a plain passing test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import ferrox as ferrox_pkg

Call = Callable[..., Any]


def _unstable(report: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["kind"] for item in report["extra"]["unstable"]}


def test_nextest_names_flaky_and_isolation_sensitive_tests(
    ferrox: Call, fresh_crate: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The machine's own value must not reach the tests: the step pins RUST_BACKTRACE=0.
    monkeypatch.setenv("RUST_BACKTRACE", "1")
    crate = fresh_crate("flaky_tests")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "nextest"\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 0, result.out
    assert _unstable(result.report) == {
        "tests::fails_on_first_run": "flaky",
        "tests::relies_on_sibling_state": "isolation-sensitive",
    }
    rules = {f["rule"]: f for f in result.report["findings"]}
    assert rules["test-flaky"]["level"] == "warning"
    assert "tests::fails_on_first_run is flaky" in rules["test-flaky"]["message"]
    assert rules["test-isolation-sensitive"]["level"] == "warning"
    # Located at the failure's panic, so the annotation lands on the assertion.
    located = {r: (f["path"], f["line"], f["column"]) for r, f in rules.items()}
    assert located["test-flaky"] == ("src/lib.rs", 39, 9)
    assert located["test-isolation-sensitive"] == ("src/lib.rs", 28, 9)
    assert result.report["metrics"]["flaky"] == 1
    assert result.report["metrics"]["isolation_sensitive"] == 1
    assert result.report["metrics"]["failed"] == 0
    schema = json.loads(
        (Path(ferrox_pkg.__file__).parent / "report" / "report-v1.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(schema).validate(result.report)
    extra = result.report["extra"]
    assert (extra["runner"], extra["runner_setting"]) == ("nextest", "nextest")
    assert extra["environment"]["RUST_BACKTRACE"] == "0"
    assert extra["environment"]["RUSTFLAGS"] is None
    # The in-process re-run ran the failing test's binary whole, through cargo test.
    argvs = [c["argv"] for c in result.report["commands"]]
    assert ["cargo", "test", "--no-fail-fast", "--message-format", "json",
            "--package=fixture-flaky-tests", "--lib"] in argvs  # fmt: skip


def test_flaky_fail_makes_unstable_tests_fail_the_gate(
    ferrox: Call, fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("flaky_tests")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "nextest"\nflaky = "fail"\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 1, result.out
    gate = next(g for g in result.report["gates"] if g["name"] == "unstable")
    assert (gate["actual"], gate["passed"]) == (2, False)
    assert {f["level"] for f in result.report["findings"]} == {"error"}


def test_cargo_runner_reruns_failed_tests_by_name(
    ferrox: Call, fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("flaky_tests")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "cargo"\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 0, result.out
    # In one process the sibling prepares the state: only the first-run failure was unstable.
    assert _unstable(result.report) == {"tests::fails_on_first_run": "flaky"}
    rerun = [c["argv"] for c in result.report["commands"] if "--exact" in c["argv"]]
    assert rerun and rerun[0][-1] == "tests::fails_on_first_run"


def test_a_test_failing_on_every_rerun_stays_a_failure(
    ferrox: Call, fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("flaky_tests")
    # The config overrides the pins (RUST_LIB_BACKTRACE, read first, unset): the
    # backtrace-sensitive test now fails, every time.
    (crate / "ferrox.toml").write_text(
        '[test]\nrunner = "cargo"\nenv = ["RUST_BACKTRACE=1", "RUST_LIB_BACKTRACE="]\n'
    )
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 1, result.out
    failed = [f for f in result.report["findings"] if f["rule"] == "test-failure"]
    assert [f["message"].split(" failed")[0] for f in failed] == [
        "test cargo-test tests::error_carries_no_backtrace"
    ]
    assert result.report["extra"]["environment"]["RUST_BACKTRACE"] == "1"
    assert "tests::error_carries_no_backtrace" not in _unstable(result.report)


@pytest.mark.parametrize(
    ("entry", "says"),
    [("RUST_BACKTRACE", "not NAME=VALUE"), ("PATH=/tmp", "cannot be pinned")],
)
def test_a_bad_env_override_is_a_config_error(
    ferrox: Call, shared_crates: Path, tmp_path: Path, entry: str, says: str
) -> None:
    import shutil

    crate = tmp_path / "clean"
    shutil.copytree(shared_crates / "clean", crate, ignore=shutil.ignore_patterns("target"))
    (crate / "ferrox.toml").write_text(f'[test]\nenv = ["{entry}"]\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 2
    assert "test.env" in result.err and says in result.err


def test_a_rerun_without_a_clean_answer_keeps_the_failure(
    ferrox: Call, fresh_crate: Callable[[str], Path], fake_tools: Callable[[str, str], Path]
) -> None:
    import shutil

    real = shutil.which("cargo")
    fake_tools(
        "cargo",
        f"""
        import subprocess, sys
        if sys.argv[1] == "test" and "--lib" in sys.argv:
            sys.exit(2)  # the in-process re-run breaks: it must not clear the failure
        sys.exit(subprocess.call([{real!r}, *sys.argv[1:]]))
        """,
    )
    crate = fresh_crate("flaky_tests")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "nextest"\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 1, result.out
    assert _unstable(result.report) == {"tests::fails_on_first_run": "flaky"}
    [failure] = [f for f in result.report["findings"] if f["rule"] == "test-failure"]
    assert "tests::relies_on_sibling_state" in failure["message"]
