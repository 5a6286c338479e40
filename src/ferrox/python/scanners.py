"""What the Python security steps share: tool version checks, JSON output, files, requirements."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from ferrox.context import Context
from ferrox.errors import ConfigError, ToolError, ToolOutputError
from ferrox.tools import Completed

TOOLS_HINT = "run `ferrox tools install` (pins in ci/tools.toml)"
VERSION_TIMEOUT_S = 60.0
_VERSION = re.compile(r"\b(\d+\.\d+(?:\.\d+)?)\b")
# Build output, environments and VCS data: never the project's own files.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".nox", ".tox", ".venv", "venv", "target", "node_modules", "__pycache__"}
)
# Any proxy-honouring HTTP client in a scanner fails at once instead of reaching the internet:
# a fetch we did not plan is an error, never a silent online lookup. Port 9 is "discard".
NO_NETWORK_ENV = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
    "PIP_NO_INDEX": "1",
}


_NETWORK_SIGNS = ("ProxyError", "Unable to connect to proxy", "unable to reach the server")


def raise_if_network_blocked(done: Completed, tool: str) -> None:
    """A ToolError saying so when the tool failed because it tried to go online."""
    if any(sign in done.stdout + done.stderr for sign in _NETWORK_SIGNS):
        raise ToolOutputError.of(
            done,
            f"{tool} tried to fetch from the network during an offline run (blocked); "
            "only the local advisory database may be used",
            tool,
        )


# Windows caps a command line at 32767 characters: file lists are passed in batches below that.
MAX_ARGS_CHARS = 24000


def batches(names: list[str], limit: int | None = None) -> list[list[str]]:
    """``names`` split into consecutive lists whose joined length stays under ``limit``."""
    limit = limit or MAX_ARGS_CHARS
    groups: list[list[str]] = [[]]
    size = 0
    for name in names:
        if groups[-1] and size + len(name) + 1 > limit:
            groups.append([])
            size = 0
        groups[-1].append(name)
        size += len(name) + 1
    return groups


def redact(secret: str) -> str:
    """The first two characters and ``***``: enough to recognise a value, never to use it."""
    return f"{secret[:2]}***" if len(secret) >= 8 else "***"


def check_version(ctx: Context, tool: str, supported: str) -> str:
    """The tool's version; a ToolError when it is missing, silent or outside ``supported``."""
    done = ctx.runner.run(
        tool, ["--version"], cwd=ctx.root, timeout=VERSION_TIMEOUT_S, hint=TOOLS_HINT
    )
    match = _VERSION.search(done.stdout + " " + done.stderr)
    if done.returncode != 0 or match is None:
        raise ToolOutputError.of(done, f"{tool} --version gave no version", tool)
    try:
        version = Version(match[1])
    except InvalidVersion as exc:  # pragma: no cover - the pattern only matches versions
        raise ToolOutputError.of(done, f"{tool} --version gave no version", tool) from exc
    if version not in SpecifierSet(supported):
        raise ToolError(
            f"{tool} {version} is not supported (ferrox needs {tool} {supported})",
            tool=tool,
            argv=done.argv,
            hint=TOOLS_HINT,
        )
    return str(version)


def parse_json(done: Completed, tool: str, what: str) -> Any:
    """The tool's stdout as JSON; a ToolOutputError for empty, truncated or malformed output."""
    if not done.stdout.strip():
        raise ToolOutputError.of(
            done, f"{tool} exited {done.returncode} and printed no {what}", tool
        )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise ToolOutputError.of(
            done,
            f"{tool} printed {what} that is not valid JSON ({exc.msg} at line {exc.lineno})",
            tool,
        ) from exc


def shape_error(done: Completed, tool: str, problem: str) -> ToolOutputError:
    """The error for JSON that parses but is not what the tool documents."""
    return ToolOutputError.of(done, f"{tool} printed unexpected JSON: {problem}", tool)


def python_files(root: Path, paths: Iterable[str], key: str) -> tuple[list[Path], bool]:
    """``*.py`` files under the configured paths (default: the root), and whether configured.

    Unlike project detection this has no depth limit: a scanner must see every file.
    """
    configured = tuple(paths)
    found: list[Path] = []
    for entry in configured or (".",):
        base = root / entry
        if not base.exists():
            raise ConfigError(f"{entry!r} does not exist in {root}", key=key)
        if base.is_file():
            found.append(base)
            continue
        for directory, subdirs, files in os.walk(base):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIP_DIRS and not d.startswith("."))
            found += [Path(directory) / name for name in sorted(files) if name.endswith(".py")]
    return found, bool(configured)


@dataclass(frozen=True)
class Requirement:
    """One pinned requirement line: ``name==version`` at ``path:line``."""

    name: str
    version: str
    path: str
    line: int


_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;#\\]+)")


def requirement_files(ctx: Context, configured: tuple[str, ...], key: str) -> list[Path]:
    """The configured requirements files (which must exist), else ``requirements*.txt``."""
    if configured:
        files = [ctx.root / name for name in configured]
        for path in files:
            if not path.is_file():
                raise ConfigError(f"{path.name!r} is not a file in {ctx.root}", key=key)
        return files
    return sorted(ctx.root.glob("requirements*.txt"))


def declared_without_pins(root: Path) -> int:
    """How many dependencies pyproject.toml declares (0 if none, or no pyproject)."""
    import tomlkit  # noqa: PLC0415 - only this step reads dependency tables
    import tomlkit.exceptions  # noqa: PLC0415

    path = root / "pyproject.toml"
    if not path.is_file():
        return 0
    try:
        data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path)) from exc
    dependencies = data.get("project", {}).get("dependencies", [])
    return len(dependencies) if isinstance(dependencies, list) else 0


def pinned_requirements(ctx: Context, files: Iterable[Path]) -> list[Requirement]:
    """Every ``name==version`` line of the files, with its line number (for findings)."""
    found: list[Requirement] = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read: {exc}", file=str(path)) from exc
        for number, text in enumerate(lines, 1):
            match = _PIN.match(text)
            if match:
                found.append(Requirement(canonical(match[1]), match[2], ctx.relative(path), number))
                continue
            bare = text.split("#", 1)[0].strip()
            if bare and not bare.startswith("--hash") and bare != "\\":
                raise ToolError(
                    f"{ctx.relative(path)}:{number}: {bare!r} is not pinned as name==version, "
                    "so it cannot be audited (the scanner would skip it)",
                    tool="requirements",
                    hint="audit a lock: `pip freeze` or `uv export` output",
                )
    return found


def locate(requirements: Iterable[Requirement], package: str, version: str) -> Requirement | None:
    """The requirement line that pins ``package`` (at ``version`` if several files pin it)."""
    name = canonical(package)
    candidates = [r for r in requirements if r.name == name]
    for requirement in candidates:
        if requirement.version == version:
            return requirement
    return candidates[0] if candidates else None


def canonical(name: str) -> str:
    """The PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()
