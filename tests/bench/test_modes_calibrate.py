"""Calibrate mode on a copy of the demo: real cargo builds, A/A rounds, the proposal written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demo_knob import add_bench_settings, bench_summary
from gitrepo import init_committed

TINY = """
min_pairs = 6
max_pairs = 8
calibrate_rounds = 2
run_args = ["--rounds", "3", "--round-ms", "2"]
"""


@pytest.fixture
def demo_repo(fresh_crate: Callable[[str], Path]) -> Path:
    demo = fresh_crate("demo")
    add_bench_settings(demo, TINY)
    init_committed(demo)
    return demo


@pytest.mark.slow
def test_calibrate_reports_noise_and_writes_only_when_asked(
    ferrox: Callable[..., Any], demo_repo: Path
) -> None:
    config = demo_repo / "ferrox.toml"
    before = config.read_text()
    shown = ferrox("run", "bench", "-C", str(demo_repo), "--mode", "calibrate")
    assert shown.code == 0, shown.out + shown.err
    summary = bench_summary(shown)
    assert summary["mode"] == "calibrate" and summary["rounds"] == 2
    noise = {n["benchmark"]: n for n in summary["noise"]}
    assert set(noise) == {
        "checksum/adler32_64k", "checksum/fibonacci_x100", "checksum/parse_list_1k"
    }  # fmt: skip
    for entry in noise.values():
        assert entry["pairs"] >= 12 and entry["pair_spread"] >= 0 and "bimodal" in entry
    markdown = (shown.report_dir / "bench" / "calibration.md").read_text()
    assert "| checksum/adler32_64k |" in markdown and "A/A round(s)" in markdown
    assert "Calibration (A/A)" in shown.out
    assert config.read_text() == before  # printed, not written
    written = ferrox("run", "bench", "-C", str(demo_repo), "--mode", "calibrate", "--write")
    assert written.code == 0, written.out + written.err
    proposed = bench_summary(written)["proposed_thresholds"]
    text = config.read_text()
    if proposed:  # a proposal equal to the thresholds in force is not written
        assert all(f'"{entry}"' in text for entry in proposed)
    # Every comment of the demo's configuration survived.
    assert [line for line in before.splitlines() if line.startswith("#")] == [
        line for line in text.splitlines() if line.startswith("#")
    ]
    again = ferrox("run", "bench", "-C", str(demo_repo), "--mode", "calibrate")
    assert again.code == 0, again.out + again.err  # the written file loads
