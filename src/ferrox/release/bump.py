"""Version bumps as exact edits: tomlkit for TOML (formatting and comments survive), a regex
span replacement for extra files, and cargo itself for Cargo.lock (checked against the edit
we expect, so nothing but the workspace's own entries can change)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import semver
import tomlkit
import tomlkit.items
from tomlkit.toml_document import TOMLDocument

from ferrox.errors import ConfigError, ToolOutputError
from ferrox.release import resolve
from ferrox.release.versioning import rewrite_requirement
from ferrox.tools import ToolRunner

# `__version__ = "1.2.0"` or `version = '1.2.0'` at the start of a line.
DEFAULT_VERSION_PATTERN = r"""(?m)^\s*(?:__version__|VERSION|version)\s*[:=]\s*["']([^"']+)["']"""
_DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


@dataclass(frozen=True)
class Crate:
    """A workspace member: its name, current version and manifest (relative to the root)."""

    name: str
    version: str
    manifest: str


def bump_manifest(text: str, crates: Mapping[str, Crate], new: str) -> str:
    """Cargo.toml with its version, ``[workspace.package]`` and workspace requirements bumped
    (every crate of ``crates`` to ``new``)."""
    return bump_versions(text, dict.fromkeys(crates, new), workspace_version=new)


def bump_versions(text: str, versions: Mapping[str, str], *, workspace_version: str | None) -> str:
    """Cargo.toml with the crates of ``versions`` (name -> new version) at their new versions,
    ``[workspace.package] version`` at ``workspace_version`` (None: unchanged), and the
    requirements on those crates rewritten in their own style (``rewrite_requirement``)."""
    document = tomlkit.parse(text)
    package = document.get("package")
    if isinstance(package, dict) and isinstance(package.get("version"), str):
        name = package.get("name")
        if name in versions:
            _set_string(package, "version", versions[str(name)])
    workspace = document.get("workspace")
    if isinstance(workspace, dict):
        shared = workspace.get("package")
        if (
            workspace_version is not None
            and isinstance(shared, dict)
            and isinstance(shared.get("version"), str)
            and _lower(str(shared["version"]), workspace_version)  # never lowered
        ):
            _set_string(shared, "version", workspace_version)
        if isinstance(workspace.get("dependencies"), dict):
            _bump_requirements(workspace["dependencies"], versions)
    for table in _dependency_tables(document):
        _bump_requirements(table, versions)
    return document.as_string()


def bump_pyproject(text: str, new: str) -> str:
    """pyproject.toml with a static ``[project] version`` set (dynamic versions are untouched)."""
    document = tomlkit.parse(text)
    project = document.get("project")
    if isinstance(project, dict) and isinstance(project.get("version"), str):
        _set_string(project, "version", pep440(new))
    return document.as_string()


def pep440(version: str) -> str:
    """The PEP 440 spelling of a SemVer version (1.2.0-rc.1 -> 1.2.0rc1) for Python metadata."""
    match = re.fullmatch(r"(\d+\.\d+\.\d+)(?:-(alpha|a|beta|b|rc)\.?(\d+))?(?:\+.*)?", version)
    if match is None:
        return version
    base, kind, number = match.groups()
    if kind is None:
        return base
    return f"{base}{ {'alpha': 'a', 'beta': 'b'}.get(kind, kind) }{number}"


def bump_extra(text: str, spec: str, path: str, old: Iterable[str], new: str) -> str:
    """An extra file with the version the pattern's group 1 matches replaced, nothing else."""
    _, _, pattern = spec.partition(":")
    try:
        regex = re.compile(pattern or DEFAULT_VERSION_PATTERN)
    except re.error as exc:
        raise ConfigError(f"bad regex {pattern!r}: {exc}", key="release.extra_files") from exc
    olds = set(old)
    for match in regex.finditer(text):
        if match.lastindex and match.group(1) in olds:
            # Python reads its own version in PEP 440 spelling; other files get the SemVer text.
            replacement = pep440(new) if path.endswith(".py") else new
            return text[: match.start(1)] + replacement + text[match.end(1) :]
    raise ConfigError(
        f"{path}: no version ({', '.join(sorted(olds))}) matched "
        f"{pattern or DEFAULT_VERSION_PATTERN!r}",
        key="release.extra_files",
        hint="write 'path:REGEX' with the version in group 1",
    )


def expected_lock(text: str, crates: Mapping[str, Crate], new: str | Mapping[str, str]) -> str:
    """Cargo.lock as cargo should leave it: only the released crates' version lines change
    (``new``: one version for all, or crate name -> version)."""
    for crate in crates.values():
        version = new if isinstance(new, str) else new.get(crate.name)
        if version is None:
            continue
        old = f'[[package]]\nname = "{crate.name}"\nversion = "{crate.version}"\n'
        text = text.replace(old, f'[[package]]\nname = "{crate.name}"\nversion = "{version}"\n')
    return text


def update_lock(runner: ToolRunner, root: Path, expected: str, timeout: float) -> None:
    """Lets cargo rewrite Cargo.lock (offline first, online when the cache lacks what it needs,
    exit 3 when neither works), then insists it wrote exactly ``expected``."""
    resolve.update_lock(runner, root, (), timeout)
    written = (root / "Cargo.lock").read_text(encoding="utf-8")
    if written != expected:
        raise ToolOutputError(
            "cargo changed Cargo.lock beyond the workspace crates' versions; refusing the release "
            "(run `cargo update --workspace` yourself, commit, and release again)",
            tool="cargo",
        )


def _dependency_tables(document: TOMLDocument) -> list[Any]:
    tables = [document.get(name) for name in _DEPENDENCY_TABLES]
    targets = document.get("target")
    if isinstance(targets, dict):
        for target in targets.values():
            if isinstance(target, dict):
                tables += [target.get(name) for name in _DEPENDENCY_TABLES]
    return [table for table in tables if isinstance(table, dict)]


def _bump_requirements(table: Any, versions: Mapping[str, str]) -> None:
    for key, spec in table.items():
        if not isinstance(spec, dict):
            continue
        name = spec.get("package", key)
        requirement = spec.get("version")
        if name not in versions or not isinstance(requirement, str):
            continue
        written = rewrite_requirement(requirement, versions[name])
        if written is not None:
            _set_string(spec, "version", written)


def _lower(old: str, new: str) -> bool:
    """Whether ``old`` is a lower SemVer version than ``new`` (an unparsable one is left)."""
    return semver.Version.is_valid(old) and semver.Version.parse(old) < semver.Version.parse(new)


def _set_string(container: Any, key: str, value: str) -> None:
    """Replaces a string value keeping its quoting style and trailing comment."""
    old = container[key]
    if isinstance(old, tomlkit.items.String):
        container[key] = tomlkit.items.String(old.type, value, value, old.trivia)
    else:  # pragma: no cover - callers check for strings
        container[key] = value
