"""The demo bench's regression knob, for tests that compile a slower head."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from gitrepo import git

BENCH_RS = Path("crates/demo-core/benches/checksum.rs")


def set_slowdown(demo: Path, pct: int) -> None:
    """Sets the ``SLOWDOWN_PCT`` constant of the demo in ``demo`` (P extra calls per 100)."""
    path = demo / BENCH_RS
    text, count = re.subn(
        r"(const SLOWDOWN_PCT\s*:\s*\w+\s*=\s*)\d+", rf"\g<1>{pct}", path.read_text()
    )
    assert count == 1, "the demo bench has no SLOWDOWN_PCT constant"
    path.write_text(text)


def commit_slowdown(repo: Path, pct: int) -> None:
    """Sets the knob in the git repository ``repo`` and commits it."""
    set_slowdown(repo, pct)
    git(repo, "commit", "-q", "-am", f"slow down by {pct}%")


def bench_summary(result: Any) -> dict[str, Any]:
    """The ``summary.json`` a bench run wrote beside its reports."""
    data: dict[str, Any] = json.loads((result.report_dir / "bench" / "summary.json").read_text())
    return data


def add_bench_settings(demo: Path, text: str) -> None:
    """Adds ``text`` to the demo's ``[bench]`` table (other tables may follow it in the file)."""
    config = demo / "ferrox.toml"
    current = config.read_text()
    assert current.count("[bench]\n") == 1, "the demo's ferrox.toml has no [bench] table"
    config.write_text(current.replace("[bench]\n", "[bench]\n" + text, 1))
