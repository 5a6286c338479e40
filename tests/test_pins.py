"""Pinned tools: the pin file, installed-version checks and the install plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.errors import ConfigError
from ferrox.pins import find_pin_file, load_pins, plan_install, survey
from ferrox.tools import ToolRunner
from trust_faults import fault

REPO = Path(__file__).parents[1]


def test_this_repository_pins_live_in_ci(tmp_path: Path) -> None:
    assert find_pin_file(REPO / "examples" / "demo") == REPO / "ci" / "tools.toml"
    pins = load_pins(REPO / "ci" / "tools.toml")
    names = [tool.name for tool in pins.cargo_tools]
    assert names == [
        "cargo-nextest", "cargo-audit", "cargo-geiger", "cargo-tarpaulin", "cargo-llvm-cov",
        "cargo-outdated",
        "cargo-zigbuild",
    ]  # fmt: skip
    assert pins.components == ("rustfmt", "clippy", "llvm-tools-preview")


def test_a_project_pin_file_wins(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "tools.toml").write_text('[cargo.cargo-x]\nversion = "1.0.0"\n')
    assert find_pin_file(tmp_path) == tmp_path / "ci" / "tools.toml"


def test_without_a_project_pin_file_ferrox_uses_its_own(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert find_pin_file(tmp_path).name == "tools.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[cargo.x]\nversion = 1\n", "cargo.x.version"),
        ('[cargo.x]\nversion = "not a version"\n', "is not a version"),
        ('[cargo.x]\nversion = "1.0.0"\nbin = "x"\n', "cargo.x.bin"),
        ("[npm]\n", "unknown table"),
        ("[cargo\n", "cannot read the pin file"),
    ],
)
def test_bad_pin_files_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "tools.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_pins(path)


def test_tools_at_their_pinned_version_are_skipped(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("cargo-pinned", "print('cargo-pinned 1.2.3 (abc 2026-01-01)')\n")
    fake_tools("cargo-old", "print('cargo-old 0.9.0')\n")
    path = tmp_path / "tools.toml"
    path.write_text(
        '[rustup]\ncomponents = ["rustfmt"]\n'
        '[cargo.cargo-pinned]\nversion = "1.2.3"\n'
        '[cargo.cargo-old]\nversion = "1.0.0"\n'
        '[cargo.cargo-absent]\nversion = "2.0.0"\ncrate = "absent-crate"\n'
    )
    pins = load_pins(path)
    states = {s.name: s for s in survey(ToolRunner(), pins, tmp_path)}
    assert states["cargo-pinned"].status == "ok"
    assert states["cargo-old"].status == "mismatch"
    assert states["cargo-absent"].status == "missing"
    actions = plan_install(pins, list(states.values()))
    assert [a.argv for a in actions] == [
        (
            "cargo",
            "install",
            "--locked",
            "--root",
            "<tools home>/cargo-old-1.0.0",
            "--version",
            "1.0.0",
            "cargo-old",
        ),
        (
            "cargo",
            "install",
            "--locked",
            "--root",
            "<tools home>/cargo-absent-2.0.0",
            "--version",
            "2.0.0",
            "absent-crate",
        ),
    ]
    assert actions[0].reason == "installed 0.9.0, pinned 1.0.0"
    only = plan_install(pins, list(states.values()), ("cargo-absent",))
    assert [a.name for a in only] == ["cargo-absent"]
    with pytest.raises(ConfigError, match="unknown tool"):
        plan_install(pins, list(states.values()), ("nope",))


def test_missing_components_are_added_with_rustup(
    tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("rustfmt", "import sys\nsys.exit(1)\n")  # a broken rustup proxy: not usable
    path = tmp_path / "tools.toml"
    path.write_text('[rustup]\ncomponents = ["rustfmt"]\n')
    pins = load_pins(path)
    actions = plan_install(pins, survey(ToolRunner(), pins, tmp_path))
    assert [a.argv for a in actions] == [("rustup", "component", "add", "rustfmt")]


def test_tools_install_skips_what_is_already_at_its_pin(
    ferrox: Callable[..., object], shared_crates: Path
) -> None:
    # cargo-nextest is installed on this machine kind at the version ci/tools.toml pins.
    result = ferrox("tools", "install", "cargo-nextest", "-C", str(REPO))
    assert result.code == 0, result.out + result.err
    assert "all pinned tools are installed" in result.out


@pytest.mark.parametrize(
    ("row", "spec"),
    [
        ("T24", 'version = "0.1.0"\ncrate = "--git=https://example.invalid/evil"\n'),
        ("T25", 'version = "0.1.0"\nwheel = "--index-url=https://example.invalid/simple"\n'),
    ],
)
def test_option_like_pin_names_never_reach_an_installer(
    ferrox: Callable[..., object], tmp_path: Path, row: str, spec: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "tools.toml").write_text(f"[cargo.cargo-nothere]\n{spec}")
    result: Any = ferrox("tools", "install", "--dry-run", "-C", str(tmp_path))
    assert result.code == fault(row).exit
    assert fault(row).message in result.err
    assert "cargo install" not in result.out


def test_tools_install_dry_run_prints_commands(
    ferrox: Callable[..., object], tmp_path: Path
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "tools.toml").write_text('[cargo.cargo-nothere]\nversion = "0.1.0"\n')
    result = ferrox("tools", "install", "--dry-run", "-C", str(tmp_path))
    assert result.code == 0
    assert (
        "cargo install --locked --root <tools home>/cargo-nothere-0.1.0 --version 0.1.0 cargo-nothere"
        in result.out
    )


def test_failed_install_is_a_tool_error(
    ferrox: Callable[..., object], tmp_path: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools(
        "cargo",
        "import sys\nprint('error: could not find `cargo-nothere`', file=sys.stderr)\nsys.exit(101)\n",
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "tools.toml").write_text('[cargo.cargo-nothere]\nversion = "0.1.0"\n')
    result = ferrox("tools", "install", "-C", str(tmp_path))
    assert result.code == 3
    assert "installing cargo-nothere failed (exit 101)" in result.err
