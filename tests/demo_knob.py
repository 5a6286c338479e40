"""The demo bench's regression knob, for tests that compile a slower head."""

from __future__ import annotations

import re
from pathlib import Path

BENCH_RS = Path("crates/demo-core/benches/checksum.rs")


def set_slowdown(demo: Path, pct: int) -> None:
    """Sets the ``SLOWDOWN_PCT`` constant of the demo in ``demo`` (P extra calls per 100)."""
    path = demo / BENCH_RS
    text, count = re.subn(
        r"(const SLOWDOWN_PCT\s*:\s*\w+\s*=\s*)\d+", rf"\g<1>{pct}", path.read_text()
    )
    assert count == 1, "the demo bench has no SLOWDOWN_PCT constant"
    path.write_text(text)
