"""The images' binary is the build step's: same path, same flags, so the same file."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.docker.binary import musl_target, static_binary
from ferrox.rust.workspace import load_workspace
from ferrox.tools import ToolRunner

DEMO = Path(__file__).parents[2] / "examples" / "demo"
HOST_MUSL = "x86_64-unknown-linux-musl"


def test_the_musl_target_follows_the_host_cpu() -> None:
    assert musl_target("x86_64-unknown-linux-gnu") == HOST_MUSL
    assert musl_target("aarch64-apple-darwin") == "aarch64-unknown-linux-musl"


def test_the_image_binary_is_the_build_steps_own(
    ferrox: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("target"))
    (root / "ferrox.toml").write_text(f'[build]\ntargets = ["{HOST_MUSL}"]\nsmoke_args = ["1,2"]\n')
    monkeypatch.setenv("CARGO_TARGET_DIR", str(tmp_path / "target"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    runner = ToolRunner()
    binary = static_binary(
        runner, root, load_workspace(runner, root), wanted="", source="test", timeout=600
    )
    assert binary.path == tmp_path / "target" / HOST_MUSL / "release" / "demo-cli"
    before = (binary.path.read_bytes(), binary.path.stat().st_mtime_ns)
    # The build step then finds it up to date (same command and flags: cargo rebuilds nothing)
    # and archives exactly those bytes.
    assert ferrox("run", "build", "-C", str(root)).code == 0
    assert (binary.path.read_bytes(), binary.path.stat().st_mtime_ns) == before
    archive = root / "target" / "ferrox" / "dist" / f"demo-cli-0.1.0-{HOST_MUSL}.tar.gz"
    with tarfile.open(archive) as tar:
        member = tar.extractfile(f"demo-cli-0.1.0-{HOST_MUSL}/demo-cli")
        assert member is not None
        archived = member.read()
    assert hashlib.sha256(archived).digest() == hashlib.sha256(before[0]).digest()
