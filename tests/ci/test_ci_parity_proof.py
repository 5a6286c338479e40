"""Parity proof: a generated job's run: lines, executed in order as Actions would, on a copy of
examples/demo, give the same reports as running the nox sessions by hand.

Setup steps are not re-enacted: `uses:` actions (checkout, Python, Rust, cache, artifact upload)
are what this machine already is, and the one install line (pip --require-hashes) is what this test
environment already holds; every other run: line runs for real, through bash as Actions runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ferrox.ci.model import nox_session
from ferrox.ci.plan import install_lines
from ferrox.ci.settings import CiSettings

NOXFILE = "import ferrox.nox\n\nferrox.nox.register()\n"
EXPRESSION = re.compile(r"\$\{\{\s*matrix\.(\w+)\s*\}\}")
RUNNER_TEMP = re.compile(r"\$\{\{\s*runner\.temp\s*\}\}")
# What differs between two runs of the same thing, by nature.
VOLATILE = {"started_at", "duration_s"}


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: only the tools' paths, no variable of the calling shell."""
    dirs = [str(Path(sys.executable).parent)]  # nox and ferrox, as the install step leaves them
    for tool in ("cargo", "cargo-nextest", "git"):  # where this machine keeps the Rust tools
        found = shutil.which(tool)
        if found and str(Path(found).parent) not in dirs:
            dirs.append(str(Path(found).parent))
    path = os.pathsep.join([*dirs, "/usr/bin", "/bin"])
    env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8"}
    for name in ("RUSTUP_HOME", "CARGO_HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    if "CARGO_HOME" not in env:
        env["CARGO_HOME"] = str(Path.home() / ".cargo")
    if "RUSTUP_HOME" not in env:
        env["RUSTUP_HOME"] = str(Path.home() / ".rustup")
    return env


def actions_env(workspace: Path, runner_temp: Path) -> dict[str, str]:
    """The variables GitHub's runner sets for every step."""
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(runner_temp / "output"),
        "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
        "GITHUB_ENV": str(runner_temp / "env"),
        "GITHUB_PATH": str(runner_temp / "path"),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REF": "refs/pull/1/merge",
        "GITHUB_SHA": "0" * 40,
        "GITHUB_REPOSITORY": "example/demo",
        "GITHUB_RUN_ID": "1",
        "GITHUB_JOB": "job",
        "RUNNER_OS": "Linux",
        "RUNNER_TEMP": str(runner_temp),
    }


def expand(value: str, row: dict[str, str], runner_temp: Path | None = None) -> str:
    """Substitutes ``${{ matrix.X }}`` and ``${{ runner.temp }}``; any other would fail the test."""
    if runner_temp is not None:
        value = RUNNER_TEMP.sub(lambda _m: str(runner_temp), value)
    value = EXPRESSION.sub(lambda m: row[m.group(1)], value)
    assert "${{" not in value, value
    return value


def normalise(report: dict[str, Any], root: Path) -> Any:
    """The report without timings or finishing order, with the root as a placeholder."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in VOLATILE}
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            return value.replace(str(root), "<root>")
        return value

    cleaned = clean(report)
    # nextest runs tests in parallel: they are reported in the order they finish.
    cleaned["tests"] = sorted(cleaned["tests"], key=lambda t: (t["suite"], t["name"]))
    return cleaned


@pytest.fixture(scope="module")
def demo_copies(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    demo = Path(__file__).parents[2] / "examples" / "demo"

    def copy(name: str) -> Path:
        target = tmp_path_factory.mktemp(name) / "demo"
        shutil.copytree(demo, target, ignore=shutil.ignore_patterns("target"))
        (target / "noxfile.py").write_text(NOXFILE, encoding="utf-8")
        return target

    return copy


@pytest.mark.parametrize("job_id", ["fmt", "clippy", "test"])
def test_a_job_run_as_actions_would_matches_nox_by_hand(
    job_id: str, demo_copies: Callable[[str], Path], tmp_path: Path
) -> None:
    workspace = demo_copies(f"actions-{job_id}")
    init = subprocess.run(
        [sys.executable, "-m", "ferrox", "init", "--workflows", "-C", str(workspace)],
        capture_output=True, text=True, check=False, env=base_env(tmp_path),
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    workflow = yaml.safe_load((workspace / ".github/workflows/ci.yml").read_text())
    job = workflow["jobs"][job_id]
    row = job.get("strategy", {}).get("matrix", {}).get("include", [{}])[0]
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    env = {**base_env(tmp_path), **actions_env(workspace, runner_temp)}
    env.update({k: expand(str(v), row) for k, v in workflow.get("env", {}).items()})
    env.update({k: expand(str(v), row) for k, v in job.get("env", {}).items()})
    shell = workflow["defaults"]["run"]["shell"]
    assert shell == "bash"
    ran: list[str] = []
    for step in job["steps"]:
        if "uses" in step:
            continue  # setup actions: this machine already has what they install
        line = step["run"]
        if line in install_lines(CiSettings()):
            continue  # this environment already holds nox and ferrox
        assert nox_session(line), line
        step_env = {
            **env,
            **{k: expand(str(v), row, runner_temp) for k, v in step.get("env", {}).items()},
        }
        # How Actions runs a `shell: bash` step.
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", line],
            cwd=workspace, env=step_env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        ran.append(line)
        if nox_session(line) == job_id:
            assert f"::group::ferrox {job_id}" in done.stdout
            assert "::endgroup::" in done.stdout
    assert ran[-1] == f"nox -s {job_id}"
    outputs = (runner_temp / "output").read_text()
    assert f"{job_id}-status=pass" in outputs and f"{job_id}-exit-code=0" in outputs
    assert (runner_temp / "summary.md").read_text().strip()

    by_hand = demo_copies(f"hand-{job_id}")
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", job_id],
        cwd=by_hand, env=base_env(tmp_path), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    reports = workspace / "target" / "ferrox"
    hand_reports = by_hand / "target" / "ferrox"
    assert sorted(p.name for p in reports.iterdir()) == sorted(
        p.name for p in hand_reports.iterdir()
    )
    in_actions = json.loads((reports / f"{job_id}.json").read_text())
    hand = json.loads((hand_reports / f"{job_id}.json").read_text())
    assert normalise(in_actions, workspace) == normalise(hand, by_hand)
    for kind in ("md", "sarif"):
        ours = (reports / f"{job_id}.{kind}").read_text().replace(str(workspace), "<root>")
        theirs = (hand_reports / f"{job_id}.{kind}").read_text().replace(str(by_hand), "<root>")
        assert ours == theirs, kind
