"""The tools home: one isolated virtual environment per pinned tool and version.

Layout (``FERROX_TOOLS_HOME``, default ``<user cache>/ferrox/tools``)::

    <home>/<tool>-<version>/venv/            the tool's own venv (pip-installed)
    <home>/<tool>-<version>/bin/<binary>     only the tool's executable, linked from venv (or,
                                             for a source build, written by cargo install --root)
    <home>/<tool>-<version>/ferrox-tool.json written last: the install is complete
    <home>/.<tool>-<version>.lock            held while installing (concurrent installs wait)

Only ``bin/`` goes on PATH, never ``venv/bin``: a venv's ``python`` and ``pip`` must not shadow
the project's. Each tool gets its own venv because scanners pin conflicting libraries (safety
2.3.5 needs ``packaging<22``, which pip-audit cannot use).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

TOOLS_HOME_ENV = "FERROX_TOOLS_HOME"
MARKER = "ferrox-tool.json"


@dataclass(frozen=True)
class HomeTool:
    """A complete install in the tools home."""

    name: str
    version: str
    binary: str
    directory: Path

    @property
    def bin_dir(self) -> Path:
        """The directory that goes on PATH (holds only the tool's executable)."""
        return self.directory / "bin"


def tools_home(env: Mapping[str, str]) -> Path:
    """``FERROX_TOOLS_HOME`` if set, else ferrox's directory in the user cache."""
    configured = env.get(TOOLS_HOME_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    # Imported here: only runs that have no FERROX_TOOLS_HOME pay for it.
    import platformdirs  # noqa: PLC0415

    return Path(platformdirs.user_cache_dir("ferrox", appauthor=False)) / "tools"


def tool_dir(home: Path, name: str, version: str) -> Path:
    """Where ``name`` at ``version`` is (or would be) installed."""
    return home / f"{name}-{version}"


def venv_bin(venv: Path) -> Path:
    """The scripts directory of a virtual environment on this OS."""
    return venv / ("Scripts" if os.name == "nt" else "bin")


def executable(directory: Path, name: str) -> Path:
    """``name`` in ``directory`` with the OS's executable suffix."""
    return directory / (f"{name}.exe" if os.name == "nt" else name)


def read_install(directory: Path) -> HomeTool | None:
    """The complete install in ``directory``, or None (no marker, unreadable, binary gone)."""
    try:
        data = json.loads((directory / MARKER).read_text(encoding="utf-8"))
        tool = HomeTool(str(data["name"]), str(data["version"]), str(data["binary"]), directory)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return tool if executable(tool.bin_dir, tool.binary).exists() else None


def installed_tools(home: Path, pinned: Mapping[str, str] | None = None) -> list[HomeTool]:
    """Each tool's complete install at its ``pinned`` version, else its newest, by name."""
    try:
        directories = sorted(entry for entry in home.iterdir() if entry.is_dir())
    except OSError:
        return []
    newest: dict[str, HomeTool] = {}
    for directory in directories:
        tool = read_install(directory)
        if tool is None:
            continue
        chosen = newest.get(tool.name)
        wanted = (pinned or {}).get(tool.name)
        if chosen is None or (
            chosen.version != wanted
            and (tool.version == wanted or _key(tool.version) > _key(chosen.version))
        ):
            newest[tool.name] = tool
    return [newest[name] for name in sorted(newest)]


def search_path(env: Mapping[str, str], pinned: Mapping[str, str]) -> str:
    """PATH with the tools home's bin directories in front of ``env``'s PATH."""
    path = env.get("PATH", os.defpath)
    bins = [str(tool.bin_dir) for tool in installed_tools(tools_home(env), pinned)]
    return os.pathsep.join([*bins, path]) if bins else path


def finish_install(directory: Path, name: str, version: str, binary: str) -> HomeTool:
    """Exposes the venv's ``binary`` in ``bin/`` and writes the marker (last: install done)."""
    source = executable(venv_bin(directory / "venv"), binary)
    if not source.exists():
        raise FileNotFoundError(f"the install did not provide {source.name}")
    exposed = executable(directory / "bin", binary)
    exposed.parent.mkdir(exist_ok=True)
    exposed.unlink(missing_ok=True)
    try:
        # A link, not a copy: a console script finds its venv through its own shebang anyway.
        exposed.symlink_to(Path("..") / "venv" / source.parent.name / source.name)
    except OSError:  # pragma: no cover - Windows without symlink rights
        shutil.copy2(source, exposed)
    return write_marker(directory, name, version, binary)


def write_marker(directory: Path, name: str, version: str, binary: str) -> HomeTool:
    """Marks ``directory`` as a complete install (written last); its binary must be in bin/."""
    if not executable(directory / "bin", binary).exists():
        raise FileNotFoundError(f"the install did not provide {executable(Path(), binary)}")
    marker = {"name": name, "version": version, "binary": binary}
    (directory / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    return HomeTool(name, version, binary, directory)


def _key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)
