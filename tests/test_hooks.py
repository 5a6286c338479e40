"""``ferrox hooks install``: a real pre-push hook stopping a real push of a slower main."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GIT, *args], cwd=repo, check=check, capture_output=True, text=True)


@pytest.fixture
def pushed_demo(fresh_crate: Callable[[str], Path], tmp_path: Path) -> Path:
    """The demo as a repository whose main is pushed to a bare `origin`."""
    demo = fresh_crate("demo")
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    _git(demo, "init", "-q", "-b", "main")
    _git(demo, "add", "-A")
    _git(demo, "commit", "-q", "-m", "base")
    _git(demo, "remote", "add", "origin", str(remote))
    _git(demo, "push", "-q", "origin", "main")
    return demo


@pytest.mark.slow
def test_the_hook_stops_a_slower_push_to_main_and_lets_others_through(
    ferrox: Callable[..., Any], pushed_demo: Path
) -> None:
    result = ferrox("hooks", "install", "-C", str(pushed_demo), "--mode", "instructions")
    assert result.code == 0, result.err
    assert "installed" in result.out and "--mode instructions" in result.out
    bench = pushed_demo / "crates/demo-core/benches/checksum.rs"
    bench.write_text(bench.read_text().replace("PCT: u32 = 0;", "PCT: u32 = 3;"))
    _git(pushed_demo, "commit", "-q", "-am", "3% slower")
    # Another branch is not checked.
    assert _git(pushed_demo, "push", "-q", "origin", "main:topic").returncode == 0
    stopped = _git(pushed_demo, "push", "origin", "main", check=False)
    assert stopped.returncode != 0
    assert "push stopped" in stopped.stdout + stopped.stderr
    _git(pushed_demo, "revert", "--no-edit", "HEAD")
    passed = _git(pushed_demo, "push", "origin", "main", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "quick benchmark check" in passed.stdout + passed.stderr


def test_a_foreign_hook_is_kept_unless_forced(
    ferrox: Callable[..., Any], pushed_demo: Path
) -> None:
    hook = pushed_demo / ".git" / "hooks" / "pre-push"
    hook.write_text("#!/bin/sh\nexit 0\n")
    refused = ferrox("hooks", "install", "-C", str(pushed_demo))
    assert refused.code == 2 and "not written by ferrox" in refused.err
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"
    forced = ferrox("hooks", "install", "-C", str(pushed_demo), "--force", "--mode", "paired")
    assert forced.code == 0 and "replaced" in forced.out
    again = ferrox("hooks", "install", "-C", str(pushed_demo))  # ours: replaced without --force
    assert again.code == 0
    assert "ferrox pre-push hook" in hook.read_text()


def test_outside_a_repository_is_a_usage_error(ferrox: Callable[..., Any], tmp_path: Path) -> None:
    result = ferrox("hooks", "install", "-C", str(tmp_path))
    assert result.code == 2 and "not inside a git repository" in result.err


def _baseline(demo: Path, cpu: str | None = None) -> Path:
    """A stored baseline as `nox -s bench-baseline` writes it (this machine, or another CPU)."""
    import json
    from dataclasses import replace

    from ferrox.bench import environment
    from ferrox.bench.schema import BenchRun, Measurement
    from ferrox.tools import ToolRunner

    env = environment.collect(ToolRunner(), demo)
    if cpu is not None:
        env = replace(env, cpu_model=cpu)
    run = BenchRun(
        env,
        (Measurement("checksum", "adler32_64k", "ns", (1.0, 1.0, 1.0, 1.0), source="libtest"),),
        "2026-01-01T00:00:00+00:00",
        {"kind": "baseline"},
    )
    path = demo / ".ferrox" / "bench-baseline.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run.to_dict()))
    return path


def test_without_a_mode_a_stored_baseline_selects_compare_at_push_time(
    ferrox: Callable[..., Any], pushed_demo: Path, fake_cargo: Callable[[str], Path]
) -> None:
    # cargo fails at once: each check is seen choosing its mode, then stopping the push.
    fake_cargo("import sys\nprint('no build today', file=sys.stderr)\nsys.exit(101)\n")
    result = ferrox("hooks", "install", "-C", str(pushed_demo))
    assert result.code == 0, result.err
    assert "--mode compare` when " in result.out and "bench-baseline.json exists" in result.out
    _git(pushed_demo, "commit", "-q", "--allow-empty", "-m", "next")
    paired = _git(pushed_demo, "push", "origin", "main", check=False)
    output = paired.stdout + paired.stderr
    assert paired.returncode != 0 and "push stopped" in output
    assert "(paired)" in output or "(instructions)" in output
    assert "(compare)" not in output and "cargo bench --no-run failed" in output

    # The baseline appears after the install: the next push compares with it (and reads it
    # before building: one recorded on another machine is refused by name).
    baseline = _baseline(pushed_demo, cpu="a faraway CPU")
    foreign = _git(pushed_demo, "push", "origin", "main", check=False)
    output = foreign.stdout + foreign.stderr
    assert foreign.returncode != 0 and "(compare)" in output
    assert "a faraway CPU" in output and "push stopped" in output
    baseline.unlink()
    _baseline(pushed_demo)
    compared = _git(pushed_demo, "push", "origin", "main", check=False)
    output = compared.stdout + compared.stderr
    assert compared.returncode != 0 and "(compare)" in output
    assert "cargo bench --no-run failed" in output  # past the baseline checks, to the build


def test_an_explicit_compare_mode_needs_the_baseline(
    ferrox: Callable[..., Any], pushed_demo: Path
) -> None:
    result = ferrox("hooks", "install", "-C", str(pushed_demo), "--mode", "compare")
    assert result.code == 0, result.err
    assert "`ferrox run bench --mode compare` (against the stored baseline)" in result.out
    _git(pushed_demo, "commit", "-q", "--allow-empty", "-m", "next")
    stopped = _git(pushed_demo, "push", "origin", "main", check=False)
    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0 and "(compare)" in output
    assert "no stored benchmark baseline" in output and "push stopped" in output
