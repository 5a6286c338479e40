"""Independent versioning on a real workspace (tests/fixtures/release/independent): per-crate
bumps by path, requirements in their own style, per-crate changelogs and tags, cargo resolving
the edited tree before anything is committed, and the lock file's offline/online/exit-3 path."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import RELEASE_FIXTURES, git, release_config, run_cli

from ferrox.cli import main

FIXTURE = RELEASE_FIXTURES / "independent"
CONFIG = '[release]\ngates = []\npublishers = ["git"]\nartifacts = false\n'


def _repo(
    tmp_path: Path,
    config: str = CONFIG,
    *,
    crates_io: bool = False,
    tags: tuple[str, ...] = ("alpha-v0.3.160", "beta-v5.0.7", "gamma-v1.48.0"),
    gamma: str = "Bump serde from 1.0.1 to 1.0.2",
) -> Path:
    """The fixture as a git repository with each crate tagged, then a breaking change in
    alpha, a fix in beta, a dependency-bot commit in gamma and a root-only docs commit."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    repo = tmp_path / "work"
    shutil.copytree(FIXTURE, repo)
    (repo / ".gitignore").write_text("target/\n")
    (repo / "ferrox.toml").write_text(config)
    if crates_io:  # a registry dependency: resolution needs the index (cache or network)
        manifest = repo / "crates" / "alpha" / "Cargo.toml"
        manifest.write_text(manifest.read_text() + '\n[dependencies]\nitoa = "=1.0.15"\n')
        subprocess.run(["cargo", "generate-lockfile", "-q"], cwd=repo, check=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "chore: import the workspace")
    for tag in tags:
        git(repo, "tag", "-a", tag, "-m", tag)
    changes = [
        ("crates/alpha/src/lib.rs", "feat(alpha)!: take a count\n\nBREAKING CHANGE: alpha() takes a count"),
        ("crates/beta/src/lib.rs", "fix(beta): off by one"),
        ("crates/gamma/src/lib.rs", gamma),
        ("README.md", "docs: a readme"),
    ]  # fmt: skip
    for number, (path, message) in enumerate(changes):
        target = repo / path
        target.write_text((target.read_text() if target.exists() else "") + f"// {number}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main", "--tags")
    return repo


def _plan(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["release", "--bump", "auto", "--dry-run", "--json", "-C", str(repo), *args]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def _diff(data: dict[str, object], path: str) -> str:
    files = data["files"]
    assert isinstance(files, list)
    return next(str(f["diff"]) for f in files if f["path"] == path)


def test_independent_plan_bumps_changed_crates_in_their_own_style(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    data = _plan(repo, capsys)
    assert data["versioning"] == "independent"  # detected: alpha and beta carry their own
    crates = {c["name"]: (c["from"], c["to"], c["tag"]) for c in data["crates"]}  # type: ignore[attr-defined]
    # breaking on 0.x -> minor; a fix -> patch; gamma's only commit is a bot's, but its exact
    # pin on alpha must move, so its published manifest changes: a patch (shared version)
    assert crates == {
        "alpha": ("0.3.160", "0.4.0", "alpha-v0.4.0"),
        "beta": ("5.0.7", "5.0.8", "beta-v5.0.8"),
        "gamma": ("1.48.0", "1.48.1", "gamma-v1.48.1"),
    }
    paths = {f["path"] for f in data["files"]}  # type: ignore[attr-defined]
    assert paths == {
        "Cargo.toml",
        "Cargo.lock",
        "crates/alpha/Cargo.toml",
        "crates/beta/Cargo.toml",
        "crates/gamma/Cargo.toml",
        "crates/alpha/CHANGELOG.md",
        "crates/beta/CHANGELOG.md",
        "crates/gamma/CHANGELOG.md",
    }
    # "0.3" no longer admits 0.4.0: same precision; gamma's exact pin and full tilde move
    root = _diff(data, "Cargo.toml")
    assert '+alpha = { path = "crates/alpha", version = "0.4" }   # a partial' in root
    assert '+version = "1.48.1"' in root
    gamma = _diff(data, "crates/gamma/Cargo.toml")
    assert '+alpha = { path = "../alpha", version = "=0.4.0" }' in gamma
    assert '+beta = { path = "../beta", version = "~5.0.8" }' in gamma
    gamma_log = _diff(data, "crates/gamma/CHANGELOG.md")
    assert "+### Dependencies\n+\n+- alpha 0.4.0\n+- beta 5.0.8" in gamma_log
    assert "No notable changes" not in gamma_log
    alpha_log = _diff(data, "crates/alpha/CHANGELOG.md")
    assert "+## [0.4.0] - " in alpha_log  # the file writes bare versions
    assert "+  BREAKING CHANGE: alpha() takes a count" in alpha_log
    assert "+## [5.0.8](" not in _diff(data, "crates/beta/CHANGELOG.md")  # no remote web URL
    commands = data["commands"]
    assert "cargo update --workspace --offline" in commands  # type: ignore[operator]
    assert [c for c in commands if c.startswith("git tag")] == [  # type: ignore[attr-defined]
        "git tag -a alpha-v0.4.0 -m <release notes>",
        "git tag -a beta-v5.0.8 -m <release notes>",
        "git tag -a gamma-v1.48.1 -m <release notes>",
    ]
    # The dry run shows what the real run pushes: every crate's tag.
    pushes = [line for line in data["publishing"] if line.startswith("git push")]  # type: ignore[attr-defined]
    assert [line.rsplit(":", 1)[1] for line in pushes] == [
        "refs/tags/alpha-v0.4.0", "refs/tags/beta-v5.0.8", "refs/tags/gamma-v1.48.1",
    ]  # fmt: skip


def test_independent_release_tags_every_crate_and_the_tree_resolves(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    assert main(["release", "--bump", "auto", "-C", str(repo)]) == 0
    released = {"alpha-v0.4.0", "beta-v5.0.8", "gamma-v1.48.1"}
    assert set(git(repo, "tag", "--points-at", "HEAD").split()) == released
    assert released <= set(git(tmp_path / "remote.git", "tag", "--list").split())
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked", "--offline"],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    versions = {p["name"]: p["version"] for p in json.loads(metadata.stdout)["packages"]}
    assert versions == {"alpha": "0.4.0", "beta": "5.0.8", "gamma": "1.48.1"}
    assert git(repo, "status", "--porcelain") == ""
    # Nothing changed since: a second run has nothing to release.
    assert main(["release", "--bump", "auto", "-C", str(repo)]) == 2
    assert "no crate has changes since its own last tag" in capsys.readouterr().err


def test_lockstep_tags_and_unpublished_crates(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """gamma has no tags of its own but its version is tagged v1.48.0 (typos-cli's case): it
    keeps that family and the root changelog; beta (publish = false) is never released."""
    repo = _repo(tmp_path, tags=("alpha-v0.3.160", "v1.48.0"), gamma="fix(gamma): a gamma fix")
    beta = repo / "crates" / "beta" / "Cargo.toml"
    beta.write_text(beta.read_text().replace("[dependencies]", "publish = false\n\n[dependencies]"))
    git(repo, "commit", "-q", "-am", "build: beta is internal")
    data = _plan(repo, capsys)
    crates = {c["name"]: (c["to"], c["tag"]) for c in data["crates"]}  # type: ignore[attr-defined]
    assert crates == {"alpha": ("0.4.0", "alpha-v0.4.0"), "gamma": ("1.48.1", "v1.48.1")}
    assert "+## [1.48.1] - " in _diff(data, "CHANGELOG.md")  # the root changelog, a new file
    assert "a gamma fix" in _diff(data, "CHANGELOG.md")


def test_an_edit_cargo_cannot_resolve_stops_the_plan(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A compound requirement is cargo's to judge: the copy does not resolve, exit 2."""
    repo = _repo(tmp_path)
    beta = repo / "crates" / "beta" / "Cargo.toml"
    beta.write_text(
        beta.read_text().replace(
            "alpha.workspace = true", 'alpha = { path = "../alpha", version = ">=0.3, <0.4" }'
        )
    )
    git(repo, "commit", "-q", "-am", "build: pin alpha below 0.4")
    before = git(repo, "rev-parse", "HEAD")
    assert main(["release", "--bump", "auto", "--dry-run", "-C", str(repo)]) == 2
    err = capsys.readouterr().err
    assert "leave the workspace unresolvable" in err and "alpha" in err
    assert git(repo, "rev-parse", "HEAD") == before and git(repo, "status", "--porcelain") == ""


def test_lockstep_never_lowers_an_independent_crate(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path, CONFIG + 'versioning = "lockstep"\n')
    assert main(["release", "v1.49.0", "--dry-run", "--json", "-C", str(repo)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["versioning"] == "lockstep"
    paths = {f["path"] for f in data["files"]}
    assert "crates/beta/Cargo.toml" not in paths  # 5.0.7 stays: never lowered to 1.49.0
    assert '+version = "1.49.0"' in _diff(data, "Cargo.toml")
    assert '+version = "1.49.0"' in _diff(data, "crates/alpha/Cargo.toml")


def test_independent_mode_wants_a_bump_not_a_version(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    assert main(["release", "v2.0.0", "--dry-run", "-C", str(repo)]) == 2
    assert "give --bump" in capsys.readouterr().err


def _cargo_home(tmp_path: Path, *, reachable: bool) -> Path:
    """An empty CARGO_HOME (no index, no crates cached); unreachable: crates.io replaced by a
    registry on a closed local port."""
    home = tmp_path / "cargo-home"
    home.mkdir()
    if not reachable:
        (home / "config.toml").write_text(
            '[source.crates-io]\nreplace-with = "nowhere"\n\n'
            '[source.nowhere]\nregistry = "sparse+http://127.0.0.1:9/index/"\n'
            "[net]\nretry = 0\n"
        )
    return home


def test_lock_update_without_cache_or_registry_is_exit_3_before_anything(
    tmp_path: Path,
    git_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = _repo(tmp_path, crates_io=True)
    before = (git(repo, "rev-parse", "HEAD"), git(repo, "tag", "--list"))
    monkeypatch.setenv("CARGO_HOME", str(_cargo_home(tmp_path, reachable=False)))
    assert main(["release", "--bump", "auto", "-C", str(repo)]) == 3
    err = capsys.readouterr().err
    assert "could not resolve the workspace offline" in err and "nor online" in err
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "tag", "--list")) == before
    assert git(repo, "status", "--porcelain") == ""


def test_lock_update_goes_online_when_the_cache_lacks_the_index(
    tmp_path: Path,
    git_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An empty cache: offline fails, the crates registry (reachable here) answers."""
    repo = _repo(tmp_path, crates_io=True)
    monkeypatch.setenv("CARGO_HOME", str(_cargo_home(tmp_path, reachable=True)))
    data = _plan(repo, capsys)
    assert "cargo update --workspace" in data["commands"]  # type: ignore[operator]
    assert "cargo update --workspace --offline" not in data["commands"]  # type: ignore[operator]


def test_several_tags_resume_and_every_draft_goes_public_at_the_end(
    tmp_path: Path,
    git_env: dict[str, str],
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Independent release with three tags: git and GitHub per tag, every draft public only at
    the end; a failure mid-way (a draft made, or one release public) resumes without
    duplicating a release or leaving a draft behind."""
    repo = _repo(tmp_path, release_config(github, 'publishers = ["git", "github"]\n'
                                          "artifacts = false\n"))  # fmt: skip
    released = ("alpha-v0.4.0", "beta-v5.0.8", "gamma-v1.48.1")
    # 1. Fails right after the first draft: nothing is public.
    monkeypatch.setenv("FERROX_RELEASE_FAULT", "after:release:exception")
    assert main(["release", "--bump", "auto", "-C", str(repo)]) == 3
    assert "partly published" in capsys.readouterr().err
    assert github.release_by_tag(released[0]) is not None
    assert all(github.public_release(tag) is None for tag in released)
    # 2. Resumed, fails once the first release is public: the others are still drafts.
    monkeypatch.setenv("FERROX_RELEASE_FAULT", "after:github:public:exception")
    assert main(["release", "--resume", "-C", str(repo)]) == 3
    capsys.readouterr()
    assert all(github.release_by_tag(tag) is not None for tag in released)
    assert github.public_release(released[0]) is not None
    assert all(github.public_release(tag) is None for tag in released[1:])
    # 3. Resumed: every release public, each created once, every tag pushed.
    monkeypatch.delenv("FERROX_RELEASE_FAULT")
    assert main(["release", "--resume", "-C", str(repo)]) == 0
    assert all(github.public_release(tag) is not None for tag in released)
    assert len(github.calls("POST", r"/releases$")) == len(released)
    assert set(released) <= set(git(tmp_path / "remote.git", "tag", "--list").split())
    assert main(["release", "--resume", "-C", str(repo)]) == 2  # nothing left to resume


def test_a_crashed_independent_release_is_rolled_back_and_planned_again_with_its_bump(
    tmp_path: Path, git_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repo(tmp_path)
    crashed = run_cli(
        repo, "--bump", "auto", env={**git_env, "FERROX_RELEASE_FAULT": "after:commit:sigkill"}
    )
    assert crashed.returncode != 0
    assert git(repo, "log", "-1", "--format=%s").startswith("chore(release): ")
    # --resume rolls the crash back, then releases again with --bump auto (a tag is no version).
    assert main(["release", "--resume", "-C", str(repo)]) == 0, capsys.readouterr().err
    released = {"alpha-v0.4.0", "beta-v5.0.8", "gamma-v1.48.1"}
    assert set(git(repo, "tag", "--points-at", "HEAD").split()) == released
    assert git(repo, "log", "-2", "--format=%s").splitlines()[1] == "docs: a readme"
