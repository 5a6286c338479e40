"""clippy on real crates with the real clippy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ferrox.steps.clippy import ClippySettings, command_args


def test_clean_crate_passes(ferrox: Callable[..., object], shared_crates: Path) -> None:
    result = ferrox("run", "clippy", "-C", str(shared_crates / "clean"))
    assert result.code == 0, result.out
    assert result.report["metrics"] == {"errors": 0, "warnings": 0}


def test_lints_become_located_findings_once_each(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    result = ferrox("run", "clippy", "-C", str(shared_crates / "clippy_warnings"))
    assert result.code == 1
    found = sorted(
        (f["rule"], f["level"], f["path"], f["line"], f["column"])
        for f in result.report["findings"]
    )
    # --all-targets reports each lint for `lib` and `lib test`; ferrox keeps one of each.
    assert found == [
        ("clippy::needless_return", "warning", "src/lib.rs", 16, 5),
        ("clippy::suspicious_map", "error", "src/lib.rs", 11, 5),
        ("clippy::unwrap_used", "warning", "src/lib.rs", 6, 5),
    ]
    unwrap = next(f for f in result.report["findings"] if f["rule"] == "clippy::unwrap_used")
    assert unwrap["help_uri"].endswith("#unwrap_used")
    assert {g["name"]: g["passed"] for g in result.report["gates"]} == {
        "errors": False,
        "warnings": False,
    }


def test_warning_budget_is_configurable(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    crate = fresh_crate("clippy_warnings")
    config = '[clippy]\nmax_warnings = {}\ndeny = []\nwarn = ["clippy::unwrap_used"]\n'
    (crate / "ferrox.toml").write_text(config.format(3))
    result = ferrox("run", "clippy", "-C", str(crate))
    assert result.code == 0, result.out
    assert result.report["metrics"] == {"errors": 0, "warnings": 3}
    (crate / "ferrox.toml").write_text(config.format(2))
    assert ferrox("run", "clippy", "-C", str(crate)).code == 1


def test_code_that_does_not_compile_is_a_finding(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    result = ferrox("run", "clippy", "-C", str(shared_crates / "broken"))
    assert result.code == 1
    [finding] = result.report["findings"]
    assert finding["rule"] == "rustc::E0308"
    assert finding["message"] == "mismatched types"
    assert (finding["path"], finding["line"]) == ("src/lib.rs", 4)
    assert "expected `u32`" in finding["detail"]


def test_lint_flags_follow_settings() -> None:
    args = command_args(
        ClippySettings(deny=("warnings",), warn=(), allow=("clippy::x",), features=("a", "b"))
    )
    assert args[-4:] == ["-D", "warnings", "-A", "clippy::x"]
    assert "--features=a,b" in args  # one token: a feature list never reads as an option


def test_non_json_output_is_a_tool_error(
    ferrox: Callable[..., object], shared_crates: Path, fake_cargo: Callable[[str], Path]
) -> None:
    fake_cargo("""print('{"reason": "compiler-message", "message": {"level": "warn')\n""")
    result = ferrox("run", "clippy", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "not cargo JSON" in result.report["error"]


def test_failure_without_diagnostics_is_a_tool_error(
    ferrox: Callable[..., object], shared_crates: Path, fake_cargo: Callable[[str], Path]
) -> None:
    fake_cargo("sys.exit(101)\n")
    result = ferrox("run", "clippy", "-C", str(shared_crates / "clean"))
    assert result.code == 3
    assert "exited 101 without a usable result" in result.report["error"]


def test_paths_are_relative_to_the_project_when_run_on_a_member(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path]
) -> None:
    demo = fresh_crate("demo")
    lib = demo / "crates" / "demo-core" / "src" / "lib.rs"
    lib.write_text(
        lib.read_text() + "\npub fn first(v: &[u8]) -> u8 {\n    *v.first().unwrap()\n}\n"
    )
    result = ferrox("run", "clippy", "-C", str(demo / "crates" / "demo-core"))
    assert result.code == 1
    [finding] = [f for f in result.report["findings"] if f["rule"] == "clippy::unwrap_used"]
    # rustc says crates/demo-core/src/lib.rs (workspace-relative); the report is -C relative.
    assert finding["path"] == "src/lib.rs"
