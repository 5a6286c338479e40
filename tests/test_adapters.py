"""The nox and invoke adapters, driven through the real nox and invoke command lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.steps import all_steps, default_steps

NOXFILE = "import ferrox.nox\n\nferrox.nox.register()\n"
TASKS = "from ferrox.tasks import namespace\n"
FIXTURES = Path(__file__).parent / "fixtures"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}


def nox(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "nox", "-f", str(project / "noxfile.py"), *args]
    return subprocess.run(
        command, cwd=project, capture_output=True, text=True, env=_env(), check=False
    )


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "invoke", *args]
    return subprocess.run(
        command, cwd=project, capture_output=True, text=True, env=_env(), check=False
    )


@pytest.fixture
def project(fresh_crate: Callable[[str], Path]) -> Path:
    crate = fresh_crate("unformatted")
    (crate / "noxfile.py").write_text(NOXFILE)
    (crate / "tasks.py").write_text(TASKS)
    return crate


def test_nox_lists_sessions_with_descriptions_and_tags(project: Path) -> None:
    listing = json.loads(nox(project, "--list", "--json").stdout)
    sessions = {s["name"]: s for s in listing}
    # --json lists the selected (default) sessions: every step but a composite's parts.
    assert set(sessions) == set(default_steps())
    assert {"fmt", "clippy", "test", "security"} <= set(sessions)
    assert "tools" not in sessions
    assert (
        sessions["clippy"]["description"] == "Lint Rust code with clippy, security lints included."
    )
    assert "rust" in sessions["fmt"]["tags"]
    human = nox(project, "-l").stdout
    assert "* fmt [rust,ci,lint] -> Check Rust formatting" in human
    assert "- tools" in human  # not a default session


def test_nox_session_fails_on_a_gate_and_fix_repairs(project: Path) -> None:
    failed = nox(project, "-s", "fmt")
    assert failed.returncode == 1
    assert "fmt: fail (exit 1)" in failed.stderr
    fixed = nox(project, "-s", "fmt", "--", "--fix")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "reformatted" in fixed.stdout
    assert json.loads((project / "target" / "ferrox" / "fmt.json").read_text())["status"] == "pass"


def test_nox_tags_select_steps(project: Path) -> None:
    done = nox(project, "-t", "lint", "--list", "--json")
    selected = {s["name"] for s in json.loads(done.stdout)}
    assert {"fmt", "clippy"} <= selected


def test_nox_reports_bad_posargs(project: Path) -> None:
    done = nox(project, "-s", "fmt", "--", "--no-such-flag")
    assert done.returncode == 1
    assert "bad arguments for fmt" in done.stderr


def test_invoke_lists_and_runs_tasks(project: Path) -> None:
    listing = invoke(project, "--list")
    assert listing.returncode == 0
    for task in ("check", "doctor", "tools", "release", "fmt", "clippy", "security"):
        assert f"  {task} " in listing.stdout
    assert invoke(project, "fmt").returncode == 1
    done = invoke(project, "clippy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_register_rejects_unknown_steps() -> None:
    import ferrox.nox

    with pytest.raises(ValueError, match="unknown ferrox step"):
        ferrox.nox.register(steps=["nope"])


# Every step but bench (a run needs a git history and two builds of the project), build
# (cross-compiles five targets; tests/steps/test_build.py) and docker (a run needs Dockerfiles and
# builds three images; tests/steps/test_docker.py runs it).
THREE_ADAPTER_STEPS = [name for name in all_steps() if name not in ("bench", "build", "docker")]
# A value that must never reach a report: a tool argument carries it, the config masks it.
SECRET = "s3cr3t-adapter-token-42"  # noqa: S105 - a planted test value
# Runs with tool arguments, each to its own report folder: a test filter holding the secret (the
# step runs it, each report masks it), and a flag nextest refuses (a tool error, exit 3).
EXTRA_RUNS = {"masked": ("test", SECRET), "broken": ("test", "--no-such-nextest-flag")}


def _normalised(value: Any, reports: Path) -> Any:
    """A report without what differs between two runs of the same step: times and report dir."""
    if isinstance(value, dict):
        return {
            key: _normalised(item, reports)
            for key, item in value.items()
            if key not in ("started_at", "duration_s")
        }
    if isinstance(value, list):
        return [_normalised(item, reports) for item in value]
    if isinstance(value, str):
        return value.replace(str(reports), "<reports>")
    return value


def _adapter_runs(project: Path) -> dict[str, Callable[..., int]]:
    """(step, report dir, tool args) -> exit code, through `ferrox run`, `nox -s` and `invoke`."""

    def cli(step: str, reports: Path, *tool_args: str) -> int:
        argv = ["-m", "ferrox", "run", step, "-C", str(project), "--report-dir", str(reports)]
        done = subprocess.run(
            [sys.executable, *argv, "--", *tool_args], env=_env(), capture_output=True, check=False
        )
        return done.returncode

    def with_nox(step: str, reports: Path, *tool_args: str) -> int:
        return nox(
            project, "-s", step, "--", "--report-dir", str(reports), "--", *tool_args
        ).returncode

    def with_invoke(step: str, reports: Path, *tool_args: str) -> int:
        return invoke(project, step, "--report-dir", str(reports), "--", *tool_args).returncode

    return {"cli": cli, "nox": with_nox, "invoke": with_invoke}


def _three_adapter_project(fresh_crate: Callable[[str], Path]) -> Path:
    """The clean crate with one unformatted line, a noxfile, a tasks.py and an offline audit."""
    project = fresh_crate("clean")
    (project / "noxfile.py").write_text(NOXFILE)
    (project / "tasks.py").write_text(TASKS)
    with (project / "src" / "lib.rs").open("a") as source:
        source.write("pub fn   spaced() {}\n")  # fmt's gate fails: exit 1 through every adapter
    db = FIXTURES / "audit" / "advisory-db"
    (project / "ferrox.toml").write_text(
        f'mask_env = ["ADAPTER_TOKEN"]\n\n[audit]\ndb = "{db.as_posix()}"\noffline = true\n'
        "check_yanked = false\nmax_db_age_days = 0\n"
    )
    return project


@pytest.mark.slow
def test_cli_nox_and_invoke_write_the_same_reports(
    fresh_crate: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _three_adapter_project(fresh_crate)
    monkeypatch.setenv("ADAPTER_TOKEN", SECRET)
    codes: dict[str, dict[str, int]] = {}
    for adapter, run in _adapter_runs(project).items():
        reports = tmp_path / adapter
        codes[adapter] = {step: run(step, reports / "steps") for step in THREE_ADAPTER_STEPS}
        for folder, (step, argument) in EXTRA_RUNS.items():
            codes[adapter][folder] = run(step, reports / folder, argument)
    expected = codes["cli"]
    assert expected["fmt"] == 1 and expected["test"] == 0 and expected["security"] == 0
    assert expected["broken"] == 3
    assert codes["invoke"] == expected  # invoke exits with the step's own code
    assert codes["nox"] == {step: min(code, 1) for step, code in expected.items()}  # nox: 0 or 1
    for name in [*THREE_ADAPTER_STEPS, *EXTRA_RUNS]:
        folder, step = (name, EXTRA_RUNS[name][0]) if name in EXTRA_RUNS else ("steps", name)
        documents = {
            adapter: (tmp_path / adapter / folder / f"{step}.json").read_text() for adapter in codes
        }
        assert all(SECRET not in text for text in documents.values())
        reports = {
            adapter: _normalised(json.loads(text), tmp_path / adapter / folder)
            for adapter, text in documents.items()
        }
        assert reports["nox"] == reports["cli"], name
        assert reports["invoke"] == reports["cli"], name
    masked = json.loads((tmp_path / "cli" / "masked" / "test.json").read_text())
    assert any("***" in " ".join(command["argv"]) for command in masked["commands"])
