"""The running ferrox as a wheel file, for ``[ci] ferrox_source = "bundled"``.

Until ferrox-ci is on PyPI a fresh repository has no index to pin it from, so ``ferrox init`` writes
the wheel of the ferrox that runs it under ``ci/`` and pins it by sha256 as a local file
requirement. Where the wheel comes from:

- ferrox imported from a source tree (a checkout, an editable install): the tree is built with
  ``pip wheel`` (hatchling builds reproducibly: the same sources give the same bytes and hash);
- any other install (``pip install "ferrox-ci @ git+..."``, a release wheel): the installed files
  are packed back into a wheel from the distribution's RECORD, with fixed timestamps and sorted
  entries, so packing twice gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

import tomlkit

import ferrox
from ferrox.errors import ToolError
from ferrox.tools import ToolRunner

DISTRIBUTION = "ferrox-ci"
# An editable install made before the rename still carries the old distribution name.
_OLD_NAMES = ("ferrox",)
BUILD_TIMEOUT_S = 600.0
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class RunningFerrox:
    """The ferrox that runs: its version, its dependencies and where its wheel comes from."""

    version: str
    requires: tuple[str, ...]
    # The project directory when ferrox runs from a source tree (a checkout, editable or not).
    source: Path | None
    dist: metadata.Distribution | None

    def wheel(self, runner: ToolRunner, cwd: Path) -> tuple[str, bytes]:
        """The file name and bytes of this ferrox's wheel."""
        if self.source is not None:
            return _build(runner, self.source, cwd)
        assert self.dist is not None  # noqa: S101 - set whenever source is None
        return wheel_name(self.version), repack(self.dist)


def running() -> RunningFerrox:
    """The ferrox this process imported: a source tree's pyproject, else its distribution."""
    package = Path(ferrox.__file__).resolve().parent
    project = package.parents[1]  # <project>/src/ferrox
    pyproject = project / "pyproject.toml"
    if package.parent.name == "src" and pyproject.is_file():
        table = tomlkit.parse(pyproject.read_text(encoding="utf-8")).unwrap().get("project", {})
        if table.get("name") in (DISTRIBUTION, *_OLD_NAMES):
            requires = tuple(str(r) for r in table.get("dependencies", []))
            return RunningFerrox(str(table.get("version", "0")), requires, project, None)
    dist = distribution()
    requires = tuple(r for r in dist.requires or [] if "extra ==" not in r)
    return RunningFerrox(dist.version, requires, None, dist)


def distribution() -> metadata.Distribution:
    """The installed distribution whose files hold the ``ferrox`` package that runs.

    Checked by path: the unrelated PyPI project named ``ferrox`` also installs a ``ferrox``
    package, and must never be packed in this one's place.
    """
    running_init = Path(ferrox.__file__).resolve()
    for name in (DISTRIBUTION, *_OLD_NAMES):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if Path(str(dist.locate_file("ferrox/__init__.py"))).resolve() == running_init:
            return dist
    raise ToolError(
        f"the running ferrox ({running_init.parent}) is not an installed {DISTRIBUTION} "
        'distribution, so it cannot be bundled; set [ci] ferrox_source = "wheel" or "pypi"',
        tool="pip",
    )


def wheel_name(version: str) -> str:
    """``ferrox_ci-<version>-py3-none-any.whl`` (ferrox is pure Python)."""
    return f"{DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl"


def _build(runner: ToolRunner, source: Path, cwd: Path) -> tuple[str, bytes]:
    """Builds ``source`` into a wheel with pip (its own build backend, isolated)."""
    with tempfile.TemporaryDirectory(prefix="ferrox-wheel-") as out:
        argv = ["-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q"]
        done = runner.run(
            sys.executable, [*argv, "-w", out, str(source)], cwd=cwd, timeout=BUILD_TIMEOUT_S
        )
        wheels = sorted(Path(out).glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise ToolError(
                f"building the ferrox wheel from {source} failed (exit {done.returncode}):\n"
                f"{done.tail()}",
                tool="pip",
            )
        return wheels[0].name, wheels[0].read_bytes()


def repack(dist: metadata.Distribution) -> bytes:
    """The installed files of ``dist`` packed back into a wheel (deterministic bytes)."""
    root = Path(str(dist.locate_file("")))
    entries: dict[str, bytes] = {}
    record_name = ""
    for file in dist.files or []:
        posix = PurePosixPath(str(file))
        if posix.parts[:1] == ("..",) or "__pycache__" in posix.parts:
            continue  # console scripts (pip regenerates them) and bytecode
        if posix.name == "RECORD" and posix.parent.name.endswith(".dist-info"):
            record_name = str(posix)
            continue
        if posix.name in {"INSTALLER", "REQUESTED", "direct_url.json"}:
            continue  # written by the installer, not part of the wheel
        entries[str(posix)] = (root / Path(str(file))).read_bytes()
    if not record_name:
        raise ToolError(f"{dist.metadata['Name']} has no RECORD: cannot pack it", tool="pip")
    entries[record_name] = _record(entries, record_name)
    return _zip(entries)


def _record(entries: dict[str, bytes], record_name: str) -> bytes:
    lines = []
    for name in sorted(entries):
        digest = base64.urlsafe_b64encode(hashlib.sha256(entries[name]).digest()).rstrip(b"=")
        lines.append(f"{name},sha256={digest.decode()},{len(entries[name])}")
    lines.append(f"{record_name},,")
    return ("\n".join(lines) + "\n").encode()


def _zip(entries: dict[str, bytes]) -> bytes:
    with tempfile.SpooledTemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            # dist-info last and RECORD the very last entry, as wheel builders write them.
            order = sorted(
                entries, key=lambda n: (n.endswith(".dist-info/RECORD"), ".dist-info/" in n, n)
            )
            for name in order:
                info = zipfile.ZipInfo(name, date_time=_EPOCH)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[name])
        buffer.seek(0)
        return buffer.read()
