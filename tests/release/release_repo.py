"""Release fixtures: real git repositories (the demo workspace) with a bare remote, a shared
cargo target directory, and the loopback GitHub API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from github_fake import FakeGitHub, serve

TESTS = Path(__file__).parents[1]
DEMO = TESTS.parent / "examples" / "demo"
RELEASE_FIXTURES = TESTS / "fixtures" / "release"
TOKEN = "ghp_fixtureTOKEN0123456789abcdef"  # noqa: S105 - the fake server's token


@pytest.fixture(scope="session")
def cargo_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cargo target directory for every release build of the tests."""
    return tmp_path_factory.mktemp("release-target")


@pytest.fixture
def git_env(tmp_path: Path, cargo_target: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An environment with a private git config (identity, no signing) and the shared target."""
    config = tmp_path / "gitconfig"
    config.write_text(
        "[user]\n\tname = Release Tester\n\temail = tester@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgSign = false\n[tag]\n\tgpgSign = false\n"
    )
    values = {
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "CARGO_TARGET_DIR": str(cargo_target),
        # The tests check packaging, not optimisation: unoptimised release builds halve the time.
        "CARGO_PROFILE_RELEASE_OPT_LEVEL": "0",
        "GITHUB_TOKEN": TOKEN,
    }
    for name in ("FERROX_RELEASE_FAULT", "GITHUB_REF_NAME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return {**os.environ, **values}


def git(repo: Path, *args: str) -> str:
    """Runs git in ``repo`` and returns its stripped stdout (fails the test on error)."""
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout.strip()


@dataclass(frozen=True)
class Repo:
    """A work tree and its bare remote."""

    path: Path
    remote: Path

    def git(self, *args: str) -> str:
        """git in the work tree."""
        return git(self.path, *args)

    def snapshot(self) -> dict[str, object]:
        """Everything a rolled-back release must leave as it was."""
        files = {
            path.relative_to(self.path).as_posix(): path.read_bytes()
            for path in sorted(self.path.rglob("*"))
            if path.is_file() and ".git" not in path.parts and "target" not in path.parts
        }
        return {
            "head": self.git("rev-parse", "HEAD"),
            "tags": self.git("tag", "--list"),
            "status": self.git("status", "--porcelain"),
            "remote_refs": git(self.remote, "for-each-ref"),
            "files": files,
        }


def write_config(repo: Path, body: str) -> None:
    """Adds ``body`` to the demo's ferrox.toml and commits it."""
    config = repo / "ferrox.toml"
    config.write_text((config.read_text() + "\n" if config.exists() else "") + body)
    git(repo, "add", "ferrox.toml")
    git(repo, "commit", "-q", "-m", "chore: release config")


@pytest.fixture
def make_repo(tmp_path: Path, git_env: dict[str, str]) -> Callable[..., Repo]:
    """A git copy of examples/demo (README, LICENSE, .gitignore) pushed to a bare remote."""

    def make(
        config: str = "", messages: tuple[str, ...] = ("feat: first feature",), name: str = "demo"
    ) -> Repo:
        remote = tmp_path / f"{name}-remote.git"
        git(tmp_path, "init", "-q", "--bare", str(remote))
        repo = tmp_path / name
        shutil.copytree(DEMO, repo, ignore=shutil.ignore_patterns("target"))
        (repo / ".gitignore").write_text("target/\n")
        (repo / "README.md").write_text("# demo\n")
        (repo / "LICENSE").write_text("MIT License\n")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "chore: import the demo workspace")
        git(repo, "remote", "add", "origin", str(remote))
        for message in messages:
            git(repo, "commit", "-q", "--allow-empty", "-m", message)
        if config:
            write_config(repo, config)
        git(repo, "push", "-q", "origin", "main")
        return Repo(repo, remote)

    return make


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """The loopback GitHub API."""
    fake = FakeGitHub(TOKEN)
    server = serve(fake)
    yield fake
    server.shutdown()
    server.server_close()


# The release archives come from the build step: one target (the host's static musl, plain
# cargo) keeps the tests to one build; test_release_flow adds a cross-built one.
HOST_MUSL = "x86_64-unknown-linux-musl"
ONE_TARGET = f'targets = ["{HOST_MUSL}"]\n'


def release_config(github: FakeGitHub, extra: str = "") -> str:
    """A ``[release]`` table for the fake GitHub, no gates (tests that need gates add them) and
    one target."""
    return (
        f"[release]\ngates = []\n{ONE_TARGET}"
        f'github_repository = "ferrox-dev/demo"\napi_url = "{github.url}"\n{extra}'
    )


def run_cli(
    repo: Path, *args: str, env: Mapping[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``ferrox release ARGS`` in a separate process (so it can be killed)."""
    return subprocess.run(
        [sys.executable, "-m", "ferrox", "release", *args, "-C", str(repo)],
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=timeout,
        check=False,
    )
