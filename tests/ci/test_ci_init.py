"""``ferrox init``, ``--check``, ``--force``, ``matrix``, ``cache-key`` and the [ci] table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from ci_helpers import registry

from ferrox.ci import files
from ferrox.ci.plan import plan
from ferrox.ci.settings import CiSettings
from ferrox.engine import load_project
from ferrox.errors import ConfigError
from ferrox.sessions import session_steps
from ferrox.steps import all_steps
from ferrox.tools import ToolRunner

CHECKOUT_CONFIG = '[ci]\nferrox_source = "checkout"\ntest_os = ["ubuntu-latest"]\n'
Call = Callable[..., Any]


def _configure(demo: Path, extra: str = "") -> None:
    """The [ci] table goes into the demo's own ferrox.toml (config lives in one place)."""
    config = demo / "ferrox.toml"
    original = demo / "ferrox.toml.orig"
    if not original.exists():
        original.write_text(config.read_text(encoding="utf-8"), encoding="utf-8")
    text = original.read_text(encoding="utf-8") + "\n" + CHECKOUT_CONFIG + extra
    config.write_text(text, encoding="utf-8")


@pytest.fixture
def project(fresh_crate: Callable[[str], Path]) -> Path:
    demo = fresh_crate("demo")
    _configure(demo)
    return demo


def test_init_writes_everything_then_check_passes(ferrox: Call, project: Path) -> None:
    _configure(project, "docker = true\n")
    done = ferrox("init", "-C", str(project))
    assert done.code == 0, done.out + done.err
    for path in ("noxfile.py", "tasks.py", "ci/requirements.txt", ".github/workflows/ci.yml"):
        assert f"created   {path}" in done.out
    assert "created   scripts/docker/Dockerfile.minimal" in done.out
    assert "jobs:\n" in (project / ".github/workflows/ci.yml").read_text()
    assert "run: nox -s docker\n" in (project / ".github/workflows/ci.yml").read_text()
    assert (project / "noxfile.py").read_text().count("\n") == 3
    assert "note: security.yml: not generated" in done.out or "security" in all_steps()
    requirements = (project / "ci" / "requirements.txt").read_text()
    assert "nox==" in requirements and "--hash=sha256:" in requirements
    assert "ferrox==" not in requirements  # from the checkout, by [ci] ferrox_source
    again = ferrox("init", "-C", str(project))
    assert again.code == 0 and "unchanged .github/workflows/ci.yml" in again.out
    check = ferrox("init", "--check", "-C", str(project))
    assert check.code == 0 and "in sync" in check.out


def test_drift_is_shown_and_nothing_is_overwritten_without_force(
    ferrox: Call, project: Path
) -> None:
    assert ferrox("init", "--workflows", "-C", str(project)).code == 0
    ci_yml = project / ".github" / "workflows" / "ci.yml"
    edited = ci_yml.read_text().replace("timeout-minutes: 45", "timeout-minutes: 5")
    ci_yml.write_text(edited)
    check = ferrox("init", "--check", "-C", str(project))
    assert check.code == 1
    assert "-    timeout-minutes: 5" in check.out and "+    timeout-minutes: 45" in check.out
    assert "ferrox init --force --workflows" in check.out
    kept = ferrox("init", "--workflows", "-C", str(project))
    assert kept.code == 1 and "differs   .github/workflows/ci.yml" in kept.out
    assert ci_yml.read_text() == edited
    forced = ferrox("init", "--workflows", "--force", "-C", str(project))
    assert forced.code == 0 and "updated   .github/workflows/ci.yml" in forced.out
    assert ferrox("init", "--check", "-C", str(project)).code == 0


def test_a_stale_generated_workflow_is_drift(ferrox: Call, project: Path) -> None:
    assert ferrox("init", "--workflows", "-C", str(project)).code == 0
    stale = project / ".github" / "workflows" / "old.yml"
    stale.write_text(f"# {files.GENERATED_MARK}\nname: old\n")
    (project / ".github" / "workflows" / "mine.yml").write_text("name: mine\n")  # not ours
    check = ferrox("init", "--check", "-C", str(project))
    assert check.code == 1
    assert "old.yml (current)" in check.out and "mine.yml" not in check.out


def test_ferrox_from_pypi_must_be_published_from_here(
    ferrox: Call, fresh_crate: Callable[[str], Path]
) -> None:
    """ferrox_source = "pypi" asks PyPI for real: ferrox-ci is not there (yet), so exit 2."""
    demo = fresh_crate("demo")
    (demo / "ferrox.toml").write_text('[ci]\nferrox_source = "pypi"\n')
    done = ferrox("init", "-C", str(demo))
    assert done.code == 2
    assert "ci.ferrox_source" in done.err and "bundled" in done.err
    assert not (demo / "noxfile.py").exists()


def test_identity_check_accepts_a_project_pointing_here(tmp_path: Path) -> None:
    def fetch(project: str) -> dict[str, Any] | None:
        return {"info": {"project_urls": {"Repository": f"https://{files.FERROX_REPOSITORY}"}}}

    files._check_pypi_identity(tmp_path, fetch)  # no error
    with pytest.raises(ConfigError, match="not this ferrox"):
        files._check_pypi_identity(tmp_path, lambda _p: None)


def test_config_section_goes_into_pyproject_and_stays_valid(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    original = '[project]\nname = "x"  # keep me\n'
    pyproject.write_text(original)
    planned = files.config_file(tmp_path, registry())
    assert planned is not None and planned.path == Path("pyproject.toml")
    assert planned.content.startswith(original)
    assert "[tool.ferrox.ci]" in planned.content and '# python = "3.12"' in planned.content
    assert "# targets = []  # native release runners" in planned.content
    pyproject.write_text(planned.content)
    assert load_project(tmp_path).for_step("ci", CiSettings) == CiSettings()  # all commented
    assert files.config_file(tmp_path, registry()) is None  # configured now: left alone


def test_config_section_goes_into_ferrox_toml_without_pyproject(tmp_path: Path) -> None:
    planned = files.config_file(tmp_path, registry())
    assert planned is not None and planned.path == Path("ferrox.toml")
    assert "\n[ci]\n" in planned.content and "\n[fmt]\n" in planned.content
    tomlkit.parse(planned.content)
    # Uncommenting every line gives a valid configuration that says exactly the defaults.
    key_line = re.compile(r"^# (\[\[|[a-z_]+ = )")
    uncommented = "\n".join(
        line[2:] if key_line.match(line) else line for line in planned.content.splitlines()
    )
    (tmp_path / "ferrox.toml").write_text(uncommented)
    config = load_project(tmp_path)
    assert config.for_step("ci", CiSettings) == CiSettings()
    assert config.globals.report_dir == "target/ferrox"


def test_docker_writes_the_three_dockerfiles_for_the_binary(project: Path) -> None:
    planned = {p.path: p.content for p in files.dockerfiles(project, ToolRunner())}
    assert set(planned) == {
        Path("scripts/docker") / f"Dockerfile.{variant}" for variant in ("cpu", "gpu", "minimal")
    }
    minimal = planned[Path("scripts/docker/Dockerfile.minimal")]
    assert "ARG BASE_IMAGE=scratch" in minimal
    assert 'ENTRYPOINT ["/usr/local/bin/demo-cli"]' in minimal


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[ci]\npyhton = '3.12'\n", "did you mean 'python'?"),
        ("[ci]\nworkflows = ['securty']\n", "did you mean 'security'?"),
        ("[ci]\ntargets = ['x86_64']\n", "expected a list of tables"),
        ("[[ci.targets]]\ntriple = 'x'\ncross = 'qemu'\n", "ci.targets[0].cross"),
        ("[ci]\ntimeout_minutes = 0\n", "out of range"),
    ],
)
def test_ci_table_is_validated(ferrox: Call, tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "ferrox.toml").write_text(table)
    done = ferrox("matrix", "-C", str(tmp_path))
    assert done.code == 2
    assert message in done.err and "ferrox.toml" in done.err


def test_matrix_comes_from_the_config(ferrox: Call, tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text(
        "[ci]\ntest_os = ['ubuntu-latest', 'macos-14']\n"
        "[[ci.targets]]\ntriple = 'aarch64-unknown-linux-musl'\nrunner = 'ubuntu-latest'\n"
        "cross = 'zigbuild'\nfeatures = ['cli', 'fast']\n"
    )
    done = ferrox("matrix", "--json", "-C", str(tmp_path))
    assert done.code == 0
    data = json.loads(done.out)
    assert data["test"] == {"include": [{"os": "ubuntu-latest"}, {"os": "macos-14"}]}
    assert data["build"]["include"] == [
        {
            "target": "aarch64-unknown-linux-musl",
            "runner": "ubuntu-latest",
            "cross": "zigbuild",
            "features": "cli,fast",
        }
    ]
    text = ferrox("matrix", "-C", str(tmp_path))
    assert "target=aarch64-unknown-linux-musl  runner=ubuntu-latest" in text.out


def test_cache_key_is_stable_and_follows_its_inputs(ferrox: Call, project: Path) -> None:
    first = ferrox("cache-key", "-C", str(project))
    assert first.code == 0
    key = first.out.strip()
    assert key.startswith("ferrox-linux-") and len(key.rsplit("-", 1)[1]) == 20
    assert ferrox("cache-key", "-C", str(project)).out.strip() == key
    explained = ferrox("cache-key", "--explain", "-C", str(project)).out
    for part in ("lock:Cargo.lock", "toolchain:rustc -V", "pins", "config"):
        assert part in explained
    (project / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "stable"\n')
    with_toolchain = ferrox("cache-key", "--explain", "-C", str(project)).out
    assert "toolchain:rust-toolchain.toml" in with_toolchain
    assert with_toolchain.splitlines()[0] != key
    lock = project / "Cargo.lock"
    lock.write_text(lock.read_text() + "\n")
    assert ferrox("cache-key", "-C", str(project)).out.strip() not in (key, with_toolchain)
    _configure(project, "python = '3.13'\n")
    assert ferrox("cache-key", "-C", str(project)).out.strip() != key


def test_cache_key_fails_closed_without_rustc(
    ferrox: Call, project: Path, fake_tools: Callable[[str, str], Path]
) -> None:
    fake_tools("rustc", "import sys\nsys.exit(1)\n")
    done = ferrox("cache-key", "-C", str(project))
    assert done.code == 3 and "rustc -V gave no version" in done.err


def test_requirements_alone_can_be_regenerated(ferrox: Call, project: Path) -> None:
    done = ferrox("init", "--requirements", "-C", str(project))
    assert done.code == 0, done.out + done.err
    assert "created   ci/requirements.txt" in done.out
    assert not (project / "noxfile.py").exists()
    assert not (project / ".github").exists()


def test_cache_key_ignores_lock_files_under_target(ferrox: Call, project: Path) -> None:
    key = ferrox("cache-key", "-C", str(project)).out.strip()
    stray = project / "target" / "package" / "Cargo.lock"
    stray.parent.mkdir(parents=True)
    stray.write_text("# a packaged copy\n")
    assert ferrox("cache-key", "-C", str(project)).out.strip() == key


@pytest.mark.parametrize(
    ("publishers", "packages"), [('["git"]', False), ('["git", "docker"]', True)]
)
def test_the_release_table_reaches_the_publish_job(
    tmp_path: Path, publishers: str, packages: bool
) -> None:
    (tmp_path / "ferrox.toml").write_text(
        f'[release]\npublishers = {publishers}\n[docker]\nregistry = "ghcr.io/owner"\n'
        'token_env = "GITHUB_TOKEN"\n'
    )
    steps = {**all_steps(), **session_steps()}
    inputs = files.inputs_for(tmp_path, load_project(tmp_path), steps)
    (release,) = [wf for wf in plan(inputs).workflows if wf.file == "release.yml"]
    (publish,) = [job for job in release.jobs if job.id == "publish"]
    assert (("packages", "write") in publish.permissions) is packages
    assert ("contents", "write") in publish.permissions
