"""End to end: a real release of the demo workspace into a bare remote and the fake GitHub."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Callable

import pytest
from github_fake import FakeGitHub
from release_repo import HOST_MUSL, ONE_TARGET, TOKEN, Repo, git, release_config

from ferrox.cli import main

AARCH64_MUSL = "aarch64-unknown-linux-musl"


def test_release_bumps_commits_tags_builds_and_publishes(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two targets: the host's musl (cargo) and aarch64 musl (cargo-zigbuild, smoke-run under
    # qemu-user): the release takes the build step's archives, built on this one Linux box.
    two = f'targets = ["{HOST_MUSL}", "{AARCH64_MUSL}"]\n'
    config = release_config(github).replace(ONE_TARGET, two)
    repo = make_repo(config, messages=("feat(core): add checksum", "fix: off by one"))
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    out = capsys.readouterr().out
    assert "released v0.2.0" in out
    # Commit and annotated tag, both pushed atomically.
    assert repo.git("log", "-1", "--format=%s") == "chore(release): v0.2.0"
    assert repo.git("cat-file", "-t", "v0.2.0") == "tag"
    assert git(repo.remote, "rev-parse", "v0.2.0^{commit}") == repo.git("rev-parse", "HEAD")
    assert git(repo.remote, "rev-parse", "main") == repo.git("rev-parse", "HEAD")
    assert repo.git("status", "--porcelain") == ""
    assert 'version = "0.2.0"' in (repo.path / "Cargo.toml").read_text()
    assert 'name = "demo-core"\nversion = "0.2.0"' in (repo.path / "Cargo.lock").read_text()
    changelog = (repo.path / "CHANGELOG.md").read_text()
    assert "## [v0.2.0] - " in changelog and "### Features" in changelog
    # The GitHub release: created once, notes = changelog section, every asset uploaded once.
    release = github.release_by_tag("v0.2.0")
    assert release is not None and "**core:** add checksum" in release["body"]
    assert release["body"].strip() in changelog
    names = sorted(asset["name"] for asset in github.assets[release["id"]])
    assert names == [
        "SHA256SUMS",
        "demo-cli-0.2.0-aarch64-unknown-linux-musl.tar.gz",
        "demo-cli-0.2.0-x86_64-unknown-linux-musl.tar.gz",
    ]
    assert len(github.calls("POST", r"/releases$")) == 1
    assert all(r.authorization == f"Bearer {TOKEN}" for r in github.requests)
    # The archive holds the binary, README and LICENSE; SHA256SUMS covers it.
    out_dir = repo.path / "target" / "ferrox" / "release" / "v0.2.0"
    archive = out_dir / "demo-cli-0.2.0-x86_64-unknown-linux-musl.tar.gz"
    with tarfile.open(archive) as opened:
        members = sorted(opened.getnames())
    folder = "demo-cli-0.2.0-x86_64-unknown-linux-musl"
    assert members == [folder, f"{folder}/LICENSE", f"{folder}/README.md", f"{folder}/demo-cli"]
    import hashlib

    sums = (out_dir / "SHA256SUMS").read_text().splitlines()
    assert f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}" in sums
    assert len(sums) == 2
    # The very bytes the build step wrote (its reproducible archive), smoke-run on both targets.
    dist = repo.path / "target" / "ferrox" / "dist"
    assert (dist / archive.name).read_bytes() == archive.read_bytes()
    report = json.loads((repo.path / "target" / "ferrox" / "build.json").read_text())
    assert [row["smoke"] for row in report["extra"]["targets"]] == ["passed", "passed"]
    assert not (repo.path / "target" / "ferrox" / "release-journal.json").exists()


def test_dry_run_changes_nothing_and_json_is_data(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    before = repo.snapshot()
    assert main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)]) == 0
    text = capsys.readouterr().out
    assert '-version = "0.1.0"\n+version = "0.2.0"' in text
    assert "git tag -a v0.2.0" in text and "dry run: nothing was changed" in text
    assert f"ferrox run build  # targets: {HOST_MUSL}" in text  # the build step makes the assets
    assert main(["release", "--bump", "auto", "--dry-run", "--json", "-C", str(repo.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tag"] == "v0.2.0"  # a feat below 1.0 bumps the minor version
    assert [f["path"] for f in data["files"]] == ["Cargo.toml", "Cargo.lock", "CHANGELOG.md"]
    assert data["assets"][-1] == "SHA256SUMS" and data["problems"] == []
    assert any("/releases/tags/v0.2.0" in line for line in data["publishing"])
    assert repo.snapshot() == before
    assert github.requests == []


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("1.2", "is not a SemVer version"),
        ("v1.2.0.0", "is not a SemVer version"),
        ("v0.1.0", "is not greater than the latest release v0.1.0"),
        ("v0.1.0-rc.1", "is not greater than the latest release v0.1.0"),
    ],
)
def test_bad_versions_exit_2_naming_the_latest(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    version: str,
    reason: str,
) -> None:
    repo = make_repo(release_config(github))
    repo.git("tag", "-a", "v0.1.0", "-m", "v0.1.0")
    assert main(["release", version, "-C", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert reason in err and "v0.1.0" in err


def test_dirty_tree_lists_the_files(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    (repo.path / "README.md").write_text("changed\n")
    (repo.path / "notes.txt").write_text("new\n")
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "not clean" in err and "README.md" in err and "notes.txt" in err


def test_wrong_branch_existing_tag_and_missing_token(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo(release_config(github))
    repo.git("checkout", "-q", "-b", "topic")
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "branch 'main'" in capsys.readouterr().err
    repo.git("checkout", "-q", "main")
    git(repo.remote, "tag", "v0.3.0", "main")
    assert main(["release", "v0.3.0", "-C", str(repo.path)]) == 2
    # Seen before the tag check: a release tag on the remote newer than every local one.
    assert "origin has release tag v0.3.0" in capsys.readouterr().err
    git(repo.remote, "tag", "-d", "v0.3.0")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "$GITHUB_TOKEN" in capsys.readouterr().err


def test_failing_gate_stops_before_any_change(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github).replace("gates = []", 'gates = ["fmt"]'))
    source = repo.path / "crates" / "demo-core" / "src" / "lib.rs"
    source.write_text(source.read_text() + "\npub fn   ugly( ) {}\n")
    repo.git("commit", "-q", "-am", "style: ugly")
    before = repo.snapshot()
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 1
    assert "gate fmt did not pass" in capsys.readouterr().err
    assert repo.snapshot() == before


def test_unknown_gate_is_a_config_error(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github).replace("gates = []", 'gates = ["nosuchstep"]'))
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "release.gates" in err and "nosuchstep" in err and "fmt, clippy, test" in err


def test_publish_failure_resumes_without_duplicates(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    github.fail_uploads = 1
    assert (
        main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    )  # the GitHub API failed: a tool error
    err = capsys.readouterr().err
    assert "partly published" in err and "--resume" in err and TOKEN not in err
    assert git(repo.remote, "rev-parse", "v0.2.0^{commit}")
    # The release exists as a draft only: nobody sees it without its assets.
    assert github.release_by_tag("v0.2.0") is not None
    assert github.public_release("v0.2.0") is None
    # A fresh run refuses; --resume finishes, uploading only what is missing.
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert main(["release", "--resume", "-C", str(repo.path)]) == 0
    release = github.release_by_tag("v0.2.0")
    assert release is not None
    assert len(github.calls("POST", r"/releases$")) == 1
    names = [asset["name"] for asset in github.assets[release["id"]]]
    assert sorted(names) == sorted(set(names)) and len(names) == 2
    assert github.public_release("v0.2.0") is not None  # the draft found again and published
    assert main(["release", "--resume", "-C", str(repo.path)]) == 2  # nothing left to resume


def test_version_choice_and_extra_file_errors(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github, 'extra_files = ["VERSION.txt"]\n'))
    args = ["-C", str(repo.path), "--dry-run", "--json"]
    assert main(["release", "v0.2.0", "--bump", "patch", *args]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["release", "v0.2.0", *args]) == 2
    assert "VERSION.txt does not exist" in capsys.readouterr().err
    (repo.path / "VERSION.txt").write_text("version = 0.1.0 (unquoted)\n")
    # Its headings link the compare view: the new one does too (the changelog follows the file).
    (repo.path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [v0.1.0](https://github.com/ferrox-dev/demo/compare/v0.0.9...v0.1.0)"
        " - 2026-01-01\n\n- old\n"
    )
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: files")
    repo.git("tag", "v0.1.0")
    assert main(["release", "v0.2.0", *args]) == 2
    assert "no version (0.1.0) matched" in capsys.readouterr().err
    (repo.path / "VERSION.txt").write_text('version = "0.1.0"\n')
    repo.git("commit", "-q", "-am", "fix: quote the version")
    assert main(["release", "--bump", "patch", *args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tag"] == "v0.1.1" and data["previous_tag"] == "v0.1.0"
    changelog = next(f for f in data["files"] if f["path"] == "CHANGELOG.md")["diff"]
    assert "+## [v0.1.1](https://github.com/ferrox-dev/demo/compare/v0.1.0...v0.1.1)" in changelog
    assert "+- quote the version" in changelog and "chore: files" not in changelog
    assert (
        '+version = "0.1.1"' in next(f for f in data["files"] if f["path"] == "VERSION.txt")["diff"]
    )


def test_release_table_is_validated_like_step_settings(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github, 'brnach = "main"\n'))
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "release.brnach" in err and "did you mean 'branch'" in err


def test_json_summary_and_a_custom_token_variable_is_masked(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo(release_config(github, 'token_env = "GH_PAT"\n'))
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_PAT", TOKEN)
    github.fail_uploads = 1
    assert main(["release", "v0.2.0", "--json", "-C", str(repo.path)]) == 3
    captured = capsys.readouterr()
    assert "HTTP 502" in captured.err and TOKEN not in captured.out + captured.err
    assert main(["release", "--resume", "--json", "-C", str(repo.path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["released"] == "v0.2.0" and len(summary["assets"]) == 2


def test_interrupted_release_is_not_rolled_back_on_another_branch(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    git_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from release_repo import run_cli

    repo = make_repo(release_config(github))
    killed = run_cli(
        repo.path, "v0.2.0", env={**git_env, "FERROX_RELEASE_FAULT": "after:commit:sigkill"}
    )
    assert killed.returncode == -9
    repo.git("checkout", "-q", "-b", "elsewhere", "HEAD~1")
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "must be rolled back on branch 'main'" in capsys.readouterr().err
    repo.git("checkout", "-q", "main")
    repo.git("commit", "-q", "--allow-empty", "-m", "feat: work after the crash")
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "HEAD moved" in capsys.readouterr().err
    repo.git("reset", "-q", "--hard", "HEAD~1")
    assert main(["release", "--resume", "-C", str(repo.path)]) == 0
    assert repo.git("log", "-1", "--format=%s") == "chore(release): v0.2.0"
    assert repo.git("rev-list", "--count", "HEAD") == "4"


def test_lockfile_drift_beyond_the_workspace_fails_closed_and_rolls_back(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stale Cargo.lock (cargo would change more than our versions) stops the release, in
    the plan (cargo runs on a copy of the edited tree), before anything changes."""
    repo = make_repo(release_config(github))
    lock = repo.path / "Cargo.lock"
    stale = lock.read_text().replace('dependencies = [\n "demo-core",\n]\n', "")
    assert stale != lock.read_text()
    lock.write_text(stale)
    repo.git("commit", "-q", "-am", "chore: a stale lock file")
    before = repo.snapshot()
    assert (
        main(["release", "v0.2.0", "-C", str(repo.path)]) == 3
    )  # cargo did something unexpected: a tool error
    err = capsys.readouterr().err
    assert "cargo changed Cargo.lock beyond the workspace crates' versions" in err
    assert "checked on a copy of the edited tree" in err  # in the plan: nothing to roll back
    assert repo.snapshot() == before
    assert github.requests == []


def test_a_dry_run_that_finds_a_problem_is_a_failed_precheck(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo(release_config(github))
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert main(["release", "v0.2.0", "--dry-run", "--json", "-C", str(repo.path)]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["problems"], "the missing token is named"
    assert any("GITHUB_TOKEN" in problem for problem in data["problems"])


def test_target_without_publish_is_a_usage_error(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    args = ["release", "v0.2.0", "--dry-run", "--target", "x86_64-pc-windows-gnu"]
    assert main([*args, "-C", str(repo.path)]) == 2
    assert "--target only applies with --publish" in capsys.readouterr().err
