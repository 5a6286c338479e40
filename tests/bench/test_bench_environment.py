"""The environment fingerprint from the real machine, git and rustc."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ferrox.bench import environment
from ferrox.tools import ToolRunner

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def test_fingerprint_of_a_dirty_checkout(tmp_path: Path) -> None:
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "a.txt").write_text("1")
    subprocess.run([*GIT, "add", "a.txt"], cwd=tmp_path, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "x"], cwd=tmp_path, check=True)
    clean = environment.collect(ToolRunner(), tmp_path)
    assert len(clean.commit) == 40 and not clean.dirty
    assert clean.rustc.startswith("rustc ") and clean.cores == os.cpu_count()
    assert clean.cpu_model and clean.cpu_model != "unknown"
    (tmp_path / "a.txt").write_text("2")
    assert environment.collect(ToolRunner(), tmp_path).dirty


def test_outside_git_and_without_tools_the_fields_say_unknown(tmp_path: Path) -> None:
    outside = environment.collect(ToolRunner(), tmp_path)
    assert outside.commit == "unknown" and not outside.dirty
    bare = environment.collect(ToolRunner(env={"PATH": str(tmp_path)}), tmp_path)
    assert (bare.rustc, bare.commit) == ("unknown", "unknown")
