"""``[secrets]`` settings are checked when the configuration loads, before detect-secrets runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.config import load_config
from ferrox.errors import ConfigError
from ferrox.steps.secrets import SecretsSettings


def test_a_bad_extra_pattern_stops_the_load_naming_file_and_full_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ferrox.secrets]\nextra_patterns = ["ok_[0-9]+", "(unclosed"]\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path, {"secrets": SecretsSettings})
    assert raised.value.exit_code == 2
    assert raised.value.file == "pyproject.toml"
    assert raised.value.key == "tool.ferrox.secrets.extra_patterns"
    assert "pattern 2 is not a regular expression" in str(raised.value)


def test_ferrox_run_secrets_exits_2_before_the_scanner_starts(
    ferrox: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[object] = []
    monkeypatch.setattr("ferrox.engine.execute", lambda step, ctx: ran.append(step))
    project = tmp_path / "project"
    project.mkdir()
    (project / "ferrox.toml").write_text('[secrets]\nextra_patterns = ["(unclosed"]\n')
    result = ferrox("run", "secrets", "-C", str(project))
    assert result.code == 2
    assert "ferrox.toml, key 'secrets.extra_patterns': pattern 1 is not a regular" in (
        result.err.replace("\n", "")
    )
    assert ran == []


def test_valid_extra_patterns_load() -> None:
    assert SecretsSettings(extra_patterns=("ferrox_[A-Z0-9]{20}",)).extra_patterns == (
        "ferrox_[A-Z0-9]{20}",
    )
