"""Patch coverage: the diff parser, the measure, and ref validation against a real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.coverage import patch
from ferrox.coverage.model import FileCoverage
from ferrox.errors import UsageError
from ferrox.tools import ToolRunner
from gitrepo import git, init_committed

DIFF = """\
diff --git a/src/lib.rs b/src/lib.rs
index 1..2 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -3,0 +4,3 @@ pub fn add(left: u64, right: u64) -> u64 {
+pub fn sub(a: u64, b: u64) -> u64 {
+    a - b
+}
@@ -10 +13 @@ mod tests {
-        old
+        new
@@ -20,2 +22,0 @@
-gone
-gone
diff --git a/old.rs b/old.rs
deleted file mode 100644
--- a/old.rs
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git "a/we\\tird.rs" "b/we\\tird.rs"
--- "a/we\\tird.rs"
+++ "b/we\\tird.rs"
@@ -0,0 +1 @@
+fn f() {}
"""


def test_added_lines_per_file() -> None:
    changed = patch.parse_unified_diff(DIFF)
    assert changed == {"src/lib.rs": frozenset({4, 5, 6, 13}), "we\tird.rs": frozenset({1})}


def test_only_instrumented_changed_lines_count() -> None:
    files = [FileCoverage("src/lib.rs", {4: 0, 5: 0, 13: 2, 30: 0})]
    result = patch.measure(files, {"src/lib.rs": frozenset({4, 5, 6, 13})})
    assert (result.covered, result.total) == (1, 3)
    assert result.uncovered == {"src/lib.rs": (4, 5)}
    assert result.percent == pytest.approx(100 / 3)
    assert patch.measure(files, {"README.md": frozenset({1})}).percent is None


def test_ranges_fold_consecutive_lines() -> None:
    assert patch.ranges([7, 3, 4, 5, 9]) == [(3, 5), (7, 7), (9, 9)]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "a.rs").write_text("fn a() {}\n")
    init_committed(tmp_path)
    git(tmp_path, "switch", "-q", "-c", "feature")
    (tmp_path / "a.rs").write_text("fn a() {}\nfn b() {}\n")
    git(tmp_path, "commit", "-qam", "b")
    return tmp_path


def test_base_is_the_merge_base_and_the_diff_its_added_lines(repo: Path) -> None:
    runner = ToolRunner()
    base = patch.resolve_base(runner, repo, "main")
    assert base is not None and base.commit == git(repo, "rev-parse", "main")
    assert patch.changed_lines(runner, repo, base) == {"a.rs": frozenset({2})}
    auto = patch.resolve_base(runner, repo, "")  # no ref: the default branch (main) is found
    assert auto is not None and auto.ref == "main"


@pytest.mark.parametrize("ref", ["nope", "--output=/tmp/x", "-p"])
def test_a_missing_or_option_like_ref_is_a_usage_error_naming_it(repo: Path, ref: str) -> None:
    with pytest.raises(UsageError, match=f"base ref '{ref}'"):
        patch.resolve_base(ToolRunner(), repo, ref)


def test_outside_git_there_is_no_patch(tmp_path: Path) -> None:
    assert patch.resolve_base(ToolRunner(), tmp_path, "") is None
