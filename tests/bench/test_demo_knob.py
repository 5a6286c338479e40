"""The demo bench's slowdown knob is exact: every timed round makes exactly P% more calls.

A round of the demo's harness holds a calibrated number of iterations (about 35 for
adler32_64k); before, the knob's extra calls came in whole units spread across rounds, so a 10%
knob made 3 or 4 extra calls in a round of 35 (8.6% or 11.4%) and the median round showed
either. Now each round holds whole knob periods and starts with no credit. The harness reports
its calls per round on stderr; these tests read them, never a time (the measured effect is in
docs/benchmarks.md, from benchmarks/demo_knob.py).
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
_CALLS = re.compile(r"^(?P<name>\w+): (?P<iterations>\d+) iterations \+ (?P<extra>\d+) extra calls")


@pytest.fixture(scope="module")
def demo_bench(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's checksum bench binary, built once (release profile)."""
    target = tmp_path_factory.mktemp("demo-knob-target")
    built = subprocess.run(
        ["cargo", "bench", "--bench", "checksum", "--no-run", "--message-format", "json"],
        cwd=DEMO, check=True, capture_output=True, text=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(target)},
    ).stdout  # fmt: skip
    (binary,) = [
        Path(m["executable"])
        for m in map(json.loads, built.splitlines())
        if m.get("reason") == "compiler-artifact" and m.get("executable")
    ]
    return binary


def _calls(binary: Path, pct: int, *args: str) -> dict[str, tuple[int, int]]:
    done = subprocess.run(
        [str(binary), "--bench", *args], check=True, capture_output=True, text=True,
        env={**os.environ, "DEMO_SLOWDOWN_PCT": str(pct)},
    )  # fmt: skip
    found = {}
    for line in done.stderr.splitlines():
        if match := _CALLS.match(line):
            found[match["name"]] = (int(match["iterations"]), int(match["extra"]))
    assert found.keys() == {"adler32_64k", "parse_list_1k", "fibonacci_x100"}, done.stderr
    return found


@pytest.mark.parametrize("pct", [0, 3, 5, 10, 25, 300])
def test_every_round_makes_exactly_the_knobs_extra_calls(demo_bench: Path, pct: int) -> None:
    period = 100 // math.gcd(pct, 100)
    for name, (iterations, extra) in _calls(
        demo_bench, pct, "--rounds", "2", "--round-ms", "1"
    ).items():
        assert iterations % period == 0, (name, iterations, period)
        assert extra * 100 == iterations * pct, (name, iterations, extra)


def test_a_fixed_iteration_count_keeps_its_size(demo_bench: Path) -> None:
    # Instructions mode runs `--iterations 100`: 10% is then exactly 10 extra calls.
    calls = _calls(demo_bench, 10, "--iterations", "100")
    assert set(calls.values()) == {(100, 10)}
