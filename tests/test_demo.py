"""The demo workspace passes every step: it is what `nox -s demo` shows a new user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.parametrize("step", ["fmt", "clippy", "test"])
def test_demo_passes(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path], step: str
) -> None:
    demo = fresh_crate("demo")
    result = ferrox("run", step, "-C", str(demo))
    assert result.code == 0, result.out
    if step == "test":
        names = {t["name"] for t in result.report["tests"]}
        assert "crates/demo-core/src/lib.rs - fibonacci (line 8)" in names  # doc tests ran
        assert result.report["metrics"]["passed"] >= 6
