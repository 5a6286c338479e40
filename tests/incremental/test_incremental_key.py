"""A step's key changes with every input it covers, and only with those."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from ferrox.config import GlobalSettings
from ferrox.incremental import inputs
from ferrox.steps.fmt import FmtSettings
from ferrox.tools import ToolRunner
from gitrepo import git, init_committed

SHARED = inputs.Shared(files="f", pins="p", toolchain="t", environment="e")


def _key(shared: inputs.Shared = SHARED, **changes: object) -> str:
    arguments: dict[str, object] = {
        "step": "fmt",
        "settings": FmtSettings(),
        "global_settings": GlobalSettings(),
        "fix": False,
        "extra_args": (),
        **changes,
    }
    return inputs.step_key(shared, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"step": "clippy"},
        {"settings": FmtSettings(max_unformatted=1)},
        {"global_settings": GlobalSettings(report_dir="elsewhere")},
        {"fix": True},
        {"extra_args": ("--verbose",)},
        {"shared": dataclasses.replace(SHARED, files="g")},
        {"shared": dataclasses.replace(SHARED, pins="q")},
        {"shared": dataclasses.replace(SHARED, toolchain="u")},
        {"shared": dataclasses.replace(SHARED, environment="f")},
    ],
)
def test_every_input_changes_the_key(change: dict[str, object]) -> None:
    assert _key(**change) != _key()  # type: ignore[arg-type]


def test_equal_inputs_give_equal_keys() -> None:
    assert _key() == _key()


def test_the_environment_digest_covers_verdict_changing_names_only() -> None:
    base = {"HOME": "/root", "RUSTFLAGS": "", "PATH": "/bin"}
    assert inputs.environment_digest({**base, "HOME": "/tmp"}) == inputs.environment_digest(base)
    quiet = {**base, "PYTHONDONTWRITEBYTECODE": "1", "CARGO_TERM_COLOR": "always"}
    assert inputs.environment_digest(quiet) == inputs.environment_digest(base)
    for name, value in (
        ("RUSTFLAGS", "-D warnings"),
        ("CARGO_TARGET_DIR", "/tmp/t"),
        ("FERROX_TOOLS_HOME", "/x"),
        ("PATH", "/usr/bin"),
        ("PYTHONPATH", "src"),
    ):
        assert inputs.environment_digest({**base, name: value}) != inputs.environment_digest(base)


def test_the_pin_file_digest_follows_its_text(tmp_path: Path) -> None:
    pins = tmp_path / "tools.toml"
    pins.write_text('[cargo.cargo-audit]\nversion = "0.22.2"\n')
    before = inputs.pins_digest(pins)
    pins.write_text('[cargo.cargo-audit]\nversion = "0.22.3"\n')
    assert inputs.pins_digest(pins) != before


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("pub fn a() {}\n")
    (root / ".gitignore").write_text("target/\n*.log\n")
    init_committed(root)
    return root


def _files(root: Path) -> str | None:
    return inputs.files_digest(ToolRunner(), root, exclude=[root / "target" / "ferrox"])


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        (lambda root: (root / "src" / "lib.rs").write_text("pub fn b() {}\n"), True),
        (lambda root: (root / "notes.txt").write_text("new\n"), True),  # untracked, not ignored
        (lambda root: (root / "src" / "lib.rs").unlink(), True),  # tracked, deleted
        (lambda root: (root / "src" / "lib.rs").rename(root / "src" / "main.rs"), True),
        # Untracked but still seen (not ignored): the same path and bytes, the same digest.
        (lambda root: git(root, "rm", "-q", "--cached", "src/lib.rs"), False),
    ],
    ids=["unstaged-edit", "untracked", "delete", "rename", "untrack-only"],
)
def test_file_changes_change_the_files_digest(
    repo: Path, change: Callable[[Path], object], changed: bool
) -> None:
    before = _files(repo)
    change(repo)
    after = _files(repo)
    assert before is not None and after is not None
    assert (after != before) is changed


def test_ignored_files_and_outputs_do_not_change_it(repo: Path) -> None:
    before = _files(repo)
    (repo / "build.log").write_text("noise\n")
    (repo / "target" / "ferrox").mkdir(parents=True)
    (repo / "target" / "ferrox" / "fmt.json").write_text("{}\n")
    assert _files(repo) == before


def test_outside_git_there_is_no_digest(tmp_path: Path) -> None:
    (tmp_path / "a.rs").write_text("")
    assert _files(tmp_path) is None
