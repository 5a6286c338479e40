"""Harness recognition from cargo metadata's resolve: real cargo on tiny packages.

Stand-in harness crates are path dependencies with a harness's package name and a chosen
version (cargo resolves them offline in a second); the real harnesses are recognised on the
fixtures under tests/fixtures/bench/harnesses/ (their Cargo.lock pins each release).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.bench import suites
from ferrox.bench.suites import Harness
from ferrox.errors import ToolError, UsageError
from ferrox.tools import ToolRunner
from fixture_tables import markdown_table

HARNESSES = Path(__file__).resolve().parents[1] / "fixtures" / "bench" / "harnesses"
EXPECTED = {
    "criterion-0.3": Harness("criterion", "criterion", "0.3.6"),
    "criterion-0.4": Harness("criterion", "criterion", "0.4.0"),
    "criterion-0.5": Harness("criterion", "criterion", "0.5.1"),
    "criterion-0.6": Harness("criterion", "criterion", "0.6.0"),
    "criterion-0.7": Harness("criterion", "criterion", "0.7.0"),
    "codspeed": Harness("criterion", "codspeed-criterion-compat", "4.1.0"),
    "divan": Harness("divan", "divan", "0.1.21"),
    "iai-callgrind": Harness("iai-callgrind", "iai-callgrind", "0.16.1"),
    "gungraun": Harness("gungraun", "gungraun", "0.20.0"),
}


def _recognise(project: Path, benches: tuple[str, ...] = ()) -> dict[str, Harness]:
    return suites.recognise(ToolRunner(), project, benches, 300)


def _package(
    root: Path, deps: dict[str, str], *, bench: str = "", harness: bool = False, name: str = "p"
) -> Path:
    """A package with path dependencies ``{package name: version}`` and one bench target."""
    lines = []
    for crate, version in deps.items():
        stub = root / "stubs" / f"{crate}-{version}"
        (stub / "src").mkdir(parents=True, exist_ok=True)
        (stub / "src" / "lib.rs").write_text("")
        (stub / "Cargo.toml").write_text(
            f'[package]\nname = "{crate}"\nversion = "{version}"\nedition = "2021"\n'
        )
        lines.append(f'{crate} = {{ path = "{stub}" }}')
    project = root / name
    (project / "src").mkdir(parents=True)
    (project / "benches").mkdir()
    (project / "src" / "lib.rs").write_text("")
    (project / "benches" / "speed.rs").write_text(bench or "fn main() {}\n")
    flag = "" if harness else "harness = false\n"
    (project / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
        "[dev-dependencies]\n" + "\n".join(lines) + "\n\n"
        f'[[bench]]\nname = "speed"\n{flag}\n[workspace]\n'
    )
    return project


def test_the_fixture_table_says_what_is_recognised() -> None:
    rows = markdown_table(HARNESSES / "README.md", "fixture")
    table = {r["fixture"]: (r["package"], r["version"]) for r in rows if r["fixture"] != "libtest"}
    assert table == {name: (h.crate, h.version) for name, h in EXPECTED.items()}


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_each_harness_fixture_is_recognised_from_its_lockfile(fixture: str) -> None:
    assert _recognise(HARNESSES / fixture) == {"speed": EXPECTED[fixture]}


def test_a_custom_harness_and_a_renamed_harness_crate(tmp_path: Path) -> None:
    assert _recognise(_package(tmp_path, {})) == {"speed": Harness("custom")}
    assert _recognise(_package(tmp_path, {"serde": "1.0.0"}, name="q")) == {
        "speed": Harness("custom")
    }


def test_criterion_before_0_5_lists_as_bench() -> None:
    assert EXPECTED["criterion-0.3"].list_suffix == ": bench"
    assert EXPECTED["criterion-0.4"].list_suffix == ": bench"
    assert EXPECTED["criterion-0.5"].list_suffix == ": benchmark"
    assert EXPECTED["codspeed"].list_suffix == ": benchmark"
    assert EXPECTED["criterion-0.3"].whole_seconds
    assert not EXPECTED["criterion-0.4"].whole_seconds
    assert not EXPECTED["codspeed"].whole_seconds


@pytest.mark.parametrize(
    ("crate", "version", "message"),
    [
        ("criterion", "0.3.1", "uses criterion 0.3.1, a release ferrox has not been proven on"),
        ("criterion", "0.9.0", "uses criterion 0.9.0, a release ferrox has not been proven on"),
        ("divan", "0.2.0", "uses divan 0.2.0, a release"),
        ("criterion2", "1.0.0", "uses criterion2 1.0.0, a benchmark harness ferrox does not know"),
        ("iai", "0.1.1", "uses iai 0.1.1, a benchmark harness ferrox does not know"),
    ],
)
def test_a_harness_outside_what_is_driven_is_a_tool_error_naming_it(
    tmp_path: Path, crate: str, version: str, message: str
) -> None:
    with pytest.raises(ToolError, match="bench target speed " + message) as caught:
        _recognise(_package(tmp_path, {crate: version}))
    assert caught.value.exit_code == 3


def test_several_harnesses_in_one_package_are_told_apart_by_the_source(tmp_path: Path) -> None:
    deps = {"criterion": "0.5.1", "divan": "0.1.21"}
    divan_bench = "fn main() { divan::main(); }\n"
    assert _recognise(_package(tmp_path, deps, bench=divan_bench)) == {
        "speed": Harness("divan", "divan", "0.1.21")
    }
    both = "use criterion::Criterion;\nfn main() { divan::main(); }\n"
    with pytest.raises(ToolError, match=r"several benchmark harnesses \(criterion 0\.5\.1, divan"):
        _recognise(_package(tmp_path, deps, bench=both, name="q"))


def test_libtest_benches_need_a_nightly_toolchain(tmp_path: Path) -> None:
    project = _package(tmp_path, {}, harness=True)
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "stable"\n')
    with pytest.raises(ToolError, match="compiles only on a nightly toolchain") as caught:
        _recognise(project)
    assert "libtest #[bench] (rustc 1." in str(caught.value)
    assert caught.value.exit_code == 3
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
    (found,) = _recognise(project).values()
    assert found.family == "libtest" and "nightly" in found.version


def test_only_the_selected_targets_are_recognised(tmp_path: Path) -> None:
    project = _package(tmp_path, {"criterion": "0.1.0"})  # a release that would be refused
    assert _recognise(project, ("other",)) == {}


def test_modes_refuse_harnesses_they_cannot_measure() -> None:
    counted = {"speed": EXPECTED["iai-callgrind"]}
    timed = {"speed": EXPECTED["criterion-0.3"], "walk": EXPECTED["divan"]}
    suites.check_mode(counted, "instructions")
    suites.check_mode(timed, "paired")
    with pytest.raises(UsageError, match=r"speed \(iai-callgrind 0\.16\.1\) count instructions"):
        suites.check_mode(counted, "paired")
    with pytest.raises(UsageError, match=r"speed \(criterion 0\.3\.6\), walk \(divan 0\.1\.21\)"):
        suites.check_mode(timed, "instructions")


def test_the_cli_names_the_harness_of_a_suite_it_cannot_run(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    project = _package(tmp_path, {"criterion": "0.9.0"})
    result = ferrox("run", "bench", "-C", str(project), "--base", "main")
    assert result.code == 3, result.out + result.err
    assert "bench target speed uses criterion 0.9.0" in result.report["error"]
