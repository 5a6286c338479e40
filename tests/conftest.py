"""Shared fixtures: copies of the fixture crates, a CLI runner, fake tools for fault injection."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ferrox.cli import main

TESTS = Path(__file__).parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
CRATES = FIXTURES / "crates"
DEMO = REPO / "examples" / "demo"


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests decide for themselves whether they run 'inside GitHub Actions'."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def shared_crates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of every fixture crate for tests that only read, so cargo builds each once."""
    destination = tmp_path_factory.mktemp("crates")
    shutil.copytree(
        CRATES, destination, dirs_exist_ok=True, ignore=shutil.ignore_patterns("target")
    )
    return destination


@pytest.fixture
def fresh_crate(tmp_path: Path) -> Callable[[str], Path]:
    """A private copy of a fixture crate (or of the demo) that a test may modify."""

    def copy(name: str) -> Path:
        source = DEMO if name == "demo" else CRATES / name
        destination = tmp_path / name
        shutil.copytree(source, destination, ignore=shutil.ignore_patterns("target"))
        return destination

    return copy


class CliResult:
    """Exit code, output and the JSON report of one in-process ``ferrox`` call."""

    def __init__(
        self, code: int, out: str, err: str, report_dir: Path | None, step: str | None
    ) -> None:
        self.code = code
        self.out = out
        self.err = err
        self.report_dir = report_dir
        self.step = step

    @property
    def report(self) -> dict[str, Any]:
        assert self.report_dir is not None and self.step is not None
        data: dict[str, Any] = json.loads((self.report_dir / f"{self.step}.json").read_text())
        return data


@pytest.fixture
def ferrox(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[..., CliResult]:
    """Runs ``ferrox ARGS`` in-process; ``run`` calls write reports to a private directory."""

    def call(*args: str) -> CliResult:
        argv = list(args)
        report_dir: Path | None = None
        step: str | None = None
        if argv[:1] == ["run"] and "--report-dir" not in argv:
            step = argv[1]
            report_dir = tmp_path / "reports" / step
            before = argv.index("--") if "--" in argv else len(argv)
            argv[before:before] = ["--report-dir", str(report_dir)]
        elif argv[:1] == ["run"]:
            step = argv[1]
            report_dir = Path(argv[argv.index("--report-dir") + 1])
        code = main(argv)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err, report_dir, step)

    return call


@pytest.fixture
def fake_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str, str], Path]]:
    """Puts fake executables (Python scripts) first on PATH, to inject faults into real runs."""
    directory = tmp_path / "fake-bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")

    def make(name: str, body: str) -> Path:
        script = directory / name
        script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body), encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return script

    yield make


@pytest.fixture
def fake_cargo(fake_tools: Callable[[str, str], Path]) -> Callable[[str], Path]:
    """A cargo whose `metadata` is the real one and whose other commands run ``body``."""
    real = shutil.which("cargo")
    assert real, "these tests need cargo"

    def make(body: str) -> Path:
        prelude = (
            "import subprocess, sys\n"
            "if sys.argv[1] == 'metadata':\n"
            f"    sys.exit(subprocess.call([{real!r}, *sys.argv[1:]]))\n"
        )
        return fake_tools("cargo", prelude + textwrap.dedent(body))

    return make
