"""Shared by the ci tests: fixed step registries (stable across registry changes), linters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ferrox.ci.plan import Inputs
from ferrox.ci.settings import CiSettings, Target
from ferrox.model import Status, StepResult
from ferrox.release.settings import ReleaseSettings
from ferrox.sessions import PUBLISH
from ferrox.steps.ci_placement import CarriedFile, CiJob
from ferrox.steps.interface import Step

BIN = Path(sys.executable).parent
SNAPSHOTS = Path(__file__).parents[1] / "fixtures" / "ci"
UPDATE = os.environ.get("FERROX_UPDATE_SNAPSHOTS") == "1"


@dataclass(frozen=True)
class NoSettings:
    """A step without settings."""


def _run(ctx: object) -> StepResult:  # pragma: no cover - never run: the registry is only read
    return StepResult(step="x", tool="x", status=Status.PASS, summary="")


def step(
    name: str,
    *tags: str,
    tools: tuple[str, ...] = ("cargo",),
    cargo: bool = True,
    ci: tuple[CiJob, ...] = (),
    covers_tag: str | None = None,
) -> Step:
    """A registry entry that is only read, never run."""
    return Step(
        name=name, description=f"{name} step", report_tool="x", settings=NoSettings, run=_run,
        tags=tags, required_tools=tools, needs_cargo=cargo, ci=ci, covers_tag=covers_tag,
    )  # fmt: skip


# The placements of the real steps, copied so that the snapshots do not follow every change.
IN_CI = (CiJob(),)
HISTORY = CarriedFile(
    "benchmark history", "**/.ferrox/bench-history.jsonl", "ferrox-bench-history-"
)
BASELINE = CarriedFile(
    "benchmark baseline", "**/.ferrox/bench-baseline.json", "ferrox-bench-baseline-file-"
)
PUSH = (("contents", "write"),)
TOKEN = (("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),)
BENCH_JOBS = (
    CiJob(
        events=("pull_request",),
        full_history=True,
        run_args='-- --base "origin/${GITHUB_BASE_REF}"',
    ),
    CiJob(
        workflow="bench-baseline", job="bench-history", events=("push",),
        run_args="-- --mode history --history-remote origin --push-history",
        carries=(HISTORY,), permissions=PUSH, env=TOKEN,
    ),
    CiJob(
        workflow="bench-baseline", session="bench-baseline",
        events=("schedule", "workflow_dispatch"),
        run_args="-- --history-remote origin --push-history",
        carries=(HISTORY, BASELINE), permissions=PUSH, env=TOKEN,
    ),
)  # fmt: skip
SECURITY_JOBS = (
    CiJob(
        workflow="security",
        rust=True,
        cargo_cache=False,
        uploads_sarif=True,
        permissions=(("actions", "read"), ("contents", "read"), ("security-events", "write")),
    ),
)
# The release jobs as ferrox declares them (the publish session is not a step).
PUBLISH_JOBS = PUBLISH.ci
BUILD_JOBS = (CiJob(workflow="release", job="build-archives", cargo_cache=False),)


def registry(*extra: Step) -> dict[str, Step]:
    """The three steps of the foundation (fmt, clippy, test), plus ``extra``."""
    steps = [
        step("fmt", "rust", "ci", "lint", tools=("cargo", "rustfmt"), ci=IN_CI),
        step("clippy", "rust", "ci", "lint", tools=("cargo", "clippy"), ci=IN_CI),
        step(
            "test",
            "rust",
            "ci",
            "test",
            tools=("cargo", "cargo-nextest"),
            ci=(CiJob(matrix="os"),),
        ),
        *extra,
    ]
    return {s.name: s for s in steps}


def full_registry() -> dict[str, Step]:
    """Every kind of placement: ci jobs, PR-only and post-merge, security, release, schedules."""
    return registry(
        step("coverage", "rust", "ci", tools=("cargo", "cargo-tarpaulin"), ci=IN_CI),
        step("bench", "rust", "ci", "bench", ci=BENCH_JOBS),
        step("bench-baseline", "rust", "bench"),
        step("audit", "rust", "security", tools=("cargo", "cargo-audit")),
        step("bandit", "python", "security", tools=("bandit",), cargo=False),
        step(
            "security",
            "security",
            "ci",
            tools=(),
            cargo=False,
            ci=SECURITY_JOBS,
            covers_tag="security",
        ),
        step("build", "rust", "release", tools=("cargo", "cargo-zigbuild"), ci=BUILD_JOBS),
        step("publish", "release", tools=("git",), cargo=False, ci=PUBLISH_JOBS),
        step(
            "health",
            "monitoring",
            tools=("git",),
            cargo=False,
            # Scores what the scanners found: they run first in its job.
            ci=(CiJob(workflow="monitoring", runs_first=("security",)),),
        ),
    )


PINNED = ("cargo-nextest", "cargo-audit", "cargo-geiger", "cargo-tarpaulin")


def default_inputs() -> Inputs:
    """Today's three steps with the default [ci] settings."""
    return Inputs(registry(), CiSettings(), pinned_tools=PINNED)


def full_inputs() -> Inputs:
    """Every optional workflow, a target with features, extra sessions."""
    ci = CiSettings(
        test_os=("ubuntu-latest", "windows-latest"),
        targets=(
            Target("x86_64-unknown-linux-gnu", "ubuntu-latest", features=("cli",)),
            Target("aarch64-unknown-linux-musl", "ubuntu-latest", cross="zigbuild"),
            Target("aarch64-apple-darwin", "macos-latest"),
        ),
        extra_sessions=("lint",),
        python="3.13",
        timeout_minutes=30,
    )
    return Inputs(full_registry(), ci, pinned_tools=PINNED)


def release_inputs(publishers: tuple[str, ...]) -> Inputs:
    """The release workflow of the real publish session, with these [release] publishers."""
    steps = registry(step("build", "rust", "release", ci=BUILD_JOBS), PUBLISH)
    return Inputs(
        steps,
        CiSettings(),
        pinned_tools=(*PINNED, "hadolint"),
        settings={"publish": ReleaseSettings(publishers=publishers)},
    )


def actionlint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """actionlint on the files, JSON output (``[]`` when clean)."""
    binary = shutil.which("actionlint", path=str(BIN)) or "actionlint"
    return subprocess.run(
        [binary, "-format", "{{json .}}", *map(str, paths)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def zizmor(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    """zizmor --offline on the files, JSON output (``[]`` when clean)."""
    binary = shutil.which("zizmor", path=str(BIN)) or "zizmor"
    return subprocess.run(
        [binary, "--offline", "--no-progress", "--format", "json", *map(str, paths)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def findings(done: subprocess.CompletedProcess[str]) -> list[object]:
    """The JSON list a linter printed (an empty list when it found nothing)."""
    text = done.stdout.strip()
    data = json.loads(text) if text else []
    assert isinstance(data, list), done.stdout + done.stderr
    return data
