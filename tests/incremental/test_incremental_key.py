"""A step's key changes with every input it covers, and only with those."""

from __future__ import annotations

import dataclasses
import json
import os
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


TOOLCHAINS = Path.home() / ".rustup" / "toolchains"


def _toolchain_bin(name: str) -> Path:
    found = sorted(TOOLCHAINS.glob(f"{name}-*/bin"))
    if not found:
        pytest.skip(f"no {name} toolchain installed with rustup")
    return found[0]


def _runner_with_rustc(tmp_path: Path, toolchain: str) -> ToolRunner:
    """A runner whose PATH finds that toolchain's rustc and cargo first (links to the real ones)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for program in ("rustc", "cargo"):
        link = bin_dir / program
        link.unlink(missing_ok=True)
        link.symlink_to(_toolchain_bin(toolchain) / program)
    env = dict(ToolRunner().env)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return ToolRunner(env=env)


def test_the_toolchain_probe_is_reused_while_its_binaries_are_unchanged(tmp_path: Path) -> None:
    runner = _runner_with_rustc(tmp_path, "stable")
    cache_dir = tmp_path / "cache"
    probed = inputs.toolchain_digest(runner, tmp_path, cache_dir)
    assert probed == inputs.toolchain_digest(runner, tmp_path)  # the real answer
    record = cache_dir / inputs.TOOLCHAIN_PROBE_FILE
    # A planted answer under the same fingerprint is what comes back: the probe did not run.
    data = json.loads(record.read_text())
    record.write_text(json.dumps({**data, "digest": "planted"}))
    assert inputs.toolchain_digest(runner, tmp_path, cache_dir) == "planted"


def test_another_rustc_on_path_re_runs_the_probe(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    stable = inputs.toolchain_digest(_runner_with_rustc(tmp_path, "stable"), tmp_path, cache_dir)
    nightly_runner = _runner_with_rustc(tmp_path, "nightly")
    nightly = inputs.toolchain_digest(nightly_runner, tmp_path, cache_dir)
    assert nightly != stable
    assert nightly == inputs.toolchain_digest(nightly_runner, tmp_path)


@pytest.mark.parametrize(
    "change",
    ["rust-toolchain file above the project", "rustup settings", "a toolchain's rustc", "env"],
)
def test_what_decides_the_toolchain_changes_the_fingerprint(tmp_path: Path, change: str) -> None:
    home = tmp_path / "rustup"
    (home / "toolchains" / "stable-x" / "bin").mkdir(parents=True)
    (home / "toolchains" / "stable-x" / "bin" / "rustc").write_text("1")
    (home / "settings.toml").write_text('default_toolchain = "stable"\n')
    project = tmp_path / "outer" / "project"
    project.mkdir(parents=True)
    runner = ToolRunner(env={**ToolRunner().env, "RUSTUP_HOME": str(home)})
    before = inputs.toolchain_fingerprint(runner, project)
    if change == "rust-toolchain file above the project":
        (tmp_path / "outer" / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "beta"\n')
    elif change == "rustup settings":
        (home / "settings.toml").write_text('default_toolchain = "nightly"\n')
    elif change == "a toolchain's rustc":
        replaced = home / "toolchains" / "stable-x" / "bin" / "rustc.new"
        replaced.write_text("22")
        replaced.replace(home / "toolchains" / "stable-x" / "bin" / "rustc")
    else:
        runner = ToolRunner(env={**runner.env, "RUSTUP_TOOLCHAIN": "nightly"})
    assert inputs.toolchain_fingerprint(runner, project) != before


def test_a_corrupt_probe_record_is_ignored(tmp_path: Path) -> None:
    runner = _runner_with_rustc(tmp_path, "stable")
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / inputs.TOOLCHAIN_PROBE_FILE).write_text("{not json")
    assert inputs.toolchain_digest(runner, tmp_path, cache_dir) == inputs.toolchain_digest(
        runner, tmp_path
    )
