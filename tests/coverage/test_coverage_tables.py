"""Per-crate grouping, thresholds, tables and the badge."""

from __future__ import annotations

import pytest

from ferrox.coverage import tables
from ferrox.coverage.backends import ptrace_denied
from ferrox.coverage.model import FileCoverage


def test_files_go_to_the_deepest_crate_directory() -> None:
    files = [
        FileCoverage("src/lib.rs", {1: 1}),
        FileCoverage("crates/inner/src/lib.rs", {1: 0, 2: 1}),
        FileCoverage("build/outside.rs", {1: 1}),
    ]
    groups = tables.group_by_crate(files, {"root": ".", "inner": "crates/inner"})
    by_name = {g.name: [f.path for f in g.files] for g in groups}
    assert by_name == {
        "inner": ["crates/inner/src/lib.rs"],
        "root": ["src/lib.rs", "build/outside.rs"],
    }
    only_members = tables.group_by_crate(files, {"inner": "crates/inner"})
    assert [g.name for g in only_members] == ["inner"]


def test_excluded_files_are_matched_inside_their_crate() -> None:
    files = [
        FileCoverage("crates/core/benches/speed.rs", {1: 0}),
        FileCoverage("crates/core/src/benches/x.rs", {1: 1}),
        FileCoverage("benches/top.rs", {1: 0}),
    ]
    groups = tables.group_by_crate(files, {"core": "crates/core", "top": "."}, ["benches/*"])
    assert {g.name: [f.path for f in g.files] for g in groups} == {
        "core": ["crates/core/src/benches/x.rs"]
    }


def test_thresholds_parse_and_refuse_bad_entries() -> None:
    assert tables.parse_thresholds(["a=50", " b = 0"]) == {"a": 50.0, "b": 0.0}
    for bad in ("a", "=5", "a=x", "a=101", "a=-1"):
        with pytest.raises(ValueError, match="NAME=PERCENT"):
            tables.parse_thresholds([bad])


@pytest.mark.parametrize(
    ("percent", "colour"),
    [
        (95.0, "brightgreen"),
        (80.0, "green"),
        (64.3, "yellow"),
        (55.0, "orange"),
        (10, "red"),
        (None, "lightgrey"),
    ],
)
def test_badge_is_a_shields_endpoint(percent: float | None, colour: str) -> None:
    badge = tables.badge(percent)
    assert badge["schemaVersion"] == 1 and badge["label"] == "coverage"
    assert badge["color"] == colour
    assert badge["message"] == ("n/a" if percent is None else f"{percent:.1f}%")


def test_markdown_and_data_tables() -> None:
    groups = tables.group_by_crate([FileCoverage("src/a|b.rs", {1: 1, 2: 0})], {"c": "."})
    text = tables.markdown(groups, {"c": 80.0})
    assert "| `c` | rust | 2 | 1 | 50.0% | 80% |" in text
    assert "`src/a\\|b.rs`" in text
    [crate] = tables.as_data(groups)
    assert crate["percent"] == 50.0 and crate["files"][0]["uncovered_lines"] == [2]


def test_ptrace_refusals_are_recognised() -> None:
    assert ptrace_denied("ERROR cargo_tarpaulin: Failed to trace! EPERM: Operation not permitted")
    assert ptrace_denied("Error: personality(ADDR_NO_RANDOMIZE) failed: EPERM")
    assert not ptrace_denied("error: test failed, to rerun pass `--lib`")
