"""audit, geiger and licenses pass on the demo workspace, as `nox -s demo` runs them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.parametrize("step", ["audit", "geiger", "licenses"])
def test_demo_passes(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path], step: str
) -> None:
    demo = fresh_crate("demo")
    result = ferrox("run", step, "-C", str(demo))
    assert result.code == 0, result.out
    assert result.report["findings"] == []
    if step == "geiger":
        assert result.report["metrics"]["own_crates"] == 2
    if step == "audit":
        assert result.report["metrics"]["advisories_in_db"] == 1
