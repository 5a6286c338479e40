"""The release flow's archives use the build step's writers: the same bytes twice, no leftovers."""

from __future__ import annotations

import tarfile
from pathlib import Path

from ferrox.release import artifacts
from ferrox.rust.workspace import Package, Target, Workspace
from ferrox.tools import ToolRunner


def test_a_release_archive_is_reproducible(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("r\n")
    (tmp_path / "LICENSE").write_text("l\n")
    bin_target = Target("tool", ("bin",), tmp_path / "src" / "main.rs", doctest=False)
    package = Package("tool", "1.0.0", tmp_path / "Cargo.toml", (bin_target,))
    workspace = Workspace(tmp_path, tmp_path / "target", (package,))
    (plan,) = artifacts.plan_archives(workspace, "v1.0.0", ("aarch64-unknown-linux-musl",))
    release_dir = tmp_path / "target" / plan.target / "release"
    release_dir.mkdir(parents=True)
    (release_dir / "tool").write_bytes(b"\x7fELF")
    fake = plan.__class__(plan.name, plan.target, plan.binaries, ("git", "--version"))
    digests = []
    for name in ("one", "two"):
        out = tmp_path / name
        out.mkdir()
        built = artifacts.build_archive(
            ToolRunner(), tmp_path, workspace=workspace, plan=fake, out=out, timeout=60
        )
        digests.append(built.read_bytes())
        assert [p.name for p in out.iterdir()] == [plan.name]  # no temporary file left
        (release_dir / "tool").touch()  # a newer mtime must not change the bytes
    assert digests[0] == digests[1]
    with tarfile.open(tmp_path / "one" / plan.name) as opened:
        modes = {m.name.rsplit("/", 1)[1]: m.mode for m in opened.getmembers()}
    assert modes == {"LICENSE": 0o644, "README.md": 0o644, "tool": 0o755}
