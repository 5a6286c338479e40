"""``ferrox cache-key``: one stable key for the cargo cache of this project on this OS.

The key is ``ferrox-<os>-<first 20 hex of a SHA-256>`` over, in this order, each input's name and
content: every ``Cargo.lock`` of the project (sorted paths), the toolchain (``rust-toolchain.toml``
or ``rust-toolchain`` when present, else the output of ``rustc -V``), the tool pins
(``ci/tools.toml``) and the ferrox configuration table (as canonical JSON). Any change to one of
them gives a new key; nothing else (time, paths outside the project) enters it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ferrox.config import ProjectConfig
from ferrox.errors import ToolOutputError
from ferrox.pins import find_pin_file
from ferrox.tools import ToolRunner

KEY_PREFIX = "ferrox"
DIGEST_LENGTH = 20
RUSTC_TIMEOUT_S = 60.0
_SKIP_DIRS = {"target", ".git", ".nox", "node_modules"}


@dataclass(frozen=True)
class KeyPart:
    """One input of the key: what it is and the SHA-256 of its content."""

    name: str
    digest: str


@dataclass(frozen=True)
class CacheKey:
    """The key and the inputs it was computed from."""

    key: str
    parts: tuple[KeyPart, ...]


def cache_key(root: Path, config: ProjectConfig, runner: ToolRunner) -> CacheKey:
    """Computes the key for the project at ``root``."""
    parts = [_part(f"lock:{p.relative_to(root).as_posix()}", p.read_bytes()) for p in _locks(root)]
    parts.append(_toolchain(root, runner))
    pins = find_pin_file(root)
    parts.append(_part("pins", pins.read_bytes() if pins.is_file() else b""))
    canonical = json.dumps(config.source.table, sort_keys=True, default=str).encode()
    parts.append(_part("config", canonical))
    total = hashlib.sha256()
    for part in parts:
        total.update(f"{part.name}\0{part.digest}\n".encode())
    os_name = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    return CacheKey(f"{KEY_PREFIX}-{os_name}-{total.hexdigest()[:DIGEST_LENGTH]}", tuple(parts))


def _locks(root: Path) -> list[Path]:
    found = []
    for directory, subdirectories, names in os.walk(root):
        # Pruned in place: never walk into build output or VCS data (target/ can be huge).
        subdirectories[:] = sorted(d for d in subdirectories if d not in _SKIP_DIRS)
        if "Cargo.lock" in names:
            found.append(Path(directory) / "Cargo.lock")
    return sorted(found)


def _toolchain(root: Path, runner: ToolRunner) -> KeyPart:
    for name in ("rust-toolchain.toml", "rust-toolchain"):
        file = root / name
        if file.is_file():
            return _part(f"toolchain:{name}", file.read_bytes())
    done = runner.run("rustc", ["-V"], cwd=root, timeout=RUSTC_TIMEOUT_S, hint="install rustup")
    if done.returncode != 0 or not done.stdout.strip():
        raise ToolOutputError.of(done, "rustc -V gave no version", tool="rustc")
    return _part("toolchain:rustc -V", done.stdout.strip().encode())


def _part(name: str, content: bytes) -> KeyPart:
    return KeyPart(name, hashlib.sha256(content).hexdigest())
