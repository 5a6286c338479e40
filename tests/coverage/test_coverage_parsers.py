"""The coverage parsers on golden files captured from the real tools (version in the folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.coverage.lcov import parse_lcov
from ferrox.coverage.model import CoverageFormatError, FileCoverage, merge_files, totals
from ferrox.coverage.python_json import parse_coverage_py_json

FIXTURES = Path(__file__).parents[1] / "fixtures" / "coverage"
LLVM_COV = FIXTURES / "cargo-llvm-cov-0.9.1" / "demo.lcov"
TARPAULIN = FIXTURES / "cargo-tarpaulin-0.37.5" / "demo.lcov"
COVERAGE_PY = FIXTURES / "coverage.py-7.17.3" / "calc.json"


def test_llvm_cov_lcov_of_the_demo() -> None:
    files = {Path(f.path).name: f for f in parse_lcov(LLVM_COV.read_text())}
    assert set(files) == {"main.rs", "lib.rs"}
    cli, core = files["main.rs"], files["lib.rs"]
    assert (cli.covered, cli.total) == (0, 17)
    assert (core.covered, core.total) == (36, 39)
    assert core.uncovered_lines == (30, 31, 32)
    assert totals([cli, core]).percent == pytest.approx(100 * 36 / 56)
    assert cli.branches_found == 0  # stable llvm-cov measures no branches


def test_tarpaulin_lcov_of_the_demo() -> None:
    files = {f.path.split("/cov-demo/")[1]: f for f in parse_lcov(TARPAULIN.read_text())}
    # tarpaulin leaves test code out (#[cfg(test)]) and lists the never-built bench too.
    assert {name: (f.covered, f.total) for name, f in files.items()} == {
        "crates/demo-cli/src/main.rs": (0, 12),
        "crates/demo-core/benches/checksum.rs": (0, 33),
        "crates/demo-core/src/lib.rs": (16, 18),
    }


def test_coverage_py_json_with_branches() -> None:
    [calc] = parse_coverage_py_json(COVERAGE_PY.read_text())
    assert calc.path == "calc.py"
    assert (calc.covered, calc.total) == (6, 8)
    assert calc.uncovered_lines == (7, 12)
    assert (calc.branches_hit, calc.branches_found) == (1, 2)


def test_a_file_reported_by_two_test_binaries_sums_its_hits() -> None:
    text = "SF:a.rs\nDA:1,0\nDA:2,1\nend_of_record\nSF:a.rs\nDA:1,2\nDA:3,0\nend_of_record\n"
    [merged] = parse_lcov(text)
    assert dict(merged.lines) == {1: 2, 2: 1, 3: 0}
    assert merge_files([FileCoverage("b", {1: 1})])[0].covered == 1


def test_branch_records_count_taken_branches() -> None:
    text = "SF:a.rs\nDA:1,1\nBRDA:1,0,0,3\nBRDA:1,0,1,-\nBRDA:1,0,2,0\nend_of_record\n"
    [item] = parse_lcov(text)
    assert (item.branches_hit, item.branches_found) == (1, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SF:a.rs\nDA:1,1\n", "no end_of_record"),
        ("DA:1,1\nend_of_record\n", "outside a file record"),
        ("SF:a.rs\nDA:x,1\nend_of_record\n", "bad DA record"),
        ("SF:a.rs\nDA:1,1\nSF:b.rs\nend_of_record\n", "SF before end_of_record"),
        ("<html>not a tracefile</html>\n", "not an LCOV record"),
        ("SF:a.rs\nXYZ:1\nend_of_record\n", "unknown LCOV record"),
        ("end_of_record\n", "without SF"),
    ],
)
def test_malformed_lcov_is_refused(text: str, message: str) -> None:
    with pytest.raises(CoverageFormatError, match=message):
        parse_lcov(text)


@pytest.mark.parametrize("text", ["{", "[]", '{"files": {"a.py": {"executed_lines": "x"}}}'])
def test_malformed_coverage_py_json_is_refused(text: str) -> None:
    with pytest.raises(CoverageFormatError, match=r"not a coverage\.py JSON report"):
        parse_coverage_py_json(text)
