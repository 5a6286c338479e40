"""Small pieces: remote URLs, archive packing, the journal, the fault hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.build.archive import write_checksums
from ferrox.errors import ToolError, ToolOutputError, UsageError
from ferrox.release import artifacts, journal
from ferrox.release.faults import InjectedFault, checkpoint
from ferrox.release.remote import github_repository, parse_remote, web_url
from ferrox.release.settings import ReleaseSettings
from ferrox.rust.workspace import Package, Target, Workspace
from ferrox.steps.build import BuildSettings
from ferrox.tools import ToolRunner


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("https://github.com/o/r.git", ("github.com", "o", "r")),
        ("https://token@github.com/o/r", ("github.com", "o", "r")),
        ("git@github.com:o/r.git", ("github.com", "o", "r")),
        ("ssh://git@ghe.example.com:2222/o/r.git", ("ghe.example.com", "o", "r")),
        ("/srv/git/r.git", None),
        (None, None),
    ],
)
def test_parse_remote(url: str | None, parsed: tuple[str, str, str] | None) -> None:
    assert parse_remote(url) == parsed


def test_repository_and_links_from_settings_or_remote() -> None:
    plain = ReleaseSettings()
    assert github_repository(plain, "git@github.com:o/r.git") == "o/r"
    assert github_repository(plain, "https://gitlab.com/o/r") is None
    assert web_url(plain, "https://gitlab.com/o/r.git") == "https://gitlab.com/o/r"
    assert web_url(plain, "/local/path") is None
    configured = ReleaseSettings(github_repository="x/y", repository_url="https://w/x/y/")
    assert github_repository(configured, None) == "x/y"
    assert web_url(configured, None) == "https://w/x/y"
    assert web_url(ReleaseSettings(github_repository="x/y"), None) == "https://github.com/x/y"


def _workspace(root: Path) -> Workspace:
    target = Target("tool", ("bin",), root / "src" / "main.rs", doctest=False)
    return Workspace(
        root, root / "target", (Package("tool", "1.0.0", root / "Cargo.toml", (target,)),)
    )


def test_archives_are_named_as_the_build_step_names_them(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    targets = artifacts.release_targets(BuildSettings(), ())
    assert targets == BuildSettings().targets  # the build step's five by default
    chosen = ("x86_64-pc-windows-gnu", "aarch64-unknown-linux-gnu")
    assert artifacts.release_targets(BuildSettings(), chosen) == (
        "x86_64-pc-windows-gnu",
        "aarch64-unknown-linux-musl",  # [build] libc applies
    )
    plans = artifacts.plan_archives(workspace, BuildSettings(), "1.0.0", chosen)
    assert [p.name for p in plans] == [
        "tool-1.0.0-x86_64-pc-windows-gnu.zip",
        "tool-1.0.0-aarch64-unknown-linux-gnu.tar.gz",
    ]
    assert (
        artifacts.plan_archives(Workspace(tmp_path, tmp_path, ()), BuildSettings(), "1", ("t",))
        == []
    )
    assert artifacts.build_command(("a", "b")) == "ferrox run build  # targets: a, b"


def test_prebuilt_archives_are_checked_against_their_checksums(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert artifacts.built_archives(tmp_path, "1.0.0", out) is None  # none built: build now
    dist = tmp_path / "target" / "ferrox" / "dist"
    dist.mkdir(parents=True)
    archive = dist / "tool-1.0.0-aarch64-unknown-linux-musl.tar.gz"
    archive.write_bytes(b"archive")
    write_checksums(dist / "SHA256SUMS", [archive])
    (copied,) = artifacts.built_archives(tmp_path, "1.0.0", out) or []
    assert copied == out / archive.name and copied.read_bytes() == b"archive"
    with pytest.raises(UsageError, match=r"not an archive of version 2\.0\.0"):
        artifacts.built_archives(tmp_path, "2.0.0", out)
    archive.write_bytes(b"tampered")
    with pytest.raises(ToolError, match="does not match its checksum"):
        artifacts.built_archives(tmp_path, "1.0.0", out)
    archive.unlink()
    with pytest.raises(ToolError, match="missing"):
        artifacts.built_archives(tmp_path, "1.0.0", out)
    (dist / "SHA256SUMS").write_text(f"{'0' * 64}  ../escape.tar.gz\n")
    with pytest.raises(ToolError, match="escape"):
        artifacts.built_archives(tmp_path, "1.0.0", out)


def test_python_build_failure_is_a_tool_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[build-system]\nrequires = []\nbuild-backend = 'nope'\n"
    )
    out = tmp_path / "dist"
    out.mkdir()
    with pytest.raises(ToolOutputError, match="python -m build failed"):
        artifacts.build_python(ToolRunner(), tmp_path, out, isolation=False, timeout=120)


def test_journal_round_trip_and_corruption(tmp_path: Path) -> None:
    path = tmp_path / "j.json"
    assert journal.read(path) is None
    state = journal.Journal(
        "1.0.0",
        "v1.0.0",
        "main",
        "origin",
        "abc",
        {"a": journal.encode(b"x\r\n"), "b": None},
        "notes",
        ("git",),
        False,
    )
    journal.write(path, state.with_step("bump"))
    loaded = journal.read(path)
    assert loaded is not None and loaded.started == ("bump",)
    assert loaded.before("a") == b"x\r\n" and loaded.before("b") is None
    path.write_text("{not json")
    with pytest.raises(UsageError, match="unreadable"):
        journal.read(path)


def test_fault_hook_only_fires_for_its_step() -> None:
    checkpoint({}, "bump")
    checkpoint({"FERROX_RELEASE_FAULT": "after:tag:exception"}, "bump")
    with pytest.raises(InjectedFault, match="after bump"):
        checkpoint({"FERROX_RELEASE_FAULT": "after:bump:exception"}, "bump")
    with pytest.raises(InjectedFault, match=r"after upload:a:b\.tar\.gz"):
        checkpoint(
            {"FERROX_RELEASE_FAULT": "after:upload:a:b.tar.gz:exception"}, "upload:a:b.tar.gz"
        )


def test_default_gates_are_the_registered_ones() -> None:
    from ferrox.release.plan import resolve_gates
    from ferrox.release.settings import DEFAULT_GATES
    from ferrox.steps import all_steps

    demo = Path(__file__).parents[2] / "examples" / "demo"
    gates = resolve_gates(ReleaseSettings(), demo)
    assert gates == tuple(name for name in DEFAULT_GATES if name in all_steps())
    assert gates[:3] == ("fmt", "clippy", "test")
    assert resolve_gates(ReleaseSettings(gates=()), demo) == ()
    # Nothing for the Rust steps in a project without a Cargo.toml.
    assert not {"fmt", "clippy", "test"} & set(
        resolve_gates(ReleaseSettings(), Path(__file__).parent)
    )
