"""fmt on real crates with the real rustfmt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ferrox.steps.fmt import parse_check_output


def test_clean_crate_passes(ferrox: Callable[..., object], shared_crates: Path) -> None:
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == 0, result.out
    assert result.report["status"] == "pass"
    assert result.report["findings"] == []


def test_each_unformatted_file_is_a_finding(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    result = ferrox("run", "fmt", "-C", str(shared_crates / "unformatted"))
    assert result.code == 1
    findings = result.report["findings"]
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == [
        ("src/lib.rs", 1, "rustfmt"),
        ("src/other.rs", 1, "rustfmt"),
    ]
    assert result.report["metrics"]["unformatted_files"] == 2
    assert "unformatted files: 2 (allowed: at most 0)" in result.out


def test_fix_formats_then_passes(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("unformatted")
    before = (crate / "src" / "other.rs").read_text()
    result = ferrox("run", "fmt", "-C", str(crate), "--fix")
    assert result.code == 0, result.out
    assert result.report["metrics"]["reformatted_files"] == 2
    assert (crate / "src" / "other.rs").read_text() != before
    assert ferrox("run", "fmt", "-C", str(crate)).code == 0


def test_gate_threshold_is_configurable(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("unformatted")
    (crate / "ferrox.toml").write_text("[fmt]\nmax_unformatted = 2\n")
    assert ferrox("run", "fmt", "-C", str(crate)).code == 0


def test_parse_check_output_understands_both_header_styles() -> None:
    text = (
        "Diff in /w/src/lib.rs:3:\n-a\n+b\nDiff in /w/src/lib.rs:9:\n"
        "Diff in C:\\w\\src\\main.rs:12:\nDiff in /w/old.rs at line 4:\n"
    )
    assert parse_check_output(text) == {
        "/w/src/lib.rs": [3, 9],
        "C:\\w\\src\\main.rs": [12],
        "/w/old.rs": [4],
    }


def test_missing_rustfmt_component_names_the_fix(
    ferrox: Callable[..., object], shared_crates: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools(
        "cargo",
        """
        import sys
        sys.stderr.write("error: 'cargo-fmt' is not installed for the toolchain 'stable'.\\n")
        sys.exit(1)
        """,
    )
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "hint: rustup component add rustfmt" in result.report["error"]


def test_exit_one_without_a_diff_is_not_a_pass(
    ferrox: Callable[..., object], shared_crates: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools(
        "cargo",
        "import sys\nif sys.argv[1:] == ['fmt', '--version']:\n"
        "    print('rustfmt 1.9.0-stable'); sys.exit(0)\n"
        "sys.stderr.write('error: failed to parse manifest\\n')\nsys.exit(1)\n",
    )
    result = ferrox("run", "fmt", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "failed without reporting a diff" in result.report["error"]
    assert result.report["status"] == "error"
