"""Every harness family through the gate, end to end: one real fixture crate per family.

Each fixture (tests/fixtures/bench/harnesses/) has benchmarks `checksum_1k` and `parse_64`; the
test raises `CHECKSUM_ROUNDS` from 1 to 3 in a second commit and runs the gate against the
first: `checksum_1k` must come out critical and the step fail, with both benchmarks judged.
Timed families go through the paired gate; iai-callgrind and gungraun through instructions mode.

Builds: one session-wide cargo target directory for head builds and one for base builds (base
starts as a copy of head's, as in test_bench_criterion.py), so each harness crate is compiled
once per side and only the fixture itself is rebuilt per test. ``FERROX_TEST_BENCH_TARGET``
names a target directory to start from (copied, never written), where the families were built
before: the harness crates then take no build at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox import toolhome
from gitrepo import git as _git
from gitrepo import init_committed

HARNESSES = Path(__file__).resolve().parents[1] / "fixtures" / "bench" / "harnesses"
TIMED = ["criterion-0.3", "criterion-0.4", "criterion-0.5", "criterion-0.6", "criterion-0.7",
         "codspeed", "divan", "libtest"]  # fmt: skip
COUNTED = {"iai-callgrind": "0.16.1", "gungraun": "0.20.0"}
# Every run drives one fixture per way of driving a harness: criterion 0.3 (`: bench` list lines,
# whole seconds), 0.5 (`: benchmark`, no --help), codspeed, divan, libtest and the instruction
# runners (0.8 is test_bench_criterion.py's). Criterion 0.4, 0.6 and 0.7 drive like 0.3 or 0.5
# and each costs minutes of build on 2 cores: FERROX_TEST_ALL_HARNESSES=1 runs them too.
EVERY_RUN = {"criterion-0.3", "criterion-0.5", "codspeed", "divan", "libtest", *COUNTED}
KEYS = {"speed/checksum_1k", "speed/parse_64"}
TINY = """
[bench]
min_pairs = 6
max_pairs = 6
confirm_pairs = 5
criterion_args = ["--warm-up-time", "0.05", "--measurement-time", "0.2", "--nresamples", "1000"]
divan_args = ["--sample-count", "30"]
"""
# criterion 0.3 takes whole seconds, at least 1, for its warm-up and measurement times.
WHOLE_SECONDS = ["--warm-up-time", "1", "--measurement-time", "1", "--sample-size", "10"]


def _nightly() -> bool:
    listed = subprocess.run(
        ["rustup", "toolchain", "list"], check=False, capture_output=True, text=True
    )
    return "nightly" in listed.stdout


def _copy(name: str, where: Path) -> Path:
    crate = where / name
    shutil.copytree(HARNESSES / name, crate, ignore=shutil.ignore_patterns("target"))
    if name == "libtest":
        (crate / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
    return crate


@pytest.fixture(scope="session")
def family_targets(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Path]]:
    """Builds a family's dependencies on first use into target directories kept for the
    session (head, and base as its copy), and returns them."""
    root = tmp_path_factory.mktemp("harness-targets")
    if start := os.environ.get("FERROX_TEST_BENCH_TARGET"):
        shutil.copytree(start, root / "head", symlinks=True)
    built: set[str] = set()

    def ensure(name: str) -> dict[str, Path]:
        if name not in built:
            env = {**os.environ, "CARGO_TARGET_DIR": str(root / "head")}
            crate = _copy(name, root / "crates")
            subprocess.run(
                ["cargo", "bench", "--no-run"], cwd=crate, check=True, capture_output=True, env=env
            )
            # copy2: mtimes kept, so the base side finds the dependencies up to date.
            shutil.copytree(root / "head", root / "base", symlinks=True, dirs_exist_ok=True)
            built.add(name)
        return {side: root / side for side in ("head", "base")}

    return ensure


@pytest.fixture
def gate(
    ferrox: Callable[..., Any],
    family_targets: Callable[[str], dict[str, Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str, str], Any]:
    """Runs ``ferrox run bench --mode MODE`` on FAMILY's fixture with checksum_1k 3x slower."""

    def run(name: str, mode: str) -> Any:
        if name not in EVERY_RUN and os.environ.get("FERROX_TEST_ALL_HARNESSES") != "1":
            pytest.skip(
                f"{name} drives like another criterion release tested here; its build takes "
                "minutes, so it runs with FERROX_TEST_ALL_HARNESSES=1 (its recognition is "
                "tested in test_suites.py)"
            )
        targets = family_targets(name)
        monkeypatch.setenv("CARGO_TARGET_DIR", str(targets["head"]))
        repo = _copy(name, tmp_path / "repo")
        for path in repo.rglob("*"):  # fresh mtimes: never a binary built from other sources
            os.utime(path)
        settings = TINY
        if name == "criterion-0.3":
            settings = settings.replace(
                '"--warm-up-time", "0.05", "--measurement-time", "0.2"',
                ", ".join(f'"{a}"' for a in WHOLE_SECONDS),
            )
        (repo / "ferrox.toml").write_text(settings)
        init_committed(repo)
        speed = repo / "benches" / "speed.rs"
        text = speed.read_text()
        assert "const CHECKSUM_ROUNDS: u32 = 1;" in text
        speed.write_text(text.replace("CHECKSUM_ROUNDS: u32 = 1;", "CHECKSUM_ROUNDS: u32 = 3;"))
        _git(repo, "commit", "-q", "-am", "checksum three times over")
        report = tmp_path / "report"
        (report / "bench").mkdir(parents=True)
        base_target = report / "bench" / "base-target"
        base_target.symlink_to(targets["base"], target_is_directory=True)
        return ferrox(
            "run", "bench", "-C", str(repo), "--report-dir", str(report), "--base", "main~1",
            "--mode", mode,
        )  # fmt: skip

    return run


def _verdicts(result: Any) -> dict[str, dict[str, Any]]:
    summary = json.loads((result.report_dir / "bench" / "summary.json").read_text())
    return {v["benchmark"]: v for v in summary["verdicts"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", TIMED)
def test_the_paired_gate_drives_every_timed_harness(
    gate: Callable[[str, str], Any], name: str
) -> None:
    if name == "libtest" and not _nightly():
        pytest.skip("libtest #[bench] needs a nightly toolchain (rustup toolchain install nightly)")
    result = gate(name, "paired")
    assert result.code == 1, result.out + result.err
    verdicts = _verdicts(result)
    assert verdicts.keys() == KEYS
    assert verdicts["speed/checksum_1k"]["level"] == "critical", verdicts
    assert verdicts["speed/checksum_1k"]["low"] > 0.5  # 3x the work: +100% at the least
    assert verdicts["speed/parse_64"]["base"] > 0 and verdicts["speed/parse_64"]["head"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(COUNTED))
def test_the_instruction_gate_drives_iai_callgrind_and_gungraun(
    gate: Callable[[str, str], Any], name: str
) -> None:
    runner = f"{name}-runner"
    home = toolhome.tools_home(os.environ)
    if not (home / f"{runner}-{COUNTED[name]}" / "bin" / runner).exists() and not shutil.which(
        runner
    ):
        pytest.skip(f"{runner} {COUNTED[name]} is not installed (cargo install --locked --version "
                    f"{COUNTED[name]} --root {home}/{runner}-{COUNTED[name]} {runner})")  # fmt: skip
    if not shutil.which("valgrind"):
        pytest.skip("valgrind is not installed")
    result = gate(name, "instructions")
    assert result.code == 1, result.out + result.err
    verdicts = _verdicts(result)
    assert {key.split("/", 1)[0] for key in verdicts} == {"speed"}
    (checksum,) = [v for k, v in verdicts.items() if k.endswith("checksum_1k")]
    (parse,) = [v for k, v in verdicts.items() if k.endswith("parse_64")]
    # The inputs are built inside the counted function: 3x the checksum is +31% in all.
    assert checksum["level"] == "critical" and checksum["change"] > 0.25, verdicts
    assert parse["level"] == "ok" and parse["change"] == 0.0  # counts are exact


def test_fractional_seconds_for_criterion_0_3_are_a_config_error(
    ferrox: Callable[..., Any], tmp_path: Path
) -> None:
    repo = _copy("criterion-0.3", tmp_path)
    (repo / "ferrox.toml").write_text(TINY)  # --warm-up-time 0.05: criterion 0.3 would exit 1
    result = ferrox("run", "bench", "-C", str(repo))
    assert result.code == 2, result.out + result.err
    assert "bench.criterion_args: bench suite(s) speed (criterion 0.3.6) take whole seconds" in (
        result.err
    )
    assert "not --warm-up-time 0.05" in result.err and "Traceback" not in result.err
