"""Parsers on golden files: real tool output where the tool runs here, documented format otherwise.

See tests/fixtures/bench/README.md for where each file came from and what it must produce.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ferrox.bench.parsers import (
    ParseError,
    callgrind,
    criterion,
    divan,
    hyperfine,
    libtest,
    parse_path,
    pytest_benchmark,
)

GOLDEN = Path(__file__).parent.parent / "fixtures" / "bench"


def test_libtest_real_demo_harness_output() -> None:
    found = parse_path(GOLDEN / "demo-checksum-libtest.txt", suite="checksum")
    assert [m.key for m in found] == [
        "checksum/adler32_64k",
        "checksum/parse_list_1k",
        "checksum/fibonacci_x100",
    ]
    assert all(m.unit == "ns" and len(m.samples) == 1 and m.value > 0 for m in found)


def test_libtest_documented_format_with_commas_decimals_and_padding() -> None:
    text = (GOLDEN / "libtest-documented.txt").read_text()
    found = libtest.parse_bench_lines(text, "unit")
    assert [(m.benchmark, m.value) for m in found] == [
        ("tests::bench_add_two", 1234.0),
        ("tests::bench_parse", 2500.5),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("test x ... bench: lots ns/iter (+/- 1)", "malformed"),
        ("test x ... bench: 5 ns/iter (+/- 1)\ntest x ... bench: 6 ns/iter (+/- 1)", "twice"),
    ],
)
def test_libtest_malformed_lines_fail_closed(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        libtest.parse_bench_lines(text, "s")


def test_callgrind_out_real_valgrind_file() -> None:
    path = next(GOLDEN.glob("callgrind.out.valgrind-*"))
    (measured,) = parse_path(path, suite="demo")
    assert measured.unit == "instructions"
    assert measured.value == 204560  # the summary: line of the real run


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("events: Ir\n", "no events"),
        ("events: Dr\nsummary: 5\n", "did not count instructions"),
        ("events: Dr Ir\nsummary: 5\n", "fewer values"),
        ("events: Ir\ntotals: five\n", "malformed"),
    ],
)
def test_callgrind_out_without_instruction_totals_fails(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        callgrind.parse_callgrind_out(text, "s", "b")


def test_callgrind_uses_the_ir_column_when_several_events() -> None:
    m = callgrind.parse_callgrind_out("events: Dr Ir Dw\ntotals: 1 22 3\n", "s", "b")
    assert m.value == 22


def test_iai_callgrind_and_old_iai_summaries() -> None:
    found = parse_path(GOLDEN / "iai-callgrind-0.14-documented.txt")
    assert [(m.benchmark, m.value) for m in found] == [
        ("my_benchmark::bench_group::bench_fibonacci short:10", 1732.0),
        ("my_benchmark::bench_group::bench_fibonacci long:30", 2128960.0),
    ]
    (old,) = callgrind.parse_iai((GOLDEN / "iai-0.1-documented.txt").read_text(), "iai")
    assert (old.benchmark, old.value, old.unit) == ("bench_fibonacci_short", 1735.0, "instructions")


def test_iai_without_instructions_fails() -> None:
    with pytest.raises(ParseError):
        callgrind.parse_iai("bench\n  L1 Hits: 3\n", "s")
    with pytest.raises(ParseError, match="malformed"):
        callgrind.parse_iai("  Instructions: 3\n", "s")


def test_criterion_directory_reads_new_samples_per_iteration() -> None:
    found = parse_path(GOLDEN / "criterion-0.5-documented")
    by_name = {m.benchmark: m for m in found}
    assert set(by_name) == {"adler32", "parse/small"}  # base/ is the old run, not read
    assert by_name["parse/small"].samples == (100.0, 105.0, 99.0, 101.0)
    assert by_name["adler32"].samples == (100.0, 102.0, 101.0)


def test_criterion_bad_samples_fail(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="no criterion results"):
        criterion.parse_directory(tmp_path, "c")
    with pytest.raises(ParseError, match="equal length"):
        criterion.parse_sample({"iters": [1], "times": []}, "c", "b")
    with pytest.raises(ParseError, match="no samples"):
        criterion.parse_sample({"iters": [], "times": []}, "c", "b")
    with pytest.raises(ParseError, match="bad sample"):
        criterion.parse_sample({"iters": [0], "times": [1]}, "c", "b")
    broken = tmp_path / "x" / "new"
    broken.mkdir(parents=True)
    (broken / "sample.json").write_text("{")
    with pytest.raises(ParseError, match="cannot read"):
        criterion.parse_directory(tmp_path, "c")


def test_pytest_benchmark_real_export_with_saved_rounds() -> None:
    found = parse_path(GOLDEN / "pytest-benchmark-5.3.1.json")
    assert [m.benchmark for m in found] == [
        "test_sample.py::test_fib_small",
        "test_sample.py::test_fib_large",
    ]
    assert [len(m.samples) for m in found] == [8, 6]  # rounds=8 and rounds=6
    assert all(m.unit == "s" and "p99" in m.percentiles() for m in found)


def test_pytest_benchmark_without_data_uses_the_median() -> None:
    document = {"benchmarks": [{"name": "t", "stats": {"median": 0.5}}]}
    (m,) = pytest_benchmark.parse_document(document, "py")
    assert m.samples == (0.5,)
    with pytest.raises(ParseError):
        pytest_benchmark.parse_document({"benchmarks": [{"name": "t"}]}, "py")
    with pytest.raises(ParseError):
        pytest_benchmark.parse_document({}, "py")


def test_hyperfine_real_2_0_and_documented_1_x() -> None:
    new = parse_path(GOLDEN / "hyperfine-2.0.0.json")
    assert [(m.benchmark, len(m.samples)) for m in new] == [("true", 5), ("sleep 0.01", 5)]
    assert 0.005 < new[1].value < 0.1
    (old,) = parse_path(GOLDEN / "hyperfine-1.18-documented.json")
    assert old.samples == (0.10190, 0.10231, 0.10302, 0.10215, 0.10237)
    assert old.value == pytest.approx(0.10231)


def test_hyperfine_malformed_fails() -> None:
    with pytest.raises(ParseError):
        hyperfine.parse_document({"results": []}, "h")
    with pytest.raises(ParseError, match="unit"):
        hyperfine.parse_document(
            {
                "results": [
                    {
                        "command": "c",
                        "measurements": [{"time_wall_clock": {"value": 1, "unit": "fortnight"}}],
                    }
                ]
            },
            "h",
        )
    with pytest.raises(ParseError, match="no runs"):
        hyperfine.parse_document({"results": [{"command": "c", "times": []}]}, "h")
    ms = hyperfine.parse_document(
        {
            "results": [
                {
                    "command": "c",
                    "measurements": [{"time_wall_clock": {"value": 5, "unit": "millisecond"}}],
                }
            ]
        },
        "h",
    )
    assert ms[0].samples == (0.005,)


def test_parse_path_rejects_unknown_json_and_unreadable_files(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"something": 1}))
    with pytest.raises(ParseError, match="neither"):
        parse_path(other)
    broken = tmp_path / "broken.json"
    broken.write_text("{ nope")
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_path(broken)
    with pytest.raises(ParseError, match="cannot read"):
        parse_path(tmp_path / "missing.txt")


def test_criterion_real_bencher_output_parses_with_group_ids_and_thousands() -> None:
    text = (GOLDEN / "criterion-0.8.2-bencher.txt").read_text()
    found = libtest.parse_bench_lines(text, "speed")
    assert [(m.key, m.value) for m in found] == [
        ("speed/checksum_1k", 917.0),
        ("speed/parse/16", 689.0),
        ("speed/parse/64", 2990.0),
    ]


def test_divan_real_table_gives_each_median_in_ns() -> None:
    found = parse_path(GOLDEN / "divan-0.1.21.txt", suite="speed")
    assert [(m.key, m.value, m.source) for m in found] == [
        ("speed/checksum_1k", 565.4, "divan"),
        ("speed/parse_64", 480.4, "divan"),
    ]


def test_divan_documented_tree_with_modules_arguments_and_throughput() -> None:
    found = divan.parse_table((GOLDEN / "divan-0.1-documented.txt").read_text(), "walk")
    assert {m.benchmark: m.value for m in found} == {
        "fibonacci": pytest.approx(197_500),
        "copy": pytest.approx(1_250),
        "math/add": pytest.approx(0.203),
        "math/len/1": pytest.approx(1.75),
        "math/len/64": pytest.approx(12.5),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Timer precision: 20 ns\n", "no divan table"),
        (
            "s  fastest │ slowest │ median │ mean │ samples │ iters\n"
            "├─ a  1 ns │ 2 ns │ fast │ 1 ns │ 10 │ 10\n",
            "divan median 'fast' is not a time",
        ),
        (
            "s  fastest │ slowest │ median │ mean │ samples │ iters\n├─ a  1 ns │ 2 ns\n",
            "malformed divan row",
        ),
        ("s  fastest │ slowest │ median │ mean │ samples │ iters\n", "holds no benchmark row"),
        (
            "s  fastest │ slowest │ median │ mean │ samples │ iters\n"
            "├─ a  1 ns │ 2 ns │ 1 ns │ 1 ns │ 10 │ 10\n"
            "╰─ a  1 ns │ 2 ns │ 1 ns │ 1 ns │ 10 │ 10\n",
            "reported twice",
        ),
    ],
)
def test_divan_malformed_tables_fail_closed(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        divan.parse_table(text, "s")


@pytest.mark.parametrize(
    ("golden", "parse_64"), [("iai-callgrind-0.16.1.txt", 55250), ("gungraun-0.20.0.txt", 55036)]
)
def test_iai_callgrind_and_gungraun_real_summaries(golden: str, parse_64: int) -> None:
    found = callgrind.parse_iai((GOLDEN / golden).read_text(), "speed")
    assert {m.benchmark: m.value for m in found} == {
        "speed::speed::checksum_1k": 52187,
        "speed::speed::parse_64": parse_64,
    }
