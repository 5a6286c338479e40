"""Whether Cargo.lock still matches the manifests: every declared dependency must be locked.

cargo-audit reads Cargo.lock alone. A dependency added to Cargo.toml after the lock was written
(by hand, or by a pull request that did not commit the new lock) is missing from it, so the
audit never sees the version the next build would use. Resolving the graph again would need the
registry index; this check needs nothing but ``cargo metadata --no-deps`` (the manifests, no
resolution) and the lock file: each dependency of each workspace member must appear in the lock,
at a version its requirement accepts when it comes from a registry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ferrox.config import parse_toml_text
from ferrox.errors import ToolOutputError
from ferrox.rust.workspace import CARGO_HINT
from ferrox.tools import ToolRunner

_PART = re.compile(r"^(?P<op>\^|~|=|>=|<=|>|<)?\s*(?P<version>[0-9*xX][0-9A-Za-z.*+-]*)$")
Triple = tuple[int, int, int]


def stale_dependencies(
    runner: ToolRunner, root: Path, lock_path: Path, timeout: float
) -> list[str]:
    """``name req (of member)`` for each declared dependency the lock does not satisfy."""
    done = runner.run(
        "cargo",
        ["metadata", "--no-deps", "--format-version", "1", "--offline"],
        cwd=root,
        timeout=timeout,
        hint=CARGO_HINT,
    )
    try:
        packages = json.loads(done.stdout)["packages"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolOutputError.of(done, "cargo metadata printed no package list", "cargo") from exc
    locked = _locked_versions(lock_path)
    if locked is None:
        return []  # not TOML: cargo-audit refuses it with its own message
    return [
        f"{dep['name']} {dep.get('req', '*')} (dependency of {package['name']})"
        for package in packages
        for dep in package.get("dependencies", [])
        if not _satisfied(dep, locked)
    ]


def _locked_versions(lock_path: Path) -> dict[str, list[str]] | None:
    try:
        data = parse_toml_text(lock_path.read_text(encoding="utf-8"))
        found: dict[str, list[str]] = {}
        for entry in data.get("package", []):
            found.setdefault(str(entry["name"]), []).append(str(entry["version"]))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return found


def _satisfied(dep: Mapping[str, Any], locked: Mapping[str, list[str]]) -> bool:
    versions = locked.get(str(dep["name"]), [])
    source = str(dep.get("source") or "")
    if not source.startswith(("registry+", "sparse+")):
        return bool(versions)  # a path or git dependency: its version is whatever it holds
    return any(matches(str(dep.get("req") or "*"), version) for version in versions)


def matches(requirement: str, version: str) -> bool:
    """Whether ``version`` satisfies a Cargo version requirement (``^1.2``, ``~0.3``, ``=1.0.4``,
    ``>=1, <2``, ``1.*``). Pre-release tags are ignored; an unreadable requirement matches."""
    found = _triple(version)
    if found is None:
        return True
    for part in (p.strip() for p in requirement.split(",")):
        match = _PART.match(part)
        if part in ("", "*") or match is None:
            continue
        low, high = _bounds(match["op"] or "^", match["version"])
        if not low <= found < high:
            return False
    return True


def _triple(version: str) -> Triple | None:
    numbers = re.match(r"^(\d+)\.(\d+)\.(\d+)", version)
    return (int(numbers[1]), int(numbers[2]), int(numbers[3])) if numbers else None


_TOP: Triple = (10**9, 0, 0)


def _bounds(op: str, text: str) -> tuple[Triple, Triple]:
    """The half-open range [low, high) a comparator accepts."""
    core = re.split(r"[-+]", text, maxsplit=1)[0]
    given = [int(p) for p in core.split(".") if p.isdigit()][:3]
    low: Triple = (*given, 0, 0, 0)[:3]  # type: ignore[assignment]
    if op in ("=", "~") or "*" in text or "x" in text.lower():
        return low, _fixed_upper(op, low, len(given))
    if op == "^":
        return low, _caret_upper(low, len(given))
    return _compare_bounds(op, low, _next_up(low, len(given)))


def _next_up(low: Triple, given: int) -> Triple:
    """The smallest version above every version the given parts describe (1.2 -> 1.3.0)."""
    major, minor, patch = low
    return {1: (major + 1, 0, 0), 2: (major, minor + 1, 0)}.get(given, (major, minor, patch + 1))


def _fixed_upper(op: str, low: Triple, given: int) -> Triple:
    """=1.2 / ~1.2 / 1.2.*: the given parts fixed; ~1.2.3 lets the patch float."""
    major, minor, _ = low
    if op == "~" and given == 3:
        return (major, minor + 1, 0)
    return _next_up(low, given) if given else _TOP


def _caret_upper(low: Triple, given: int) -> Triple:
    """^1.2.3 < 2.0.0, ^0.2.3 < 0.3.0, ^0.0.3 < 0.0.4 (the first non-zero part is fixed)."""
    major, minor, patch = low
    if major > 0 or given == 1:
        return (major + 1, 0, 0)
    if minor > 0 or given == 2:
        return (major, minor + 1, 0)
    return (major, minor, patch + 1)


def _compare_bounds(op: str, low: Triple, above: Triple) -> tuple[Triple, Triple]:
    bounds = {">": (above, _TOP), ">=": (low, _TOP), "<": ((0, 0, 0), low)}
    return bounds.get(op, ((0, 0, 0), above))  # <=
