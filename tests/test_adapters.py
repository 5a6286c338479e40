"""The nox and invoke adapters, driven through the real nox and invoke command lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ferrox.steps import default_steps

NOXFILE = "import ferrox.nox\n\nferrox.nox.register()\n"
TASKS = "from ferrox.tasks import namespace\n"


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
    for task in ("check", "doctor", "step", "tools"):
        assert task in listing.stdout
    assert invoke(project, "step", "fmt").returncode == 1
    done = invoke(project, "step", "clippy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_register_rejects_unknown_steps() -> None:
    import ferrox.nox

    with pytest.raises(ValueError, match="unknown ferrox step"):
        ferrox.nox.register(steps=["nope"])
