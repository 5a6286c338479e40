"""The docker publisher in a real release: the demo's minimal image (the build step's static musl
binary, FROM scratch) built and gated at the tag, pushed to Debian's docker-registry on
127.0.0.1 as version, short SHA and latest, pulled back and run."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import Repo, git, release_config

from docker_support import (
    DEMO_DOCKER_TABLE,
    DOCKERFILES,
    PREFIX,
    TOKEN,
    USER,
    free_port,
    registry,
    registry_tags,
    remove_images,
    secured_registry,
)
from ferrox.cli import main

__all__ = ["registry", "secured_registry"]  # the fixtures, used by the tests below
IMAGE = f"{PREFIX}/release"
NAMESPACE = "ferrox-test"


@pytest.fixture(autouse=True)
def _clean_images() -> Iterator[None]:
    yield
    remove_images(IMAGE)


def _docker_repo(
    make_repo: Callable[..., Repo], github: FakeGitHub, registry: str, image: str
) -> Repo:
    """The demo released through git and docker (no archives), with the minimal image only."""
    config = release_config(github, "artifacts = false\n").replace(
        "[release]\n", '[release]\npublishers = ["git", "docker"]\n'
    )
    repo = make_repo(config)
    toml = repo.path / "ferrox.toml"
    table = (
        f'[docker]\nvariants = ["minimal"]\nimage = "{image}"\n'
        f'registry = "{registry}/{NAMESPACE}"\n'
    )
    text = toml.read_text()
    assert DEMO_DOCKER_TABLE in text
    toml.write_text(text.replace(DEMO_DOCKER_TABLE, table))
    shutil.copytree(DOCKERFILES, repo.path / "scripts" / "docker")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: images to the local registry")
    repo.git("push", "-q", "origin", "main")
    return repo


def test_release_pushes_version_sha_and_latest_then_pulls_back_and_runs(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    registry: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = _docker_repo(make_repo, github, registry, f"{IMAGE}-final")
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 0
    planned = capsys.readouterr().out
    assert "ferrox run docker --release" in planned and f"{registry}/{NAMESPACE}" in planned
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    sha = repo.git("rev-parse", "--short=12", "HEAD")
    repository = f"{NAMESPACE}/{IMAGE}-final-minimal"
    assert registry_tags(registry, repository) == sorted(["0.2.0", sha, "latest"])
    reference = f"{registry}/{repository}:0.2.0"
    assert f"pulled {reference} back and ran it: --version ok" in out
    assert git(repo.remote, "rev-parse", "v0.2.0^{commit}") == repo.git("rev-parse", "HEAD")


def test_a_prerelease_is_not_latest_and_an_unreachable_registry_fails_after_the_push(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    registry: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = _docker_repo(make_repo, github, registry, f"{IMAGE}-rc")
    toml = repo.path / "ferrox.toml"
    down = f"127.0.0.1:{free_port()}"
    toml.write_text(toml.read_text().replace(registry, down))
    repo.git("commit", "-q", "-am", "chore: a registry that is down")
    repo.git("push", "-q", "origin", "main")
    assert main(["release", "v0.2.0-rc.1", "-C", str(repo.path)]) == 3
    err = capsys.readouterr().err
    assert "docker push" in err and "partly published" in err
    # The registry is back: --resume finishes, and a pre-release gets no `latest`.
    toml.write_text(toml.read_text().replace(down, registry))
    assert main(["release", "--resume", "-C", str(repo.path)]) == 0
    sha = repo.git("rev-parse", "--short=12", "HEAD")
    assert registry_tags(registry, f"{NAMESPACE}/{IMAGE}-rc-minimal") == sorted(["0.2.0-rc.1", sha])


def test_the_publisher_logs_in_with_token_env_and_the_token_shows_nowhere(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    secured_registry: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = _docker_repo(make_repo, github, secured_registry, f"{IMAGE}-auth")
    toml = repo.path / "ferrox.toml"
    toml.write_text(
        toml.read_text().replace(
            "[docker]\n",
            '[docker]\ntoken_env = "FERROX_TEST_REGISTRY_PASSWORD"\n'
            'username_env = "FERROX_TEST_REGISTRY_USER"\n',
        )
    )
    repo.git("commit", "-q", "-am", "chore: log in with a token")
    repo.git("push", "-q", "origin", "main")
    monkeypatch.delenv("FERROX_TEST_REGISTRY_PASSWORD", raising=False)
    monkeypatch.setenv("FERROX_TEST_REGISTRY_USER", USER)
    # The variable is not set: a usage error before anything changes.
    before = repo.snapshot()
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "FERROX_TEST_REGISTRY_PASSWORD, which is not set" in capsys.readouterr().err
    assert repo.snapshot() == before
    monkeypatch.setenv("FERROX_TEST_REGISTRY_PASSWORD", TOKEN)
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 0
    planned = capsys.readouterr().out
    assert f"docker login {secured_registry} --password-stdin" in planned
    assert TOKEN not in planned
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out, err = capsys.readouterr()
    assert f"logged in to {secured_registry} as {USER}" in out
    assert "pulled " in out  # the pull-back ran logged in too
    assert TOKEN not in out + err
    written = [p for p in repo.path.rglob("*") if p.is_file() and ".git" not in p.parts]
    assert not [p for p in written if TOKEN.encode() in p.read_bytes()]


def test_the_docker_publisher_needs_a_registry(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    config = release_config(github).replace("[release]\n", '[release]\npublishers = ["docker"]\n')
    repo = make_repo(config)
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 2
    assert "needs [docker] registry" in capsys.readouterr().out
    before = repo.snapshot()
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert repo.snapshot() == before


def test_a_registry_with_credentials_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text('[docker]\nregistry = "user:pw@ghcr.io"\n')
    assert main(["run", "docker", "-C", str(tmp_path)]) == 2
