"""Configuration: where it lives, and typed settings validated with errors that name the fix.

A project keeps its ferrox configuration in exactly one of three places, looked up in the
project root:

* ``ferrox.toml``: top-level keys are global settings, each ``[step]`` table configures a step;
* ``pyproject.toml``: the same under ``[tool.ferrox]`` (``[tool.ferrox.clippy]`` ...);
* ``Cargo.toml``: the same under ``[workspace.metadata.ferrox]`` (or ``[package.metadata.ferrox]``
  in a single-crate repository), for pure Rust repositories.

Settings are frozen dataclasses; the field types (bool, int, float, str, ``tuple[str, ...]``,
``Literal`` choices, a settings dataclass for a sub-table such as ``[docker.cpu]``) and the
``min``/``max`` metadata drive validation. A class's ``__post_init__``
checks value formats (regexes, expressions) by raising ``SettingError``, so a bad value stops
``load_config`` before any tool runs. A key that was renamed stays known to its class as
``RENAMED: ClassVar[Mapping[str, str]] = {"old_key": "new_key"}``: the old key is an error that
names the new one, never silently ignored nor silently accepted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import importlib
import math
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

if sys.version_info >= (3, 11):
    import tomllib

    def _parse_toml(text: str) -> dict[str, Any]:
        return tomllib.loads(text)

    _TOML_ERRORS: tuple[type[Exception], ...] = (tomllib.TOMLDecodeError,)
else:  # pragma: no cover - Python 3.10
    import tomlkit
    import tomlkit.exceptions

    def _parse_toml(text: str) -> dict[str, Any]:
        return dict(tomlkit.parse(text).unwrap())

    _TOML_ERRORS = (tomlkit.exceptions.ParseError,)

from ferrox.errors import ConfigError


def parse_toml_text(text: str) -> dict[str, Any]:
    """A TOML document as plain data; ValueError when it is not TOML."""
    try:
        return _parse_toml(text)
    except _TOML_ERRORS as exc:
        raise ValueError(str(exc)) from exc


# For other modules that read TOML (fast stdlib parser where there is one).
parse_toml = _parse_toml
TOML_ERRORS = _TOML_ERRORS

S = TypeVar("S")


def setting(
    default: Any, help: str, *, minimum: float | None = None, maximum: float | None = None
) -> Any:
    """Declares one settings field with its documentation and allowed range."""
    metadata = {"help": help, "min": minimum, "max": maximum}
    if isinstance(default, (list, tuple)):
        return field(default=tuple(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def check_not_option(key: str, values: str | Sequence[str], what: str = "value") -> None:
    """A SettingError when a value that reaches a tool's argv could be read as an option.

    Config files are repository content: a branch named ``--upload-pack=...`` or a bench
    named ``--help`` must stop at load, not reach git's or cargo's option parser.
    """
    for value in (values,) if isinstance(values, str) else values:
        if value.startswith("-"):
            raise SettingError(
                key, f"{what} {value!r} starts with '-' (it would be read as an option)"
            )


class SettingError(ValueError):
    """Raised by a settings dataclass's ``__post_init__`` when a value's format is wrong."""

    def __init__(self, key: str, message: str, *, choices: Sequence[str] = ()) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message
        self.choices = tuple(choices)


@dataclass(frozen=True)
class GlobalSettings:
    """Settings that apply to every step (top-level keys of the ferrox table)."""

    report_dir: str = setting("target/ferrox", "where reports are written, relative to the root")
    mask_env: tuple[str, ...] = setting(
        (), "extra environment variable names whose values are masked in every output"
    )

    def __post_init__(self) -> None:
        # The report directory also reaches the generated workflows (an artifact path, a
        # hashFiles('...') expression): nothing that could end a string or start an expression.
        if not self.report_dir or _UNSAFE_PATH.search(self.report_dir):
            raise SettingError(
                "report_dir",
                f"{self.report_dir!r}: a path without quotes, '$', braces, backticks or control "
                "characters is needed",
            )


_UNSAFE_PATH = re.compile(r"[\x00-\x1f\x7f'\"`${}]")


@dataclass(frozen=True)
class ConfigSource:
    """The one file (if any) the configuration came from, and its ferrox table."""

    file: Path | None
    prefix: tuple[str, ...]
    table: Mapping[str, Any]

    def describe(self) -> str:
        """The file name for messages, or a note that defaults are in use."""
        return self.file.name if self.file is not None else "(defaults)"

    def key(self, *parts: str) -> str:
        """The dotted key as a user would write it in this file."""
        return ".".join((*self.prefix, *parts))


@dataclass(frozen=True)
class ProjectConfig:
    """Validated configuration: global settings plus one settings object per configured step."""

    source: ConfigSource
    globals: GlobalSettings
    steps: Mapping[str, Any]

    def for_step(self, name: str, settings_type: type[S]) -> S:
        """The step's settings, defaults where the file is silent."""
        value = self.steps.get(name)
        if value is None:
            return settings_type()
        if not isinstance(value, settings_type):  # pragma: no cover - guarded by load_config
            raise TypeError(f"settings of {name} are {type(value).__name__}")
        return value


def find_source(root: Path) -> ConfigSource:
    """Locates the ferrox table in ``root``; more than one place holding it is an error."""
    found: list[ConfigSource] = []
    ferrox_toml = root / "ferrox.toml"
    if ferrox_toml.is_file():
        found.append(ConfigSource(ferrox_toml, (), _read_toml(ferrox_toml)))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _dig(_read_toml(pyproject), ("tool", "ferrox"), pyproject)
        if table is not None:
            found.append(ConfigSource(pyproject, ("tool", "ferrox"), table))
    cargo = root / "Cargo.toml"
    if cargo.is_file():
        document = _read_toml(cargo)
        for prefix in (("workspace", "metadata", "ferrox"), ("package", "metadata", "ferrox")):
            table = _dig(document, prefix, cargo)
            if table is not None:
                found.append(ConfigSource(cargo, prefix, table))
    if len(found) > 1:
        places = " and ".join(
            f"[{s.key()}] in {s.describe()}" if s.prefix else s.describe() for s in found
        )
        raise ConfigError(
            f"ferrox configuration found in {places}; keep it in one place",
            file=str(root),
        )
    return found[0] if found else ConfigSource(None, (), {})


# Tables that configure something other than a step (name -> "module:Class"), imported lazily
# because those modules build on this one. They validate exactly like a step's table.
SECTIONS: dict[str, str] = {
    "ci": "ferrox.ci.settings:CiSettings",
    "release": "ferrox.release.settings:ReleaseSettings",
}


def section_settings() -> dict[str, type[Any]]:
    """The settings class of each non-step table (``[release]`` ...)."""
    found: dict[str, type[Any]] = {}
    for name, target in SECTIONS.items():
        module, _, attribute = target.partition(":")
        found[name] = getattr(importlib.import_module(module), attribute)
    return found


def load_config(root: Path, step_settings: Mapping[str, type[Any]]) -> ProjectConfig:
    """Reads and validates the project's configuration against the known steps' settings."""
    step_settings = {**section_settings(), **step_settings}
    source = find_source(root)
    global_fields = {f.name for f in dataclasses.fields(GlobalSettings)}
    global_table: dict[str, Any] = {}
    steps: dict[str, Any] = {}
    # Step names may hold dashes (pip-audit): match them the way keys are matched.
    step_names = {_normal(name): name for name in step_settings}
    for raw_key, value in source.table.items():
        key = step_names.get(_normal(raw_key), _normal(raw_key))
        if key in step_settings:
            if not isinstance(value, Mapping):
                raise ConfigError(
                    f"expected a table, got {_toml_type(value)}",
                    file=source.describe(),
                    key=source.key(raw_key),
                )
            steps[key] = parse_settings(step_settings[key], value, source, (raw_key,))
        elif key in global_fields:
            global_table[raw_key] = value
        else:
            valid = sorted(global_fields) + [f"[{name}]" for name in sorted(step_settings)]
            raise _unknown(raw_key, (), valid, source)
    return ProjectConfig(source, parse_settings(GlobalSettings, global_table, source, ()), steps)


def parse_settings(
    settings_type: type[S], table: Mapping[str, Any], source: ConfigSource, where: tuple[str, ...]
) -> S:
    """Builds a settings dataclass from a TOML table, rejecting anything it does not declare."""
    fields = {f.name: f for f in dataclasses.fields(settings_type)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(settings_type)
    renamed = _renamed(settings_type)
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        name = _normal(raw_key)
        if name in renamed and name not in fields:
            raise ConfigError(
                f"renamed: use {source.key(*where, renamed[name])!r}",
                file=source.describe(),
                key=source.key(*where, raw_key),
            )
        if name not in fields:
            raise _unknown(raw_key, where, sorted(fields), source)
        values[name] = _check(value, hints[name], fields[name], source, (*where, raw_key))
    for name, spec in fields.items():
        # Fields without a default (entries of a list of tables) must be written out.
        required = (
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        )
        if required and name not in values:
            raise ConfigError(
                f"missing required key {name!r}", file=source.describe(), key=source.key(*where)
            )
    try:
        return settings_type(**values)
    except SettingError as exc:  # a settings class's own cross-field or format check
        raise ConfigError(
            exc.message,
            file=source.describe(),
            key=source.key(*where, exc.key),
            choices=exc.choices,
        ) from None


def _renamed(settings_type: type[Any]) -> dict[str, str]:
    """The class's ``RENAMED`` map (old key -> new key), both sides in normal (snake) form."""
    declared: Mapping[str, str] = getattr(settings_type, "RENAMED", {})
    return {_normal(old): _normal(new) for old, new in declared.items()}


def describe_settings(settings_type: type[Any]) -> list[tuple[str, str, Any, str]]:
    """(key, type, default, help) for each field: the documentation of a settings table."""
    hints = typing.get_type_hints(settings_type)
    return [
        (f.name, _type_name(hints[f.name]), f.default, f.metadata.get("help", ""))
        for f in dataclasses.fields(settings_type)
    ]


def _check(
    value: Any, hint: Any, spec: dataclasses.Field[Any], source: ConfigSource, key: tuple[str, ...]
) -> Any:
    dotted = source.key(*key)
    file = source.describe()
    origin = typing.get_origin(hint)
    if origin is Literal:
        choices = [str(choice) for choice in typing.get_args(hint)]
        if value not in typing.get_args(hint):
            close = difflib.get_close_matches(str(value), choices, n=1)
            raise ConfigError(
                f"{value!r} is not a valid choice"
                + (f"; did you mean {close[0]!r}?" if close else ""),
                file=file,
                key=dotted,
                choices=choices,
            )
        return value
    tables = _tables(value, hint, source, key)
    if tables is not None:
        return tables
    if hint is dt.date:
        return _date(value, file, dotted)
    if origin is tuple and typing.get_origin(typing.get_args(hint)[0]) is Literal:
        if not isinstance(value, list):
            raise ConfigError(f"expected a list, got {_toml_type(value)}", file=file, key=dotted)
        return tuple(_check(item, typing.get_args(hint)[0], spec, source, key) for item in value)
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(
                f"expected a list of strings, got {_toml_type(value)}", file=file, key=dotted
            )
        return tuple(value)
    expected: tuple[type, ...] = (int, float) if hint is float else (hint,)
    if (isinstance(value, bool) and hint is not bool) or not isinstance(value, expected):
        raise ConfigError(
            f"expected {_type_name(hint)}, got {_toml_type(value)}", file=file, key=dotted
        )
    if isinstance(value, float) and not math.isfinite(value):
        # TOML has nan and inf; every comparison with NaN is false, so a NaN bound or margin
        # would make its gate unable to fail, and an infinite timeout never fires.
        raise ConfigError(
            f"{value!r} is not a finite number", file=file, key=dotted, hint="write a number"
        )
    low, high = spec.metadata.get("min"), spec.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f"at least {low}" if low is not None else f"at most {high}")
        )
        raise ConfigError(f"{value!r} is out of range: must be {bounds}", file=file, key=dotted)
    return float(typing.cast(float, value)) if hint is float else value


def _tables(value: Any, hint: Any, source: ConfigSource, key: tuple[str, ...]) -> Any:
    """A sub-table or a list of tables parsed into settings dataclasses; None for other types."""
    dotted = source.key(*key)
    file = source.describe()
    origin = typing.get_origin(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        # A nested table (``[docker.cpu]``): a settings dataclass of its own, validated alike.
        if not isinstance(value, Mapping):
            raise ConfigError(f"expected a table, got {_toml_type(value)}", file=file, key=dotted)
        return parse_settings(hint, value, source, key)
    if origin is tuple and dataclasses.is_dataclass(typing.get_args(hint)[0]):
        # A list of tables (``[[step.entry]]``): each entry is a settings dataclass of its own.
        item_type = typing.get_args(hint)[0]
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            # Name the table form and its keys: a list of strings here is often an old spelling.
            keys = ", ".join(f.name for f in dataclasses.fields(item_type))
            raise ConfigError(
                f"expected a list of tables, got {_toml_type(value)}: write each entry as a "
                f"[[{dotted}]] table with {keys}",
                file=file,
                key=dotted,
            )
        return tuple(
            parse_settings(item_type, item, source, (*key[:-1], f"{key[-1]}[{index}]"))
            for index, item in enumerate(value)
        )
    return None


def _date(value: Any, file: str, dotted: str) -> dt.date:
    """A TOML date (``2027-01-31``) or the same written as a string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(
        f"expected a date (YYYY-MM-DD), got {_toml_type(value)}", file=file, key=dotted
    )


def _unknown(
    raw_key: str, where: tuple[str, ...], valid: list[str], source: ConfigSource
) -> ConfigError:
    bare = [name.strip("[]") for name in valid]
    close = difflib.get_close_matches(_normal(raw_key), bare, n=1)
    return ConfigError(
        "unknown key" + (f"; did you mean {close[0]!r}?" if close else ""),
        file=source.describe(),
        key=source.key(*where, raw_key),
        choices=valid,
    )


def _normal(key: str) -> str:
    # Cargo.toml users write kebab-case, Python users snake_case: both mean the same key.
    return key.replace("-", "_")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path)) from exc
    try:
        return _parse_toml(text)
    except _TOML_ERRORS as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from exc


def _dig(
    document: Mapping[str, Any], path: tuple[str, ...], file: Path
) -> Mapping[str, Any] | None:
    node: Any = document
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    if not isinstance(node, Mapping):
        raise ConfigError(
            f"expected a table, got {_toml_type(node)}", file=file.name, key=".".join(path)
        )
    return node


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return " | ".join(repr(arg) for arg in typing.get_args(hint))
    if origin is tuple and dataclasses.is_dataclass(typing.get_args(hint)[0]):
        return "list of tables"
    if origin is tuple:
        return "list of strings"
    if hint is dt.date:
        return "a date (YYYY-MM-DD)"
    if isinstance(hint, types.UnionType):  # pragma: no cover - no optional settings yet
        return str(hint)
    fallback = "a table" if dataclasses.is_dataclass(hint) else str(hint)
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        hint, fallback
    )


def _toml_type(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return type(value).__name__
