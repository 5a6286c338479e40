"""Writes calibrated thresholds into the project's configuration with tomlkit: every comment,
every other key and every other entry of ``thresholds`` stays as it was."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Array, Table

from ferrox.config import find_source
from ferrox.errors import ConfigError


def write_thresholds(root: Path, entries: Mapping[str, str]) -> Path:
    """Sets ``NAME=MINOR,MAJOR,CRITICAL`` entries in ``[bench] thresholds`` (replacing an entry of
    the same name, appending the others); returns the file written. Without a configuration file
    the project gets a ``ferrox.toml``."""
    source = find_source(root)
    path = source.file or root / "ferrox.toml"
    prefix = source.prefix if source.file else ()
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    document = tomlkit.parse(text)
    table: Any = document
    for part in (*prefix, "bench"):
        if part not in table:
            table[part] = tomlkit.table()
        table = table[part]
        if not isinstance(table, (Table, dict)):
            raise ConfigError("is not a table", file=path.name, key=".".join((*prefix, "bench")))
    current = table.get("thresholds")
    if current is None:
        current = tomlkit.array()
        current.multiline(True)
        _add_after_last_key(table, "thresholds", current)
    if not isinstance(current, Array):
        raise ConfigError(
            "is not an array of NAME=MINOR,MAJOR,CRITICAL strings",
            file=path.name, key=".".join((*prefix, "bench", "thresholds")),
        )  # fmt: skip
    pending = dict(entries)
    for index, item in enumerate(list(current)):
        name = str(item).partition("=")[0].strip()
        if name in pending:
            current[index] = pending.pop(name)
    for entry in pending.values():
        current.append(entry)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def _add_after_last_key(table: Any, key: str, value: Array) -> None:
    """Adds ``key`` right after the table's last key: appended at the end it would land below
    the comments that introduce the next table."""
    keys = [k.key for k, _ in table.value.body if k is not None]
    if keys:
        # tomlkit has no public way to insert at a position.
        table.value._insert_after(keys[-1], key, value)
    else:
        table[key] = value
