"""jinja2 rendering of the workflow model and of the other files ``ferrox init`` writes.

The templates use ``[% %]``, ``[[ ]]`` and ``[# #]``: GitHub's ``${{ }}`` expressions are plain text
to jinja2, so they can never be evaluated, escaped or clash with a template variable.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import jinja2
import tomlkit
import yaml

from ferrox.ci.model import Job, JobStep, Pairs, Workflow
from ferrox.config import GlobalSettings, describe_settings
from ferrox.errors import ConfigError

# Every permission a generated job holds, and why (zizmor's undocumented-permissions).
PERMISSION_REASONS = {
    ("contents", "read"): "check out the repository",
    ("contents", "write"): "create the GitHub release, or push the benchmark history ref",
    ("packages", "write"): "push the release's images to GitHub's container registry",
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
    # Every value interpolated into a workflow goes through one of these: a scalar, a mapping
    # key, a flow sequence, an integer or a comment, each quoted (or refused) as YAML needs.
    env.filters["scalar"] = yaml_scalar
    env.filters["flow"] = yaml_flow
    env.filters["key"] = yaml_key
    env.filters["integer"] = yaml_integer
    env.filters["comment"] = yaml_comment
    env.filters["why"] = lambda pair: PERMISSION_REASONS.get(tuple(pair), "needed by this job")
    return env


def render_workflow(workflow: Workflow) -> str:
    """The YAML text of one workflow, checked to parse back to exactly the model's data."""
    text = environment().get_template("workflow.yml.j2").render(wf=workflow)
    check_rendered(workflow, text)
    return text


def check_rendered(workflow: Workflow, text: str) -> None:
    """Raises ConfigError unless ``text`` parses (yaml.safe_load) to the workflow's own data.

    The last line of defence behind the checks at load: a value that broke out of its scalar
    (a newline, a quote, a stray ``:``) changes the parsed document, so it is never written.
    """
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = f"does not parse: {str(exc).splitlines()[0]}"
    else:
        if parsed == workflow_document(workflow):
            return
        problem = "does not parse back to the workflow ferrox planned"
    raise ConfigError(
        f"refusing to write {workflow.file}: the rendered YAML {problem}; a [ci] value "
        "(or the report_dir) holds characters a workflow cannot carry",
        key="ci",
    )


def workflow_document(workflow: Workflow) -> dict[Any, Any]:
    """The data a workflow's YAML must parse to (PyYAML reads the key ``on`` as True)."""
    triggers = workflow.on
    on: dict[str, Any] = {}
    push = {
        key: list(values)
        for key, values in (("branches", triggers.push_branches), ("tags", triggers.push_tags))
        if values
    }
    if push:
        on["push"] = push
    if triggers.pull_request:
        on["pull_request"] = None
    if triggers.schedules:
        on["schedule"] = [{"cron": cron} for cron in triggers.schedules]
    if triggers.workflow_dispatch:
        on["workflow_dispatch"] = None
    concurrency = yaml.safe_load(
        "group: ${{ github.workflow }}-${{ github.event.pull_request.number || github.ref }}"
    )
    concurrency["cancel-in-progress"] = (
        "${{ github.event_name == 'pull_request' }}" if workflow.cancel_superseded else False
    )
    return {
        "name": workflow.name,
        True: on,
        "permissions": {},
        "concurrency": concurrency,
        "defaults": {"run": {"shell": "bash"}},
        "env": {"CARGO_TERM_COLOR": "always", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        "jobs": {job.id: _job_document(job) for job in workflow.jobs},
    }


def _job_document(job: Job) -> dict[str, Any]:
    document: dict[str, Any] = {"name": job.name}
    if job.needs:
        document["needs"] = list(job.needs)
    if job.if_:
        document["if"] = job.if_
    document["runs-on"] = job.runs_on
    document["timeout-minutes"] = job.timeout_minutes
    if job.environment:
        document["environment"] = job.environment
    document["permissions"] = _pairs(job.permissions)
    if job.matrix:
        strategy: dict[str, Any] = {"fail-fast": False}
        if job.matrix.max_parallel:
            strategy["max-parallel"] = job.matrix.max_parallel
        strategy["matrix"] = {"include": [_pairs(row) for row in job.matrix.include]}
        document["strategy"] = strategy
    if job.env:
        document["env"] = _pairs(job.env)
    document["steps"] = [_step_document(step) for step in job.steps]
    return document


def _step_document(step: JobStep) -> dict[str, Any]:
    fields: list[tuple[str, Any]] = [
        ("name", step.name),
        ("id", step.id),
        ("if", step.if_),
        ("uses", step.uses.uses if step.uses else None),
        ("with", _pairs(step.with_) or None),
        ("env", _pairs(step.env) or None),
        ("run", step.run),
    ]
    return {key: _read(value) for key, value in fields if value}


def _pairs(pairs: Pairs) -> dict[str, Any]:
    return {key: _read(value) for key, value in pairs}


def _read(value: Any) -> Any:
    """What a value reads back as: "true"/"false" are written plain (booleans), blocks clip."""
    if isinstance(value, dict):
        return value
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and "\n" in value:
        return value.rstrip("\n") + "\n"
    return value


def render_template(name: str, **context: Any) -> str:
    """One of the other templates (noxfile.py, tasks.py, Dockerfile)."""
    return environment().get_template(f"{name}.j2").render(**context)


def yaml_scalar(value: str, indent: int = 0, *, flow: bool = False) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged, else quoted or a block."""
    if not isinstance(value, str):
        raise TypeError(f"a workflow value must be a string, got {value!r}")
    if "\n" in value and not flow:
        pad = " " * indent
        block = "|\n" + "".join(f"{pad}{line}\n" for line in value.rstrip("\n").split("\n"))[:-1]
        if _loads(f"key: {block}\n") == {"key": value.rstrip("\n") + "\n"}:
            return block
        return double_quoted(value)
    if value in ("true", "false"):  # action inputs are strings; booleans read as such
        return value
    if value and _reads_back(value, flow=flow):
        return value
    return double_quoted(value)


def yaml_key(value: str) -> str:
    """``value`` as a mapping key: plain when it reads back as the same string, else quoted."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"a workflow key must be a non-empty string, got {value!r}")
    if _loads(f"{value}: x") == {value: "x"}:
        return value
    return double_quoted(value)


# What YAML lets stand unescaped in a double-quoted scalar (its printable set, minus the
# characters a reader takes for line breaks or a byte-order mark).
_UNESCAPED = re.compile(
    r"[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def double_quoted(value: str) -> str:
    """A double-quoted YAML scalar that reads back as ``value``, whatever it holds.

    For printable ASCII this is the JSON spelling (so existing workflows stay byte-identical);
    anything YAML would not read back verbatim is written as an escape.
    """
    out = ['"']
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif _UNESCAPED.fullmatch(char):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out) + '"'


def yaml_integer(value: object) -> str:
    """An integer, written as one (jinja2's ``int`` would turn anything else into 0)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"a workflow integer must be an int, got {value!r}")
    return str(value)


def yaml_comment(value: object) -> str:
    """Text for a ``#`` comment: one line, or it would end the comment and become YAML."""
    text = str(value)
    if len(text.splitlines()) > 1 or "\r" in text:
        raise ValueError(f"a workflow comment must be one line, got {text!r}")
    return text


def _loads(document: str) -> Any:
    try:
        return yaml.safe_load(document)
    except yaml.YAMLError:
        return None


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
