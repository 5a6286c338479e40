"""jinja2 rendering of the workflow model and of the other files ``ferrox init`` writes.

The templates use ``[% %]``, ``[[ ]]`` and ``[# #]``: GitHub's ``${{ }}`` expressions are plain text
to jinja2, so they can never be evaluated, escaped or clash with a template variable.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jinja2
import tomlkit
import yaml

from ferrox.ci.model import Workflow
from ferrox.config import GlobalSettings, describe_settings

# Every permission a generated job holds, and why (zizmor's undocumented-permissions).
PERMISSION_REASONS = {
    ("contents", "read"): "check out the repository",
    ("contents", "write"): "create the GitHub release",
    ("security-events", "write"): "upload SARIF to code scanning",
    ("actions", "read"): "upload-sarif reads the run's status (needed in private repositories)",
}


@cache
def environment() -> jinja2.Environment:
    """The template environment (package templates, strict undefined, our delimiters)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ferrox.ci", "templates"),
        block_start_string="[%",
        block_end_string="%]",
        variable_start_string="[[",
        variable_end_string="]]",
        comment_start_string="[#",
        comment_end_string="#]",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - YAML and Python, not HTML
    )
    env.filters["scalar"] = yaml_scalar
    env.filters["flow"] = yaml_flow
    env.filters["why"] = lambda pair: PERMISSION_REASONS.get(tuple(pair), "needed by this job")
    return env


def render_workflow(workflow: Workflow) -> str:
    """The YAML text of one workflow."""
    return environment().get_template("workflow.yml.j2").render(wf=workflow)


def render_template(name: str, **context: Any) -> str:
    """One of the other templates (noxfile.py, tasks.py, Dockerfile)."""
    return environment().get_template(f"{name}.j2").render(**context)


def yaml_scalar(value: str, indent: int = 0, *, flow: bool = False) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged, else quoted or a block."""
    if "\n" in value:
        pad = " " * indent
        return "|\n" + "".join(f"{pad}{line}\n" for line in value.rstrip("\n").split("\n"))[:-1]
    if value in ("true", "false"):  # action inputs are strings; booleans read as such
        return value
    if value and _reads_back(value, flow=flow):
        return value
    return json.dumps(value)  # a JSON string is a valid double-quoted YAML scalar


def _reads_back(value: str, *, flow: bool) -> bool:
    document, expected = (f"key: [{value}]", [value]) if flow else (f"key: {value}", value)
    try:
        return bool(yaml.safe_load(document) == {"key": expected})
    except yaml.YAMLError:
        return False


def yaml_flow(values: Iterable[str]) -> str:
    """A flow sequence: ``[a, "b c"]``."""
    return "[" + ", ".join(yaml_scalar(v, flow=True) for v in values) + "]"


def config_section(prefix: str, tables: Mapping[str, type[Any]]) -> str:
    """A commented TOML section documenting every setting with its default (nothing enabled)."""
    lines = [
        "# ferrox: every key shows its default; uncomment a line to change it.",
        "# `ferrox list` shows the steps; `ferrox init --check` keeps the workflows in sync.",
        f"[{prefix}]" if prefix else "# (top-level keys: settings for every step)",
    ]
    lines += _commented(describe_settings(GlobalSettings), prefix)
    for name, settings_type in tables.items():
        table = f"{prefix}.{name}" if prefix else name
        lines += ["", f"[{table}]"]
        lines += _commented(describe_settings(settings_type), table)
    return "\n".join(lines) + "\n"


def _commented(rows: list[tuple[str, str, Any, str]], table: str) -> list[str]:
    lines: list[str] = []
    arrays: list[str] = []  # arrays of tables go last: keys after them would belong to them
    for key, _type, default, help_text in rows:
        if dataclasses.is_dataclass(default) and not isinstance(default, type):
            # A sub-table (``[docker.cpu]``): after the plain keys, like an array of tables.
            arrays += ["", f"# [{table}.{key}]  # {help_text}"]
            arrays += [f"# {k} = {_toml(v)}" for k, v in dataclasses.asdict(default).items()]
            continue
        if isinstance(default, tuple) and default and dataclasses.is_dataclass(default[0]):
            arrays.append(f"# {key}: {help_text}")
            for item in default:
                arrays.append(f"# [[{table}.{key}]]")
                arrays += [f"# {k} = {_toml(v)}" for k, v in dataclasses.asdict(item).items()]
            continue
        lines.append(f"# {key} = {_toml(default)}  # {help_text}")
    return lines + arrays


def _toml(value: Any) -> str:
    text: str = tomlkit.item(list(value) if isinstance(value, tuple) else value).as_string()
    return text
