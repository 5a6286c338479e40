"""Zero-config ``ferrox init`` in a fresh crate: ferrox-ci pinned by hash as its own wheel.

End to end on real tools: ``cargo new``, ``git init``, ``ferrox init`` with no configuration, then
``pip install --require-hashes -r ci/requirements.txt`` into a fresh venv (dependencies from PyPI,
ferrox-ci from the wheel init wrote), and the installed ferrox agrees with the generated workflows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrox.ci import bundle, files
from ferrox.ci.settings import CiSettings
from ferrox.errors import ConfigError
from ferrox.tools import ToolRunner

Call = Callable[..., Any]


def _fresh_crate(tmp_path: Path, name: str = "hello") -> Path:
    subprocess.run(["cargo", "new", "-q", "--vcs", "none", name], cwd=tmp_path, check=True)
    crate = tmp_path / name
    subprocess.run(["git", "init", "-q"], cwd=crate, check=True)
    return crate


def _clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH: the venv must run its own installed ferrox."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args], cwd=cwd, capture_output=True, text=True, check=False,
        env=_clean_env(),
    )  # fmt: skip


def _pip(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return _run(python, "-m", "pip", "--disable-pip-version-check", *args, cwd=cwd)


def test_zero_config_init_installs_with_require_hashes(ferrox: Call, tmp_path: Path) -> None:
    crate = _fresh_crate(tmp_path)
    done = ferrox("init", "-C", str(crate))
    assert done.code == 0, done.out + done.err
    (wheel,) = (crate / "ci").glob("ferrox_ci-*-py3-none-any.whl")
    assert f"created   ci/{wheel.name}" in done.out
    requirements = (crate / "ci" / "requirements.txt").read_text()
    assert f"./ci/{wheel.name} \\\n    --hash=sha256:" in requirements
    assert "not on PyPI" in requirements and "nox==" in requirements
    # Init again: the same sources build the same bytes, so nothing changes.
    again = ferrox("init", "-C", str(crate))
    assert again.code == 0 and f"unchanged ci/{wheel.name}" in again.out, again.out

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    installed = _pip(python, "install", "-q", "--require-hashes", "-r", "ci/requirements.txt",
                     cwd=crate)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    where = _run(python, "-c", "import ferrox; print(ferrox.__file__)", cwd=crate)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    check = _run(python, "-m", "ferrox", "init", "--check", cwd=crate)
    assert check.returncode == 0 and "in sync" in check.stdout, check.stdout + check.stderr

    # The installed (not editable) ferrox bundles itself by packing its files back into a wheel.
    other = _fresh_crate(tmp_path, "other")
    repacked = _run(python, "-m", "ferrox", "init", "--requirements", cwd=other)
    assert repacked.returncode == 0, repacked.stdout + repacked.stderr
    (bundled,) = (other / "ci").glob("ferrox_ci-*.whl")
    dry_run = _pip(python, "install", "--dry-run", "--ignore-installed", "-q", "--require-hashes",
                   "-r", "ci/requirements.txt", cwd=other)  # fmt: skip
    assert dry_run.returncode == 0, dry_run.stderr

    # A wheel that is not the one pinned is refused.
    bundled.write_bytes(bundled.read_bytes() + b"\0")
    tampered = _pip(python, "install", "--dry-run", "--no-deps", "--ignore-installed",
                    "--require-hashes", "-r", "ci/requirements.txt", cwd=other)  # fmt: skip
    assert tampered.returncode != 0 and "DO NOT MATCH THE HASHES" in tampered.stderr


def test_repack_is_deterministic_and_a_valid_wheel(tmp_path: Path) -> None:
    """Packing an installed distribution twice gives the same bytes, and pip installs it."""
    from importlib import metadata

    dist = metadata.distribution("tomlkit")  # any installed pure-Python distribution
    first, second = bundle.repack(dist), bundle.repack(dist)
    assert first == second
    wheel = tmp_path / f"tomlkit-{dist.version}-py3-none-any.whl"
    wheel.write_bytes(first)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "tomlkit/__init__.py" in names and not any("__pycache__" in n for n in names)
    assert names[-1].endswith(".dist-info/RECORD")
    target = tmp_path / "target"
    done = _pip(Path(sys.executable), "install", "-q", "--no-deps", "--target", str(target),
                str(wheel), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (target / "tomlkit" / "__init__.py").is_file()


def _pypi(version: str, url: str) -> Callable[[str], dict[str, Any] | None]:
    """A stand-in for PyPI's JSON API (ferrox-ci is not published yet)."""

    def fetch(project: str) -> dict[str, Any] | None:
        if project != bundle.DISTRIBUTION:
            return None
        return {
            "info": {"project_urls": {"Repository": url}},
            "releases": {version: [{"digests": {"sha256": "a" * 64}}]},
        }

    return fetch


def test_auto_pins_the_pypi_release_only_when_it_is_ours() -> None:
    version = bundle.running().version
    assert files._on_pypi(version, _pypi(version, f"https://{files.FERROX_REPOSITORY}"))
    assert not files._on_pypi(version, _pypi(version, "https://github.com/someone/else"))
    assert not files._on_pypi(version, _pypi("0.0.0", f"https://{files.FERROX_REPOSITORY}"))
    assert not files._on_pypi(version, lambda _p: None)


def test_pypi_source_refuses_an_unpublished_version(tmp_path: Path) -> None:
    """ferrox_source = "pypi" with this version not on PyPI: exit 2 naming the key and 'bundled'."""
    with pytest.raises(ConfigError) as caught:
        files.requirements_files(
            tmp_path, CiSettings(ferrox_source="pypi"), ToolRunner(), lambda _p: None
        )
    assert caught.value.key == "ci.ferrox_source" and "bundled" in str(caught.value)
