"""Where a build's rustc flags come from, to find flags that silence lints for the whole build.

cargo takes extra rustc flags from the environment (``CARGO_ENCODED_RUSTFLAGS``, ``RUSTFLAGS``,
``CARGO_BUILD_RUSTFLAGS``, ``CARGO_TARGET_<TRIPLE>_RUSTFLAGS``) and from every
``.cargo/config.toml`` (or ``.cargo/config``) from the project directory up to the filesystem
root and in ``CARGO_HOME`` (``[build] rustflags``, ``[target.<triple or cfg>] rustflags``).
``--cap-lints allow`` there turns every denied lint into nothing, and rustc keeps the first
``--cap-lints`` it is given, so a later flag cannot undo it; ``-A warnings`` there silences every
warning even when ``-W lint`` follows: the lint step must refuse to run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ferrox.config import parse_toml_text

_ENV_LISTS = ("RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS")


def lint_caps(root: Path, env: Mapping[str, str]) -> list[str]:
    """Each place whose rustc flags silence lints for the whole build, as ``source sets `flags```.

    Two forms: ``--cap-lints`` (every lint capped, ``-D`` included) and allowing the
    ``warnings`` group (``-A warnings``), which silences every warning whatever order later
    ``-W`` flags come in.
    """
    return [
        f"{source} sets `{' '.join(flags)}`"
        for source, flags in _rustflag_sources(root, env)
        if silences_lints(flags)
    ]


def silences_lints(flags: list[str]) -> bool:
    """Whether rustc flags cap lints or allow the ``warnings`` group."""
    for index, flag in enumerate(flags):
        following = flags[index + 1] if index + 1 < len(flags) else ""
        if flag == "--cap-lints" or flag.startswith("--cap-lints="):
            return True
        if flag in ("-A", "--allow") and following == "warnings":
            return True
        if flag in ("-Awarnings", "--allow=warnings"):
            return True
    return False


def _rustflag_sources(root: Path, env: Mapping[str, str]) -> Iterator[tuple[str, list[str]]]:
    if encoded := env.get("CARGO_ENCODED_RUSTFLAGS"):
        yield "CARGO_ENCODED_RUSTFLAGS", encoded.split("\x1f")
    for name in _ENV_LISTS:
        if value := env.get(name):
            yield name, value.split()
    for name, value in env.items():
        if name.startswith("CARGO_TARGET_") and name.endswith("_RUSTFLAGS") and value:
            yield name, value.split()
    for path in _config_files(root, env):
        for key, flags in _config_rustflags(path):
            yield f"{path} ({key})", flags


def _config_files(root: Path, env: Mapping[str, str]) -> list[Path]:
    directories = [root.resolve(), *root.resolve().parents]
    home = env.get("CARGO_HOME") or (str(Path(env["HOME"]) / ".cargo") if "HOME" in env else "")
    found = [d / ".cargo" / name for d in directories for name in ("config.toml", "config")]
    if home:
        found += [Path(home) / "config.toml", Path(home) / "config"]
    return [path for path in dict.fromkeys(found) if path.is_file()]


def _config_rustflags(path: Path) -> Iterator[tuple[str, list[str]]]:
    """``(key, flags)`` of each rustflags setting of one cargo config file."""
    try:
        data = parse_toml_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return  # cargo itself reports a config it cannot read
    build = data.get("build")
    if isinstance(build, dict) and "rustflags" in build:
        yield "build.rustflags", _flags(build["rustflags"])
    targets = data.get("target")
    if isinstance(targets, dict):
        for name, table in targets.items():
            if isinstance(table, dict) and "rustflags" in table:
                yield f"target.{name}.rustflags", _flags(table["rustflags"])


def _flags(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
