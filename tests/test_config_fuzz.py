"""The config loader on random documents: it loads, or it raises ConfigError (exit 2). Never more.

Documents are generated from the registry's own settings dataclasses (every step, ``[ci]``,
``[release]`` and the global keys): each field gets a value of its type, an edge value of its
type (NaN, infinity, huge numbers, strings holding newlines, quotes and ``${{ }}``), or garbage of
any other TOML type; unknown keys and tables are mixed in, and some documents are not TOML at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import typing
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Any, Literal

import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ferrox.cli import main
from ferrox.config import GlobalSettings, section_settings
from ferrox.engine import load_project
from ferrox.errors import ConfigError
from ferrox.steps import all_steps

TABLES: dict[str, type[Any]] = {
    **section_settings(),
    **{name: step.settings for name, step in all_steps().items()},
}

NASTY_TEXT = st.sampled_from(
    ["", " ", "${{ github.event.issue.title }}", "a\nb: c", '"; rm -rf /', "--help", "-", "..", "é"]
)
GARBAGE: st.SearchStrategy[Any] = st.recursive(
    st.none().map(lambda _: "")
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | NASTY_TEXT
    | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def value_for(hint: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value of the field's type (often an edge case of it), or garbage of another type."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    typed: st.SearchStrategy[Any]
    if origin is Literal:
        typed = st.sampled_from(args) | st.text(max_size=8)
    elif origin is tuple and dataclasses.is_dataclass(args[0]):
        typed = st.lists(table_for(args[0], depth + 1), max_size=2) if depth < 2 else st.just([])
    elif origin is tuple and typing.get_origin(args[0]) is Literal:
        typed = st.lists(
            st.sampled_from(typing.get_args(args[0])) | st.text(max_size=6), max_size=3
        )
    elif origin is tuple:
        typed = st.lists(st.text(max_size=10) | NASTY_TEXT, max_size=3)
    elif hint is bool:
        typed = st.booleans()
    elif hint is int:
        typed = st.integers(-(2**63), 2**63 - 1) | st.integers(-3, 400)
    elif hint is float:
        typed = st.floats(allow_nan=True, allow_infinity=True) | st.floats(-10, 1e6)
    elif hint is dt.date:
        typed = st.dates() | st.text(max_size=10)
    else:
        typed = st.text(max_size=16) | NASTY_TEXT
    return st.one_of(typed, typed, typed, typed, typed, GARBAGE)


def table_for(settings_type: type[Any], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A table of some of the class's keys (kebab or snake case) and maybe an unknown one."""
    hints = typing.get_type_hints(settings_type)
    fields = [f.name for f in dataclasses.fields(settings_type)]
    entries = {name: st.one_of(st.none(), value_for(hints[name], depth)) for name in fields}
    known = st.fixed_dictionaries(entries).map(
        lambda table: {key: value for key, value in table.items() if value is not None}
    )
    spelled = st.tuples(known, st.booleans()).map(
        lambda pair: {(k.replace("_", "-") if pair[1] else k): v for k, v in pair[0].items()}
    )
    unknown = st.dictionaries(st.text(min_size=1, max_size=8), GARBAGE, max_size=1)
    return st.tuples(spelled, unknown, st.integers(0, 9)).map(
        lambda parts: {**parts[0], **(parts[1] if parts[2] == 0 else {})}
    )


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


DOCUMENTS: st.SearchStrategy[dict[str, Any]] = st.tuples(
    table_for(GlobalSettings),
    st.dictionaries(
        st.sampled_from(sorted(TABLES)),
        st.sampled_from(sorted(TABLES)).flatmap(lambda name: table_for(TABLES[name])) | GARBAGE,
        max_size=4,
    ),
    st.dictionaries(st.text(min_size=1, max_size=6), GARBAGE, max_size=1),
).map(lambda parts: _without_none({**parts[0], **parts[1], **parts[2]}))


def _dumps(document: dict[str, Any]) -> str | None:
    try:
        return tomlkit.dumps(document)
    except Exception:  # noqa: BLE001 - a document TOML cannot spell (a key tomlkit refuses)
        return None


def _loads_or_config_error(text: str, name: str = "ferrox.toml") -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        (root / name).write_text(text, encoding="utf-8")
        try:
            load_project(root)
        except ConfigError as exc:
            assert str(exc).strip(), "a ConfigError says what is wrong"
            assert "Traceback" not in str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_random_documents_load_or_raise_config_error(document: dict[str, Any]) -> None:
    text = _dumps(document)
    if text is not None:
        _loads_or_config_error(text)


@settings(max_examples=60, deadline=None)
@given(document=DOCUMENTS)
def test_the_same_documents_under_tool_ferrox_in_pyproject(document: dict[str, Any]) -> None:
    text = _dumps({"project": {"name": "x"}, "tool": {"ferrox": document}})
    if text is not None:
        _loads_or_config_error(text, "pyproject.toml")


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1")))
def test_text_that_is_not_toml_is_a_config_error(text: str) -> None:
    _loads_or_config_error(text)


def _cli(*args: str) -> tuple[int, str]:
    errors = StringIO()
    with redirect_stderr(errors), redirect_stdout(StringIO()):
        code = main(list(args))
    return code, errors.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_the_cli_exits_0_or_2_with_one_message(document: dict[str, Any]) -> None:
    text = _dumps(document)
    if text is None:
        return
    with tempfile.TemporaryDirectory() as temporary:
        (Path(temporary) / "ferrox.toml").write_text(text, encoding="utf-8")
        code, err = _cli("matrix", "--json", "-C", temporary)
    assert code in (0, 2), err
    assert "Traceback" not in err
    assert (code == 2) == err.startswith("ferrox: error:"), err
