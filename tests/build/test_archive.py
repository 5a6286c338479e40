"""Archives: byte-identical for identical inputs, fixed metadata, all-or-nothing writes."""

from __future__ import annotations

import gzip
import hashlib
import tarfile
import zipfile
from pathlib import Path

import pytest

from ferrox.build.archive import Member, atomic_output, write_checksums, write_tar_gz, write_zip

EPOCH = 1_700_000_000


def _members(directory: Path) -> list[Member]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tool").write_bytes(b"\x7fELF binary")
    (directory / "README.md").write_text("read me\n")
    (directory / "LICENSE").write_text("MIT\n")
    return [
        Member("tool-1.0/README.md", directory / "README.md"),
        Member("tool-1.0/tool", directory / "tool", executable=True),
        Member("tool-1.0/LICENSE", directory / "LICENSE"),
    ]


def test_tar_gz_is_reproducible_and_normalised(tmp_path: Path) -> None:
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    write_tar_gz(first, _members(tmp_path / "one"), EPOCH)
    # Other source paths and other file times: the same bytes.
    members = _members(tmp_path / "two")
    (tmp_path / "two" / "tool").touch()
    write_tar_gz(second, list(reversed(members)), EPOCH)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == [
        "tool-1.0",
        "tool-1.0/LICENSE",
        "tool-1.0/README.md",
        "tool-1.0/tool",
    ]
    assert {(i.mtime, i.uid, i.gid, i.uname, i.gname) for i in infos} == {(EPOCH, 0, 0, "", "")}
    assert infos[-1].mode == 0o755 and infos[1].mode == 0o644
    with gzip.open(first) as handle:
        handle.read()
    assert first.read_bytes()[4:8] == EPOCH.to_bytes(4, "little")  # gzip header mtime


def test_zip_is_reproducible_with_modes(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    write_zip(first, _members(tmp_path / "one"), EPOCH)
    write_zip(second, _members(tmp_path / "two"), EPOCH)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert (infos[-1].external_attr >> 16) & 0o777 == 0o755


def test_checksums_in_sha256sum_format(tmp_path: Path) -> None:
    files = []
    for name in ("b.tar.gz", "a.zip"):
        (tmp_path / name).write_bytes(name.encode())
        files.append(tmp_path / name)
    write_checksums(tmp_path / "SHA256SUMS", files)
    lines = (tmp_path / "SHA256SUMS").read_text().splitlines()
    assert lines == [
        f"{hashlib.sha256(b'a.zip').hexdigest()}  a.zip",
        f"{hashlib.sha256(b'b.tar.gz').hexdigest()}  b.tar.gz",
    ]


def test_an_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "dist" / "tool.tar.gz"
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as handle:
        handle.write(b"half an archive")
        raise KeyboardInterrupt
    assert list((tmp_path / "dist").iterdir()) == []


def test_an_interrupted_rewrite_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "SHA256SUMS"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"new, but not finished")
        raise RuntimeError("killed")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["SHA256SUMS"]
