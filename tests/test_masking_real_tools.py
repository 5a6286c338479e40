"""Masking on real tool output that never passes through the runner's pipes (issue 15).

nextest writes its failure text into a JUnit file; ferrox reads that file, so only masking the
result itself (not the tool's stdout) keeps a secret in it from the terminal and the reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def test_a_secret_in_nextests_junit_failure_text_is_masked_everywhere(
    ferrox: Callable[..., Any],
    fresh_crate: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    crate = fresh_crate("failing_test")
    (crate / "ferrox.toml").write_text('[test]\nrunner = "nextest"\n')
    # The failing test's assertion message, as if it were the value of a secret.
    monkeypatch.setenv("FIXTURE_TOKEN", "two times two")
    result = ferrox("run", "test", "-C", str(crate))
    assert result.code == 1
    # rich folds long cells across lines: compare without any whitespace.
    shown = "".join((result.out + result.err).split())
    assert "twotimestwo" not in shown
    assert "***" in shown
    assert result.report_dir is not None
    for report in result.report_dir.iterdir():
        assert "two times two" not in report.read_text(encoding="utf-8"), report.name
