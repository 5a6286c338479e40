"""Cargo version requirements, as the stale-lock check reads them."""

from __future__ import annotations

import pytest

from ferrox.rust.lock_sync import matches


@pytest.mark.parametrize(
    ("requirement", "version", "expected"),
    [
        ("=0.6.9", "0.6.9", True),
        ("=0.6.9", "0.6.10", False),
        ("=2.3", "2.3.7", True),
        ("^1.2", "1.9.0", True),
        ("^1.2", "2.0.0", False),
        ("1.2.3", "1.2.2", False),
        ("0.2.3", "0.2.9", True),
        ("0.2.3", "0.3.0", False),
        ("^0.0.3", "0.0.4", False),
        ("~1.2.3", "1.2.9", True),
        ("~1.2.3", "1.3.0", False),
        ("~1", "1.9.0", True),
        ("~1", "2.0.0", False),
        (">=1, <2", "1.5.0", True),
        (">=1, <2", "2.0.0", False),
        (">1.2", "1.2.5", False),
        (">1.2", "1.3.0", True),
        ("<1.2", "1.2.0", False),
        ("<=1.2", "1.2.9", True),
        ("1.*", "1.9.9", True),
        ("1.*", "2.0.0", False),
        ("*", "9.9.9", True),
        ("=1.0.0-beta.2", "1.0.0-beta.2", True),
    ],
)
def test_requirements_match_like_cargo(requirement: str, version: str, expected: bool) -> None:
    assert matches(requirement, version) is expected
