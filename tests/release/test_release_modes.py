"""CI mode, the tag workflow's publish mode, token masking, signed tags and the adapters."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import ONE_TARGET, TOKEN, Repo, git, release_config, run_cli

from ferrox.cli import main


def test_ci_mode_only_bumps_tags_and_pushes(
    make_repo: Callable[..., Repo],
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo(release_config(github))
    monkeypatch.delenv("GITHUB_TOKEN")  # CI mode needs no token: the tag workflow publishes
    assert main(["release", "v0.2.0", "--ci", "--dry-run", "-C", str(repo.path)]) == 0
    text = capsys.readouterr().out
    assert "[CI mode: plan, bump, tag, push]" in text and "ferrox run build" not in text
    assert main(["release", "v0.2.0", "--ci", "-C", str(repo.path)]) == 0
    assert git(repo.remote, "rev-parse", "v0.2.0^{commit}") == repo.git("rev-parse", "HEAD")
    assert not (repo.path / "target" / "ferrox" / "release" / "v0.2.0").exists()
    assert github.requests == []


def test_publish_mode_builds_and_uploads_for_the_tag_at_head(
    make_repo: Callable[..., Repo], github: FakeGitHub, git_env: dict[str, str]
) -> None:
    repo = make_repo(release_config(github))
    assert run_cli(repo.path, "v0.2.0", "--ci", env=git_env).returncode == 0
    # No build-archives artifact here: the build step builds [build] targets; a re-run
    # duplicates nothing.
    for _ in range(2):
        done = run_cli(repo.path, "--publish", env=git_env)
        assert done.returncode == 0, done.stderr
    # A native runner ([ci] targets) builds its own triple, libc as named, and adds it.
    done = run_cli(repo.path, "--publish", "--target", "x86_64-unknown-linux-gnu", env=git_env)
    assert done.returncode == 0, done.stderr
    release = github.release_by_tag("v0.2.0")
    assert release is not None and "### Features" in release["body"]
    assert sorted(a["name"] for a in github.assets[release["id"]]) == [
        "SHA256SUMS",
        "SHA256SUMS-x86_64-unknown-linux-gnu",
        "demo-cli-0.2.0-x86_64-unknown-linux-gnu.tar.gz",
        "demo-cli-0.2.0-x86_64-unknown-linux-musl.tar.gz",
    ]
    assert len(github.calls("POST", r"/releases$")) == 1
    repo.git("commit", "-q", "--allow-empty", "-m", "chore: after the tag")
    done = run_cli(repo.path, "--publish", env=git_env)
    assert done.returncode == 2 and "release tag" in done.stderr


def test_publish_mode_ships_the_build_jobs_archives_and_refuses_tampered_ones(
    make_repo: Callable[..., Repo], github: FakeGitHub, git_env: dict[str, str]
) -> None:
    """The tag workflow: build-archives runs `nox -s build`, publish uploads its archives."""
    repo = make_repo(release_config(github))
    config = repo.path / "ferrox.toml"
    config.write_text(config.read_text().replace("[build]\n", f"[build]\n{ONE_TARGET}", 1))
    repo.git("commit", "-q", "-am", "chore: build one target")
    repo.git("push", "-q", "origin", "main")
    assert run_cli(repo.path, "v0.2.0", "--ci", env=git_env).returncode == 0
    built = subprocess.run(
        [sys.executable, "-m", "ferrox", "run", "build", "-C", str(repo.path)],
        capture_output=True, text=True, env=git_env, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    dist = repo.path / "target" / "ferrox" / "dist"
    archive = dist / "demo-cli-0.2.0-x86_64-unknown-linux-musl.tar.gz"
    original = archive.read_bytes()
    archive.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    done = run_cli(repo.path, "--publish", env=git_env)
    assert done.returncode == 3 and "does not match its checksum" in done.stderr
    assert github.release_by_tag("v0.2.0") is None
    archive.write_bytes(original)
    done = run_cli(repo.path, "--publish", env=git_env)
    assert done.returncode == 0, done.stderr
    release = github.release_by_tag("v0.2.0")
    assert release is not None
    uploaded = {a["name"]: a["size"] for a in github.assets[release["id"]]}
    assert uploaded == {
        archive.name: len(original),
        "SHA256SUMS": (dist / "SHA256SUMS").stat().st_size,
    }


def test_token_never_appears_in_output_errors_or_files(
    make_repo: Callable[..., Repo], github: FakeGitHub, git_env: dict[str, str]
) -> None:
    repo = make_repo(release_config(github))
    github.token = "another-token-the-server-wants"  # noqa: S105 - ours is now rejected: 401
    done = run_cli(repo.path, "v0.2.0", env=git_env)
    assert done.returncode == 3
    assert "HTTP 401" in done.stderr and "partly published" in done.stderr
    everything = done.stdout + done.stderr
    everything += "".join(
        path.read_text(errors="replace")
        for path in (repo.path / "target" / "ferrox").rglob("*.json")
    )
    assert TOKEN not in everything
    github.token = TOKEN
    assert run_cli(repo.path, "--resume", env=git_env).returncode == 0
    assert all(TOKEN not in r.path for r in github.requests)


def test_signed_tag_with_an_ssh_key(
    make_repo: Callable[..., Repo], github: FakeGitHub, tmp_path: Path
) -> None:
    if shutil.which("ssh-keygen") is None:  # pragma: no cover - openssh-client is on the image
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    key = tmp_path / "signing-key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "release", "-f", str(key)],
        check=True,
    )
    repo = make_repo(release_config(github, 'sign = true\npublishers = ["git"]\n'))
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(key))
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 0
    allowed = tmp_path / "allowed"
    allowed.write_text(f"tester@example.invalid {key.with_suffix('.pub').read_text()}")
    repo.git("config", "gpg.ssh.allowedSignersFile", str(allowed))
    assert (
        "Good"
        in subprocess.run(
            ["git", "tag", "-v", "v0.2.0"],
            cwd=repo.path,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    )


def test_unknown_publisher_and_nothing_to_resume(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(release_config(github, 'publishers = ["git", "npm"]\n'))
    assert main(["release", "v0.2.0", "-C", str(repo.path)]) == 2
    assert "key 'release.publishers': unknown publisher(s) npm" in capsys.readouterr().err
    # The configuration is checked before anything else, --resume included.
    assert main(["release", "--resume", "-C", str(repo.path)]) == 2
    assert "unknown publisher(s) npm" in capsys.readouterr().err
    valid = make_repo(release_config(github), name="valid")
    assert main(["release", "--resume", "-C", str(valid.path)]) == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert main(["release", "-C", str(valid.path)]) == 2
    assert "latest release: none" in capsys.readouterr().err


def test_invoke_task_and_nox_session(
    make_repo: Callable[..., Repo], github: FakeGitHub, git_env: dict[str, str], tmp_path: Path
) -> None:
    repo = make_repo(release_config(github))
    (repo.path / "tasks.py").write_text("from ferrox.tasks import namespace\n")
    (repo.path / "noxfile.py").write_text("import ferrox.nox\n\nferrox.nox.register()\n")
    repo.git("add", "tasks.py", "noxfile.py")
    repo.git("commit", "-q", "-m", "chore: adapters")
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "invoke"), "release", "v0.2.0", "--dry-run", "--json"],
        cwd=repo.path, capture_output=True, text=True, env=git_env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tag"] == "v0.2.0"
    done = subprocess.run(
        [str(bin_dir / "invoke"), "release", "1.2"],
        cwd=repo.path, capture_output=True, text=True, env=git_env, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "not a SemVer version" in done.stderr
    listing = subprocess.run(
        [str(bin_dir / "nox"), "--list", "--json", "-t", "release"],
        cwd=repo.path, capture_output=True, text=True, env=git_env, check=False,
    )  # fmt: skip
    sessions = {s["name"]: s for s in json.loads(listing.stdout)}
    assert list(sessions) == ["build", "publish"]  # build: the release binaries, opt-in
