"""Version bumps are byte-exact: golden files prove that nothing but the versions changes."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from github_fake import FakeGitHub
from release_repo import RELEASE_FIXTURES, Repo, git, release_config, write_config

from ferrox.cli import main
from ferrox.errors import ConfigError, UsageError
from ferrox.release import bump
from ferrox.release.bump import Crate
from ferrox.release.version import Version, bumped, latest_version, parse_version

MIXED = RELEASE_FIXTURES / "mixed"
EXPECTED = RELEASE_FIXTURES / "mixed-expected"
CRATES = {name: Crate(name, "0.1.0", "") for name in ("a", "b")}


def test_manifest_keeps_comments_quotes_crlf_and_ranges() -> None:
    before = (
        "[package]\r\nname = 'a'\r\nversion = '0.1.0' # v\r\n\r\n[dependencies]\r\n"
        'b = { path = "../b", version = "^0.1.0" }\r\n'
        'c = { version = "0.1.0" }\r\n'  # not a workspace crate
        'b2 = { package = "b", path = "../b", version = "0.1" }\r\n'  # a range 1.0 leaves
        '[target.\'cfg(unix)\'.build-dependencies]\r\nb = { path = "../b", version = "~0.1.0" }\r\n'
    )
    after = bump.bump_manifest(before, CRATES, "1.0.0")
    assert after == (
        before.replace("'0.1.0' # v", "'1.0.0' # v")
        .replace('"^0.1.0"', '"^1.0.0"')
        .replace('"~0.1.0"', '"~1.0.0"')
        .replace('"0.1" }', '"1.0" }')
    )


def test_inherited_versions_move_only_in_the_workspace_table() -> None:
    root = (Path(__file__).parents[2] / "examples" / "demo" / "Cargo.toml").read_text()
    crates = {n: Crate(n, "0.1.0", "") for n in ("demo-core", "demo-cli")}
    after = bump.bump_manifest(root, crates, "0.2.0")
    assert after == root.replace('version = "0.1.0"', 'version = "0.2.0"')
    member = '[package]\nname = "demo-core"\nversion.workspace = true\n'
    assert bump.bump_manifest(member, crates, "0.2.0") == member


def test_pyproject_dynamic_version_is_left_to_maturin() -> None:
    maturin = (
        '[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n\n'
        '[project]\nname = "x"\ndynamic = ["version"]\n'
    )
    assert bump.bump_pyproject(maturin, "1.0.0") == maturin
    assert bump.pep440("1.0.0-beta.2") == "1.0.0b2"
    assert bump.pep440("1.0.0-dev") == "1.0.0-dev"


def test_extra_file_patterns() -> None:
    text = 'NAME = "x"\nVERSION = "0.1.0"\n'
    assert bump.bump_extra(text, "v.txt", "v.txt", {"0.1.0"}, "0.2.0") == text.replace(
        "0.1.0", "0.2.0"
    )
    custom = bump.bump_extra(
        "release 0.1.0 now\n", r"n.txt:release (\S+)", "n.txt", {"0.1.0"}, "1.0.0"
    )
    assert custom == "release 1.0.0 now\n"
    with pytest.raises(ConfigError, match="no version"):
        bump.bump_extra("nothing\n", "n.txt", "n.txt", {"0.1.0"}, "1.0.0")
    with pytest.raises(ConfigError, match="bad regex"):
        bump.bump_extra("x", "n.txt:(", "n.txt", {"0.1.0"}, "1.0.0")


def test_versions() -> None:
    assert parse_version("v1.2.0-rc.1").text == "1.2.0-rc.1"
    assert parse_version("1.2.0+build.5").text == "1.2.0+build.5"
    assert parse_version("v1.2.0").newer_than(parse_version("v1.2.0-rc.1"))
    latest = latest_version(["v0.9.0", "v0.10.0", "v1.0.0-rc.1", "other", "v2"])
    assert latest == Version("1.0.0-rc.1")
    assert bumped(latest, "patch") == Version("1.0.0")
    assert bumped(Version("0.3.4"), "major") == Version("1.0.0")
    assert bumped(Version("0.3.4"), "minor") == Version("0.4.0")
    assert bumped(None, "minor") == Version("0.1.0")
    with pytest.raises(UsageError, match=r"not greater than the latest release v1\.0\.0"):
        parse_version("v0.9.9", latest=Version("1.0.0"))
    with pytest.raises(UsageError, match=r"\(no release yet\)"):
        parse_version("v1")


@pytest.mark.slow
def test_mixed_workspace_release_is_byte_exact(
    make_repo: Callable[..., Repo], github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pre-release of a mixed Rust + Python workspace: manifests, lock, pyproject and
    __version__ end exactly as the golden files; wheel and sdist are published."""
    repo = make_repo(name="mixed")
    for path in list(repo.path.iterdir()):
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(MIXED, repo.path, dirs_exist_ok=True)
    (repo.path / ".gitignore").write_text("target/\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "feat: the mixed workspace")
    write_config(
        repo.path,
        release_config(
            github,
            'extra_files = ["python/mixed_demo/__init__.py"]\npython_isolation = false\n',
        ),
    )
    repo.git("push", "-q", "origin", "main")
    originals = {
        path.relative_to(repo.path).as_posix(): path.read_bytes()
        for path in repo.path.rglob("*")
        if path.is_file() and ".git" not in path.parts and "target" not in path.parts
    }
    assert main(["release", "v0.2.0-rc.1", "--dry-run", "--json", "-C", str(repo.path)]) == 0
    planned = json.loads(capsys.readouterr().out)["assets"]
    assert planned[-3:] == ["mixed_demo-0.2.0rc1-*.whl", "mixed_demo-0.2.0rc1.tar.gz", "SHA256SUMS"]
    assert main(["release", "v0.2.0-rc.1", "-C", str(repo.path)]) == 0
    expected = {
        path.relative_to(EXPECTED).as_posix(): path.read_bytes()
        for path in EXPECTED.rglob("*")
        if path.is_file()
    }
    for name, content in originals.items():
        assert (repo.path / name).read_bytes() == expected.get(name, content), name
    release = github.release_by_tag("v0.2.0-rc.1")
    assert release is not None and release["prerelease"] is True
    names = sorted(asset["name"] for asset in github.assets[release["id"]])
    assert names == [
        "SHA256SUMS",
        "mixed-cli-0.2.0-rc.1-x86_64-unknown-linux-musl.tar.gz",
        "mixed_demo-0.2.0rc1-py3-none-any.whl",
        "mixed_demo-0.2.0rc1.tar.gz",
    ]
    wheel = repo.path / "target/ferrox/release/v0.2.0-rc.1/mixed_demo-0.2.0rc1-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as opened:
        assert "mixed_demo/__init__.py" in opened.namelist()
    assert git(repo.remote, "rev-parse", "main") == repo.git("rev-parse", "HEAD")
