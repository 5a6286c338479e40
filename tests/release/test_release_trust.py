"""Issue 15's release holes: a remote's newer tag, a shallow clone, an option-like remote.

Each test names its row of tests/trust_faults.py (docs/fault-table.md) and asserts it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import Repo, git, release_config

from ferrox.cli import main
from trust_faults import Fault, fault


def _check(code: int, err: str, row: Fault) -> None:
    assert code == row.exit, err
    assert row.message in err


def test_a_newer_tag_on_the_remote_only_is_seen(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github))
    repo.git("tag", "-a", "v0.1.0", "-m", "v0.1.0")
    # Released from another clone: the tag exists on the remote, not here.
    git(repo.remote, "tag", "v0.4.0", "main")
    code = main(["release", "--bump", "auto", "--dry-run", "-C", str(repo.path)])
    err = capsys.readouterr().err
    _check(code, err, fault("T22"))
    assert "v0.4.0" in err and "git fetch --tags origin" in err


def test_a_shallow_clone_is_refused(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    repo = make_repo(release_config(github), messages=("feat: one", "feat: two"))
    repo.git("push", "-q", "origin", "main")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo.remote}", str(clone)], check=True
    )
    code = main(["release", "--bump", "auto", "--dry-run", "-C", str(clone)])
    _check(code, capsys.readouterr().err, fault("T23"))


def test_an_option_like_remote_stops_at_load(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github, 'remote = "--upload-pack=touch pwned"\n'))
    code = main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)])
    _check(code, capsys.readouterr().err, fault("T05"))
    assert not (repo.path / "pwned").exists()


@pytest.mark.parametrize(
    ("row", "setting"),
    [
        ("T30", 'tag_pattern = "{crate}:v{version}"\n'),
        ("T31", 'branch = "main:refs/heads/prod"\n'),
        ("T32", 'changelog = "../outside.md"\n'),
    ],
)
def test_refs_and_paths_git_or_the_release_would_misuse_stop_at_load(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    row: str,
    setting: str,
) -> None:
    repo = make_repo(release_config(github, setting))
    code = main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)])
    err = capsys.readouterr().err
    _check(code, err, fault(row))
    assert "Traceback" not in err
    assert not (repo.path.parent / "outside.md").exists()


def test_a_tag_git_would_refuse_stops_the_plan_before_any_commit(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github, 'publishers = ["git"]\n'))
    head, tags = repo.git("rev-parse", "HEAD"), repo.git("tag", "--list")
    code = main(["release", "0.2.0+b.lock", "-C", str(repo.path)])
    _check(code, capsys.readouterr().err, fault("T33"))
    assert (repo.git("rev-parse", "HEAD"), repo.git("tag", "--list")) == (head, tags)


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ('tag_prefix = "v "\n', "release.tag_prefix"),
        ('tag_pattern = "{crate}/.v{version}"\n', "release.tag_pattern"),
        ('tag_pattern = "{crate}@{{version}"\n', "release.tag_pattern"),
        ('extra_files = ["/etc/hosts"]\n', "release.extra_files"),
        ('token_env = "GITHUB TOKEN"\n', "release.token_env"),
        ("api_url", "release.api_url"),  # the fake's URL swapped for file:///etc/
        ('[release.pypi]\ntoken_env = "$(id)"\n', "release.pypi.token_env"),
        ("github_repository", "release.github_repository"),
        (
            'remote = "ext::sh -c touch% pwned"\n',
            "release.remote",
        ),  # ferrox-dev/demo -> ../../u/keys
    ],
)
def test_more_unsafe_release_settings_are_refused_naming_the_key(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    setting: str,
    key: str,
) -> None:
    if setting == "api_url":
        config = release_config(github).replace(github.url, "file:///etc/")
    elif setting == "github_repository":
        config = release_config(github).replace("ferrox-dev/demo", "../../u/keys")
    else:
        config = release_config(github, setting)
    repo = make_repo(config)
    code = main(["release", "v0.2.0", "--dry-run", "-C", str(repo.path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"key '{key}'" in err and "Traceback" not in err


def test_a_changelog_that_is_a_symlink_out_of_the_repository_is_never_read_or_written(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    outside = tmp_path / "authorized_keys"
    outside.write_text("ssh-ed25519 AAAA-victim-key\n")
    repo = make_repo(release_config(github, 'publishers = ["git"]\n'))
    (repo.path / "CHANGELOG.md").unlink(missing_ok=True)
    (repo.path / "CHANGELOG.md").symlink_to(outside)
    repo.git("add", "CHANGELOG.md")
    repo.git("commit", "-q", "-m", "docs: the changelog")
    for args in (["--dry-run"], []):
        code = main(["release", "v0.2.0", *args, "-C", str(repo.path)])
        err = capsys.readouterr()
        _check(code, err.err, fault("T36"))
        assert "victim-key" not in err.out + err.err
    assert outside.read_text() == "ssh-ed25519 AAAA-victim-key\n"
    assert "v0.2.0" not in repo.git("tag", "--list")


def _journal(repo: Repo, **fields: object) -> Path:
    import base64
    import json

    head = repo.git("rev-parse", "HEAD")
    data = {
        "version": "0.9.0", "tag": "v0.9.0", "branch": "main", "remote": "origin",
        "head_before": head, "files": {}, "notes": "", "publishers": ["github"],
        "prerelease": False, "assets": [], "started": ["tag"], "phase": "publishing",
        "extra": {}, **fields,
    }  # fmt: skip
    data["files"] = {
        name: base64.b64encode(text.encode()).decode()
        for name, text in dict(data["files"]).items()  # type: ignore[call-overload]
    }
    path = repo.path / "target" / "ferrox" / "release-journal.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def test_a_journal_committed_to_the_repository_is_never_acted_on(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A pull request commits a journal in the publishing phase whose asset is the user's SSH
    key: --resume would upload it to the GitHub release."""
    secret = tmp_path / "id_ed25519"
    secret.write_text("PRIVATE KEY\n")
    repo = make_repo(release_config(github))
    _journal(repo, assets=[str(secret)])
    repo.git("add", "-f", "target/ferrox/release-journal.json")
    repo.git("commit", "-q", "-m", "chore: state")
    for args in (["--resume"], ["v0.2.0", "--dry-run"]):
        code = main(["release", *args, "-C", str(repo.path)])
        _check(code, capsys.readouterr().err, fault("T37"))
    assert github.requests == []


def test_a_journal_naming_files_outside_the_repository_is_refused(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("mine\n")
    repo = make_repo(release_config(github))
    _journal(repo, files={"../outside.txt": "pwned\n"}, phase="local")
    code = main(["release", "v0.2.0", "-C", str(repo.path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "'../outside.txt' is outside the repository" in err
    assert outside.read_text() == "mine\n"
