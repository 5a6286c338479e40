"""The release's benchmark rule: a critical slowdown since the previous release blocks it.

``bench`` is not a default gate (it builds two versions and measures for minutes); a project
that lists it in ``[release] gates`` gets it run *paired* against the previous release tag,
whatever mode it configures for pull requests, with only ``critical`` failing (25% slower by
default): the pull-request gate has already judged the 5-10% changes one by one, and what a
release must not ship is the large slowdown they add up to. The first release has no previous
tag, so there is nothing to compare against: the gate is skipped with a note, not failed.
"""

from __future__ import annotations

from typing import Any

GATE = "bench"
FAIL_LEVEL = "critical"


def overrides(previous_tag: str) -> tuple[tuple[str, Any], ...]:
    """The bench settings of the release gate: paired, against the tag, only critical fails."""
    # The full ref: a branch of the same name must not be what gets compared.
    return (("mode", "paired"), ("base", f"refs/tags/{previous_tag}"), ("paired_fail", FAIL_LEVEL))


def skipped_note() -> str:
    """What the release says when there is no previous release to compare against."""
    return "gate bench skipped: no previous release tag to compare the benchmarks against"


def command(previous_tag: str | None) -> str:
    """The gate as the release plan lists it."""
    if previous_tag is None:
        return "ferrox run bench  # skipped: no previous release to compare against"
    return (
        f"ferrox run bench --mode paired --base refs/tags/{previous_tag}"
        "  # only a critical slowdown blocks the release"
    )
