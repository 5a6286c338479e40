"""Reproducible release archives (tar.gz, zip for Windows) and their ``SHA256SUMS``.

The same inputs give the same bytes: members sorted, every mtime the given epoch
(``SOURCE_DATE_EPOCH``), owner 0/0 without names, fixed modes, and a gzip header without a
file name or time. Each file is written to a temporary sibling and renamed into place, so an
interrupted run leaves no half-written archive or checksum file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Zip cannot store a date before 1980.
_ZIP_EPOCH = 315532800


@dataclass(frozen=True)
class Member:
    """A file in an archive: its path inside it, where it comes from, whether it is executable."""

    name: str
    source: Path
    executable: bool = False


def sha256_file(path: Path) -> str:
    """The file's SHA-256 as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A temporary sibling to write; renamed over ``path`` only when the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        with temporary.open("wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def write_tar_gz(
    path: Path, members: Sequence[Member], epoch: int, *, directories: bool = True
) -> None:
    """A gzip-compressed tar of ``members`` that is byte-identical for identical inputs.

    ``directories``: whether the members' folders get entries of their own (tar's usual layout).
    """
    # filename="" and a fixed mtime: the gzip header then holds neither a name nor a time.
    with (
        atomic_output(path) as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=epoch, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for directory in _directories(members) if directories else ():
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            tar.addfile(_normal(info, epoch, 0o755))
        for member in sorted(members, key=lambda m: m.name):
            data = member.source.read_bytes()
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            mode = 0o755 if member.executable else 0o644
            tar.addfile(_normal(info, epoch, mode), io.BytesIO(data))


def write_zip(path: Path, members: Sequence[Member], epoch: int) -> None:
    """A deflated zip of ``members`` that is byte-identical for identical inputs."""
    stamp = time.gmtime(max(epoch, _ZIP_EPOCH))[:6]
    with atomic_output(path) as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in sorted(members, key=lambda m: m.name):
            info = zipfile.ZipInfo(member.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode below is honoured by unzip
            mode = 0o755 if member.executable else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, member.source.read_bytes(), compresslevel=9)


def write_checksums(path: Path, files: Sequence[Path]) -> None:
    """``SHA256SUMS`` in ``sha256sum`` format (``HEX  NAME``), sorted by name."""
    lines = sorted(f"{sha256_file(file)}  {file.name}\n" for file in files)
    with atomic_output(path) as handle:
        handle.write("".join(sorted(lines, key=lambda line: line.split("  ", 1)[1])).encode())


def _directories(members: Sequence[Member]) -> list[str]:
    names: set[str] = set()
    for member in members:
        parts = member.name.split("/")[:-1]
        names.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return sorted(names)


def _normal(info: tarfile.TarInfo, epoch: int, mode: int) -> tarfile.TarInfo:
    info.mtime = epoch
    info.mode = mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
