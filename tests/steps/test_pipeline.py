"""The pipeline step (``nox -s ci``): real fmt on a fixture crate, the cache, faults, Ctrl-C."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import fake_step
import ferrox.steps
from ferrox.context import Context
from ferrox.errors import ToolError
from ferrox.incremental import cache
from ferrox.model import StepResult
from gitrepo import git, init_committed

CRATES = Path(__file__).parents[1] / "fixtures" / "crates"


@pytest.fixture(autouse=True)
def registered_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The fake step from tests/fake_step.py in the registry, for verdicts fmt cannot give."""
    monkeypatch.setitem(sys.modules, f"ferrox.steps.{fake_step.NAME}", fake_step)
    monkeypatch.setattr(ferrox.steps, "_MODULES", (*ferrox.steps._MODULES, fake_step.NAME))
    yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The clean fixture crate as a committed repository running fmt and the fake step."""
    root = tmp_path / "clean"
    shutil.copytree(CRATES / "clean", root, ignore=shutil.ignore_patterns("target"))
    (root / ".gitignore").write_text("target/\n")
    _configure(root)
    init_committed(root)
    return root


def _configure(root: Path, extra: str = "", mode: str = "pass") -> None:
    (root / "ferrox.toml").write_text(
        f'[pipeline]\nsteps = ["fmt", "{fake_step.NAME}"]\n'
        f'[{fake_step.NAME}]\nmode = "{mode}"\n{extra}'
    )


def _reports(root: Path) -> Path:
    return root / "target" / "ferrox"


def _run(ferrox: Callable[..., Any], root: Path, *options: str) -> Any:
    return ferrox("run", "pipeline", "-C", str(root), "--report-dir", str(_reports(root)), *options)


def _from_cache(result: Any) -> int:
    return int(result.report["metrics"]["cached"])


def test_a_warm_run_reuses_the_reports_of_passing_steps(
    ferrox: Callable[..., Any], project: Path
) -> None:
    cold = _run(ferrox, project)
    assert cold.code == 0, cold.out
    assert _from_cache(cold) == 0
    report = (_reports(project) / "fmt.json").read_text()
    warm = _run(ferrox, project)
    assert warm.code == 0
    assert _from_cache(warm) == 2
    assert "2 from the cache" in warm.report["summary"]
    assert (_reports(project) / "fmt.json").read_text() == report  # the stored report stands
    assert _from_cache(_run(ferrox, project, "--no-cache")) == 0
    assert _from_cache(_run(ferrox, project)) == 2  # the forced run refreshed the entries


@pytest.mark.parametrize(
    "change",
    [
        lambda root, _mp: (root / "src" / "lib.rs").write_text(
            (root / "src" / "lib.rs").read_text() + "// a comment\n"
        ),
        lambda root, _mp: (root / "NOTES.md").write_text("untracked, not ignored\n"),
        lambda root, _mp: _configure(root, "[fmt]\nmax_unformatted = 3\n"),
        lambda root, _mp: _configure(root),
        lambda root, mp: mp.setenv("RUSTFLAGS", "-D warnings"),
        lambda root, _mp: git(root, "mv", "src/lib.rs", "src/other.rs"),
    ],
    ids=["tracked-edit", "untracked-file", "step-config", "same-config", "env", "rename"],
)
def test_changing_any_input_re_runs_the_steps(
    ferrox: Callable[..., Any],
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Path, pytest.MonkeyPatch], object],
    request: pytest.FixtureRequest,
) -> None:
    assert _run(ferrox, project).code == 0
    change(project, monkeypatch)
    result = _run(ferrox, project)
    if request.node.callspec.id == "same-config":
        assert _from_cache(result) == 2  # rewriting the same configuration is no change
    else:
        assert _from_cache(result) == 0, request.node.callspec.id


def test_a_failing_step_is_never_cached(ferrox: Callable[..., Any], project: Path) -> None:
    _configure(project, mode="fail")
    git(project, "commit", "-qam", "fail")
    assert _run(ferrox, project).code == 1
    again = _run(ferrox, project)
    assert again.code == 1
    assert _from_cache(again) == 1  # fmt passed and is reused; the failure runs again
    assert not cache.entry_path(_reports(project), fake_step.NAME).exists()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda entry: entry.write_text('{"format": "ferrox-ci-cache-1", "step": "fm'),
        lambda entry: entry.write_text(
            entry.read_text().replace('"step": "fmt"', f'"step": "{fake_step.NAME}"')
        ),
        lambda entry: entry.write_text(entry.read_text().replace('"status": "pass"', '"x": 1')),
        lambda entry: entry.write_text(
            entry.read_text().replace('"file": "fmt.json"', '"file": "../x"')
        ),
        lambda entry: (entry.parent.parent / "fmt.json").write_text("{}\n"),
        lambda entry: (entry.parent.parent / "fmt.md").unlink(),
    ],
    ids=["corrupt", "foreign-step", "not-a-pass", "path-outside", "report-edited", "report-gone"],
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_the_step_re_runs(
    ferrox: Callable[..., Any], project: Path, spoil: Callable[[Path], object]
) -> None:
    assert _run(ferrox, project).code == 0
    spoil(cache.entry_path(_reports(project), "fmt"))
    result = _run(ferrox, project)
    assert result.code == 0
    assert _from_cache(result) == 1  # the fake step's entry was untouched
    fmt = json.loads((_reports(project) / "fmt.json").read_text())
    assert fmt["step"] == "fmt" and fmt["status"] == "pass"


def test_an_entry_copied_from_another_step_is_foreign(
    ferrox: Callable[..., Any], project: Path
) -> None:
    assert _run(ferrox, project).code == 0
    entries = _reports(project) / cache.CACHE_DIR
    shutil.copy(entries / f"{fake_step.NAME}.json", entries / "fmt.json")
    assert _from_cache(_run(ferrox, project)) == 1


def _crash(ctx: Context) -> StepResult:
    raise RuntimeError("a bug in the step")


def test_a_crashing_step_fails_the_pipeline_by_name_and_keeps_the_other_reports(
    ferrox: Callable[..., Any], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake_step, "STEP", dataclasses.replace(fake_step.STEP, run=_crash))
    result = _run(ferrox, project)
    assert result.code == 3
    assert f"{fake_step.NAME}: error (exit 3)" in result.report["summary"]
    assert "a bug in the step" in result.report["error"]
    assert json.loads((_reports(project) / "fmt.json").read_text())["status"] == "pass"
    assert json.loads((_reports(project) / f"{fake_step.NAME}.json").read_text())["exit_code"] == 3


def _interrupt(ctx: Context) -> StepResult:
    raise KeyboardInterrupt


def test_ctrl_c_leaves_no_entry_and_no_half_written_report(
    ferrox: Callable[..., Any], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(ferrox, project).code == 0
    (project / "NOTES.md").write_text("a change, so both steps run\n")
    monkeypatch.setattr(fake_step, "STEP", dataclasses.replace(fake_step.STEP, run=_interrupt))
    result = _run(ferrox, project)
    assert result.code == 130
    # The interrupted step's old entry is gone (its report may be replaced by the next run).
    assert not cache.entry_path(_reports(project), fake_step.NAME).exists()
    leftovers = [p.name for p in _reports(project).rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    for report in _reports(project).glob("*.json"):
        json.loads(report.read_text())  # whole, whichever run wrote it
    # Nothing half done is trusted: the next run runs the interrupted step again.
    monkeypatch.setattr(fake_step, "STEP", fake_step.STEP)


def test_unknown_steps_are_a_config_error(ferrox: Callable[..., Any], project: Path) -> None:
    (project / "ferrox.toml").write_text('[pipeline]\nsteps = ["fmt", "clipy"]\n')
    result = _run(ferrox, project)
    assert result.code == 2
    assert "pipeline.steps" in result.err and "clippy" in result.err


def test_no_cache_is_only_for_the_pipeline(ferrox: Callable[..., Any], project: Path) -> None:
    result = ferrox("run", "fmt", "-C", str(project), "--no-cache")
    assert result.code == 2
    assert "--no-cache does not apply to the fmt step" in result.err


def test_nox_dash_s_ci_runs_the_pipeline(project: Path) -> None:
    (project / "ferrox.toml").write_text('[pipeline]\nsteps = ["fmt"]\n')
    (project / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
    done = subprocess.run(
        [sys.executable, "-m", "nox", "-s", "ci"], cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads((_reports(project) / "pipeline.json").read_text())["summary"]
    assert summary.startswith("1 of 1 steps passed")


def test_a_step_without_a_build_runs_beside_one_that_builds(
    ferrox: Callable[..., Any], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each waits for the other: fmt (which only reads the sources) for the building step to hold
    # the target directory's lock, that step for fmt to finish. Both pass only side by side.
    import ferrox.steps.fmt as fmt_module

    build_started, fmt_done = threading.Event(), threading.Event()
    real_fmt = fmt_module.STEP

    def fmt_beside_the_build(ctx: Context) -> StepResult:
        try:
            if not build_started.wait(timeout=30):
                raise ToolError("the building step never started beside fmt", tool="fake")
            return real_fmt.run(ctx)
        finally:
            fmt_done.set()

    def build_waiting_for_fmt(ctx: Context) -> StepResult:
        assert ctx.target_dir_lock is not None and ctx.target_dir_lock.locked()
        build_started.set()
        mode = "pass" if fmt_done.wait(timeout=30) else "fail"
        return fake_step.run(dataclasses.replace(ctx, settings=fake_step.FakeSettings(mode)))

    monkeypatch.setattr(fmt_module, "STEP", dataclasses.replace(real_fmt, run=fmt_beside_the_build))
    monkeypatch.setattr(
        fake_step,
        "STEP",
        dataclasses.replace(fake_step.STEP, uses_target_dir=True, run=build_waiting_for_fmt),
    )
    (project / "ferrox.toml").write_text(
        f'[pipeline]\nsteps = ["fmt", "{fake_step.NAME}"]\njobs = 2\n'
    )
    result = _run(ferrox, project)
    assert result.code == 0, result.report["summary"]
    assert fmt_done.is_set()


def test_steps_that_build_share_one_lane_and_the_others_one_each() -> None:
    from ferrox.steps.pipeline import lanes

    steps = [ferrox.steps.get_step(name) for name in ("fmt", "clippy", "test", "security")]
    assert [[step.name for step in lane] for lane in lanes(steps)] == [
        ["clippy", "test"],
        ["fmt"],
        ["security"],
    ]
