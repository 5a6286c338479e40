"""History mode's own logic: the level of a persisting regression, result files that are missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.bench.modes.history import level_for, result_files
from ferrox.bench.thresholds import Thresholds
from ferrox.errors import UsageError


def test_a_persisting_regression_is_at_least_minor() -> None:
    limits = Thresholds(0.05, 0.10, 0.25)
    assert [level_for(c, limits) for c in (0.01, 0.05, 0.1, 0.3)] == [
        "minor", "minor", "major", "critical"
    ]  # fmt: skip


def test_a_result_file_pattern_matching_nothing_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="matches nothing"):
        result_files(tmp_path, ["missing/*.json"])
    assert result_files(tmp_path, []) == []
