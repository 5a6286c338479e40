"""Pinned tool versions (ci/tools.toml): lookup, installed-version checks, installation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from packaging.version import InvalidVersion, Version

from ferrox.errors import ConfigError, ToolError
from ferrox.tools import ToolRunner

PIN_FILE = Path("ci") / "tools.toml"
VERSION_TIMEOUT_S = 30.0
INSTALL_TIMEOUT_S = 3600.0
_VERSION = re.compile(r"\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")


@dataclass(frozen=True)
class CargoTool:
    """A cargo-installed tool and the version it is pinned to."""

    name: str
    version: str
    crate: str
    binary: str
    version_args: tuple[str, ...]


@dataclass(frozen=True)
class Pins:
    """The pin file's content and where it came from."""

    path: Path
    components: tuple[str, ...]
    cargo_tools: tuple[CargoTool, ...]


@dataclass(frozen=True)
class ToolState:
    """One tool as found on this machine."""

    name: str
    pinned: str | None
    found: str | None
    path: Path | None

    @property
    def ok(self) -> bool:
        """Installed, and at the pinned version when there is a pin."""
        return self.found is not None and (self.pinned is None or _same(self.found, self.pinned))

    @property
    def status(self) -> str:
        """ok, missing or mismatch."""
        if self.found is None:
            return "missing"
        return "ok" if self.ok else "mismatch"


def find_pin_file(root: Path) -> Path:
    """``ci/tools.toml`` of the project (or of the repository above it), else ferrox's own."""
    for directory in (root.resolve(), *root.resolve().parents):
        candidate = directory / PIN_FILE
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            break
    packaged = Path(__file__).parent / "data" / "tools.toml"
    if packaged.is_file():  # pragma: no cover - only in an installed wheel
        return packaged
    # An editable install: the pin file of ferrox's own source tree.
    return Path(__file__).resolve().parents[2] / PIN_FILE


def load_pins(path: Path) -> Pins:
    """Reads and validates a pin file."""
    try:
        data: dict[str, Any] = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(f"cannot read the pin file: {exc}", file=str(path)) from exc
    unknown = set(data) - {"rustup", "cargo"}
    if unknown:
        raise ConfigError(
            "unknown table", file=str(path), key=sorted(unknown)[0], choices=["rustup", "cargo"]
        )
    components = data.get("rustup", {}).get("components", [])
    tools = []
    for name, spec in data.get("cargo", {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("version"), str):
            raise ConfigError("needs a version string", file=str(path), key=f"cargo.{name}.version")
        extra = set(spec) - {"version", "crate", "binary", "version_args"}
        if extra:
            raise ConfigError(
                "unknown key", file=str(path), key=f"cargo.{name}.{sorted(extra)[0]}",
                choices=["version", "crate", "binary", "version_args"],
            )  # fmt: skip
        try:
            Version(spec["version"])
        except InvalidVersion as exc:
            raise ConfigError(
                f"{spec['version']!r} is not a version", file=str(path), key=f"cargo.{name}.version"
            ) from exc
        tools.append(
            CargoTool(
                name=name,
                version=spec["version"],
                crate=spec.get("crate", name),
                binary=spec.get("binary", name),
                version_args=tuple(spec.get("version_args", ["--version"])),
            )
        )
    return Pins(path, tuple(components), tuple(tools))


def installed_version(
    runner: ToolRunner, binary: str, args: tuple[str, ...], cwd: Path
) -> tuple[str | None, Path | None]:
    """The version a binary reports, and its path; (None, None) when it is not installed."""
    path = runner.which(binary)
    if path is None:
        return None, None
    try:
        done = runner.run(binary, list(args), cwd=cwd, timeout=VERSION_TIMEOUT_S)
    except ToolError:
        return None, path
    match = _VERSION.search(done.stdout + done.stderr) if done.returncode == 0 else None
    return (match[1] if match else None), path


def survey(runner: ToolRunner, pins: Pins, cwd: Path) -> list[ToolState]:
    """The state of cargo, rustc, the rustup components and every pinned cargo tool."""
    states = []
    for binary in ("cargo", "rustc"):
        found, path = installed_version(runner, binary, ("--version",), cwd)
        states.append(ToolState(binary, None, found, path))
    component_binaries = {
        "rustfmt": ("rustfmt", ("--version",)),
        "clippy": ("cargo-clippy", ("--version",)),
    }
    for component in pins.components:
        binary, args = component_binaries.get(component, (component, ("--version",)))
        found, path = installed_version(runner, binary, args, cwd)
        states.append(ToolState(component, None, found, path))
    for tool in pins.cargo_tools:
        found, path = installed_version(runner, tool.binary, tool.version_args, cwd)
        states.append(ToolState(tool.name, tool.version, found, path))
    return states


@dataclass(frozen=True)
class InstallAction:
    """What ``tools install`` does for one tool."""

    name: str
    argv: tuple[str, ...]
    reason: str


def plan_install(
    pins: Pins, states: list[ToolState], only: tuple[str, ...] = ()
) -> list[InstallAction]:
    """Commands that bring the machine to the pins; tools already at their pin get none."""
    known = {state.name: state for state in states}
    wanted = set(only)
    valid = {*pins.components, *(tool.name for tool in pins.cargo_tools)}
    if wanted - valid:
        raise ConfigError(
            "unknown tool",
            file=str(pins.path),
            key=sorted(wanted - valid)[0],
            choices=sorted(valid),
        )
    actions = []
    missing_components = [
        c for c in pins.components if (not wanted or c in wanted) and not known[c].ok
    ]
    if missing_components:
        actions.append(
            InstallAction(
                ",".join(missing_components),
                ("rustup", "component", "add", *missing_components),
                "rustup component missing",
            )
        )
    for tool in pins.cargo_tools:
        state = known[tool.name]
        if (wanted and tool.name not in wanted) or state.ok:
            continue
        reason = (
            "not installed"
            if state.found is None
            else f"installed {state.found}, pinned {tool.version}"
        )
        actions.append(
            InstallAction(
                tool.name,
                ("cargo", "install", "--locked", "--version", tool.version, tool.crate),
                reason,
            )
        )
    return actions


def _same(found: str, pinned: str) -> bool:
    try:
        return Version(found) == Version(pinned)
    except InvalidVersion:
        return found == pinned
