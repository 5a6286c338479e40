"""Configuration: the three places it can live, and errors that name file, key and choices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

import pytest

from ferrox.config import describe_settings, find_source, load_config, setting
from ferrox.engine import load_project
from ferrox.errors import ConfigError
from ferrox.steps.clippy import ClippySettings
from ferrox.steps.test import TestSettings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_apply_without_any_configuration(tmp_path: Path) -> None:
    config = load_project(tmp_path)
    assert config.source.file is None
    assert config.globals.report_dir == "target/ferrox"
    assert config.for_step("clippy", ClippySettings).deny == ("clippy::suspicious",)
    assert config.for_step("clippy", ClippySettings).warn == ("clippy::unwrap_used",)


def test_pyproject_tool_ferrox_tables_configure_steps(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.ferrox]\nreport_dir = "out"\n\n'
        '[tool.ferrox.clippy]\nmax_warnings = 3\ndeny = []\n\n[tool.ferrox.test]\nrunner = "cargo"\n',
    )
    config = load_project(tmp_path)
    assert config.globals.report_dir == "out"
    clippy = config.for_step("clippy", ClippySettings)
    assert clippy.max_warnings == 3
    assert clippy.deny == ()
    assert config.for_step("test", TestSettings).runner == "cargo"


def test_ferrox_toml_drops_the_prefix_and_accepts_kebab_case(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", "[clippy]\nmax-warnings = 2\n[test]\nallow-no-tests = true\n")
    config = load_project(tmp_path)
    assert config.for_step("clippy", ClippySettings).max_warnings == 2
    assert config.for_step("test", TestSettings).allow_no_tests is True


@pytest.mark.parametrize("table", ["workspace", "package"])
def test_cargo_metadata_table_serves_pure_rust_repositories(tmp_path: Path, table: str) -> None:
    write(tmp_path / "Cargo.toml", f"[{table}.metadata.ferrox.clippy]\nmax_warnings = 7\n")
    config = load_project(tmp_path)
    assert config.source.file == tmp_path / "Cargo.toml"
    assert config.for_step("clippy", ClippySettings).max_warnings == 7


def test_unknown_key_names_file_key_choices_and_the_likely_key(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.ferrox.clippy]\nmax_warning = 1\n")
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path)
    message = str(raised.value)
    assert "pyproject.toml" in message
    assert "'tool.ferrox.clippy.max_warning'" in message
    assert "did you mean 'max_warnings'?" in message
    assert "valid: " in message and "deny" in message
    assert raised.value.exit_code == 2


def test_unknown_step_table_lists_the_steps(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", "[clipy]\nmax_warnings = 1\n")
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path)
    assert "did you mean 'clippy'?" in str(raised.value)
    assert "[fmt]" in str(raised.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[clippy]\nmax_warnings = "3"\n', "expected an integer, got a string ('3')"),
        ("[clippy]\nmax_warnings = true\n", "expected an integer, got a boolean (true)"),
        ("[clippy]\nmax_warnings = -1\n", "-1 is out of range: must be at least 0"),
        ('[clippy]\ndeny = "warnings"\n', "expected a list of strings, got a string"),
        ("[clippy]\ndeny = [1]\n", "expected a list of strings, got a list"),
        ("[clippy]\nall_targets = 1\n", "expected a boolean, got a number (1)"),
        ("[test]\ntimeout = 0\n", "0 is out of range: must be between 1 and 86400"),
        (
            '[test]\nrunner = "nexttest"\n',
            "'nexttest' is not a valid choice; did you mean 'nextest'?",
        ),
        ("report_dir = 5\n", "key 'report_dir': expected a string"),
    ],
)
def test_wrong_types_and_values_are_usage_errors(tmp_path: Path, text: str, expected: str) -> None:
    write(tmp_path / "ferrox.toml", text)
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path)
    assert expected in str(raised.value)
    assert "ferrox.toml" in str(raised.value)


def test_choices_are_listed_for_literal_settings(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", '[test]\nrunner = "pytest"\n')
    with pytest.raises(ConfigError) as raised:
        load_project(tmp_path)
    assert "(valid: auto, nextest, cargo)" in str(raised.value)


def test_float_settings_accept_integers(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", "[test]\ntimeout = 30\n")
    assert load_project(tmp_path).for_step("test", TestSettings).timeout == 30.0


def test_configuration_in_two_places_is_ambiguous(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", "[clippy]\n")
    write(tmp_path / "pyproject.toml", "[tool.ferrox.clippy]\n")
    with pytest.raises(ConfigError, match="keep it in one place"):
        load_project(tmp_path)


def test_invalid_toml_is_reported_with_its_file(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", "[clippy\n")
    with pytest.raises(ConfigError, match=r"ferrox\.toml: not valid TOML"):
        load_project(tmp_path)


def test_a_ferrox_key_that_is_not_a_table_is_rejected(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\nferrox = 3\n")
    with pytest.raises(ConfigError, match="expected a table"):
        find_source(tmp_path)


def test_a_step_key_that_is_not_a_table_is_rejected(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", "clippy = 3\n")
    with pytest.raises(ConfigError, match="'clippy': expected a table"):
        load_project(tmp_path)


def test_settings_describe_themselves() -> None:
    rows = {row[0]: row for row in describe_settings(TestSettings)}
    assert rows["runner"][1] == "'auto' | 'nextest' | 'cargo'"
    assert rows["features"][1] == "list of strings"
    assert rows["timeout"][2] == 3600.0


@dataclass(frozen=True)
class _Renaming:
    """A test-only settings table whose ``unknown-severity`` key was once ``unknown_level``."""

    RENAMED: ClassVar[Mapping[str, str]] = {"unknown-level": "unknown_severity"}

    unknown_severity: str = setting("high", "the severity of findings without one")


@pytest.mark.parametrize("old", ["unknown_level", "unknown-level"])
def test_a_renamed_key_is_an_error_naming_the_new_full_key(tmp_path: Path, old: str) -> None:
    write(tmp_path / "pyproject.toml", f'[tool.ferrox.pip-audit]\n{old} = "low"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path, {"pip-audit": _Renaming})
    assert raised.value.exit_code == 2
    assert raised.value.file == "pyproject.toml"
    assert raised.value.key == f"tool.ferrox.pip-audit.{old}"
    assert "renamed: use 'tool.ferrox.pip-audit.unknown_severity'" in str(raised.value)


def test_the_new_key_of_a_renamed_one_is_accepted(tmp_path: Path) -> None:
    write(tmp_path / "ferrox.toml", '[pip-audit]\nunknown-severity = "low"\n')
    config = load_config(tmp_path, {"pip-audit": _Renaming})
    assert config.for_step("pip-audit", _Renaming).unknown_severity == "low"


def test_the_renamed_map_is_not_a_setting() -> None:
    assert [f.name for f in fields(_Renaming)] == ["unknown_severity"]
    assert [row[0] for row in describe_settings(_Renaming)] == ["unknown_severity"]
