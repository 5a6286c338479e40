"""The demo workspace passes every step: it is what `nox -s demo` shows a new user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.mark.parametrize("step", ["fmt", "clippy", "test"])
def test_demo_passes(
    ferrox: Callable[..., object], fresh_crate: Callable[[str], Path], step: str
) -> None:
    demo = fresh_crate("demo")
    result = ferrox("run", step, "-C", str(demo))
    assert result.code == 0, result.out
    if step == "test":
        names = {t["name"] for t in result.report["tests"]}
        assert "crates/demo-core/src/lib.rs - fibonacci (line 8)" in names  # doc tests ran
        assert result.report["metrics"]["passed"] >= 6


@pytest.mark.slow
def test_nox_demo_gives_the_quick_verdicts_before_installing_the_security_tools(
    tmp_path: Path,
) -> None:
    """`nox -s demo` on a scratch copy: fmt, clippy and test verdicts, then the security tools."""
    import os
    import shutil
    import subprocess

    repo = Path(__file__).parents[1]
    for name in ("noxfile.py", "pyproject.toml", "README.md", "ci/tools.toml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, tmp_path / name)
    shutil.copytree(
        repo / "examples" / "demo",
        tmp_path / "examples" / "demo",
        ignore=shutil.ignore_patterns("target"),
    )
    (tmp_path / ".git").mkdir()  # the pin file is looked up to the repository root
    done = subprocess.run(
        ["nox", "-f", "noxfile.py", "-s", "demo"], cwd=tmp_path, capture_output=True,
        text=True, check=False, env={**os.environ, "NO_COLOR": "1"}, timeout=1800,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    installs = [i for i, line in enumerate(output.splitlines()) if "pinned tools" in line]
    lines = output.splitlines()
    verdicts = {
        step: next(i for i, line in enumerate(lines) if line.startswith(f"PASS {step} "))
        for step in ("fmt", "clippy", "test", "security")
    }
    assert len(installs) == 2, output[-4000:]  # one install per stage
    assert installs[0] < verdicts["fmt"] < verdicts["clippy"] < verdicts["test"] < installs[1]
    assert installs[1] < verdicts["security"]
