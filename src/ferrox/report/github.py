"""GitHub Actions: annotations, the step summary, log groups, secret masks and step outputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from ferrox.errors import from_os_error
from ferrox.model import Finding, Level, StepResult

MAX_ANNOTATIONS = 50
_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def in_actions(env: Mapping[str, str]) -> bool:
    """Whether we run inside GitHub Actions."""
    return env.get("GITHUB_ACTIONS") == "true"


def repository_prefix(root: Path, env: Mapping[str, str]) -> str:
    """The project root relative to ``GITHUB_WORKSPACE``; "" when it is the checkout itself."""
    workspace = env.get("GITHUB_WORKSPACE")
    if not workspace:
        return ""
    try:
        relative = root.resolve().relative_to(Path(workspace).resolve())
    except ValueError:
        return ""
    return "" if relative == Path() else relative.as_posix()


def annotation_lines(result: StepResult, prefix: str = "") -> list[str]:
    """``::error file=..,line=..::message`` lines for the first findings."""
    lines = []
    for finding in result.findings[:MAX_ANNOTATIONS]:
        lines.append(annotation(finding, prefix, result.step))
    if result.error:
        lines.append(f"::error title={_property(f'ferrox {result.step}')}::{_data(result.error)}")
    return lines


def annotation(finding: Finding, prefix: str, step: str) -> str:
    """One workflow command for a finding."""
    properties = []
    if finding.path:
        path = str(PurePosixPath(prefix) / finding.path) if prefix else finding.path
        properties.append(f"file={_property(path)}")
        if finding.line:
            properties.append(f"line={finding.line}")
        if finding.column:
            properties.append(f"col={finding.column}")
        if finding.end_line:
            properties.append(f"endLine={finding.end_line}")
    properties.append(f"title={_property(f'{step}: {finding.rule}')}")
    return f"::{_COMMAND[finding.level]} {','.join(properties)}::{_data(finding.message)}"


def append_step_summary(markdown: str, env: Mapping[str, str]) -> Path | None:
    """Appends to ``$GITHUB_STEP_SUMMARY`` when it is set; returns the file written."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown)
    except OSError as exc:
        raise from_os_error(exc, "cannot append to $GITHUB_STEP_SUMMARY") from None
    return path


def group_start(title: str) -> str:
    """Opens a collapsible log group (closed by ``GROUP_END``)."""
    return f"::group::{_data(title)}"


GROUP_END = "::endgroup::"


def add_mask_lines(secrets: Iterable[str]) -> list[str]:
    """``::add-mask::`` for each secret, so the runner hides it in every later log line too.

    One line at a time: the log is masked line by line, so a multi-line value registered whole
    would still show in clear (the masker already holds each of its lines as a secret).
    """
    return [f"::add-mask::{_data(secret)}" for secret in secrets if len(secret.splitlines()) == 1]


def step_outputs(result: StepResult, reports: Mapping[str, Path]) -> dict[str, str]:
    """The step's outputs: ``<step>-status``, ``<step>-exit-code``, ``<step>-<report kind>``."""
    outputs = {
        f"{result.step}-status": result.status.value,
        f"{result.step}-exit-code": str(result.status.exit_code),
    }
    for kind, path in reports.items():
        outputs[f"{result.step}-{kind.replace('_', '-')}"] = str(path)
    for name, value in result.outputs.items():
        outputs[f"{result.step}-{name}"] = value
    return outputs


def write_outputs(outputs: Mapping[str, str], env: Mapping[str, str]) -> Path | None:
    """Appends ``name=value`` lines to ``$GITHUB_OUTPUT`` when it is set; returns the file."""
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as handle:
            for name, value in outputs.items():
                # One line each: a value with a line break would need the heredoc form.
                handle.write(f"{name}={' '.join(value.splitlines())}\n")
    except OSError as exc:
        raise from_os_error(exc, "cannot append to $GITHUB_OUTPUT") from None
    return path


def _data(text: str) -> str:
    # The escaping rules of @actions/core's toCommandValue / escapeData.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
