"""``ferrox ci parity``: the workflows and the noxfile agree.

Every ``nox -s X`` in ``.github/workflows/*.yml`` must be a session ``nox --list --json`` knows, and
every session tagged ``ci`` must be run by some workflow: directly, as a ``requires=`` of a called
step, or (steps with the tag a composite covers, e.g. `security`) through that composite step.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ferrox.ci.files import WORKFLOWS
from ferrox.ci.model import nox_session
from ferrox.errors import ToolOutputError, UsageError
from ferrox.steps.interface import Step
from ferrox.tools import ToolRunner

CI_TAG = "ci"
NOX_TIMEOUT_S = 120.0
_NOT_FOUND = re.compile(r"Sessions not found: (.+)")


@dataclass(frozen=True)
class Call:
    """One ``nox -s`` line of a workflow."""

    workflow: str
    job: str
    session: str


@dataclass(frozen=True)
class EnvMismatch:
    """A workflow's ``env:`` setting a variable that a step pins to another value."""

    workflow: str
    scope: str  # "workflow", "job X" or "job X step N"
    name: str
    value: str
    step: str
    pinned: str


@dataclass(frozen=True)
class ParityReport:
    """Calls of sessions nox does not know, and CI sessions no workflow runs."""

    calls: tuple[Call, ...]
    unknown: tuple[Call, ...]
    uncalled: tuple[str, ...]
    marked: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when both directions agree."""
        return not self.unknown and not self.uncalled


def workflow_calls(root: Path) -> list[Call]:
    """Every ``nox -s`` line in the project's workflows, in file and job order."""
    directory = root / WORKFLOWS
    calls = []
    for path in sorted(directory.glob("*.y*ml")) if directory.is_dir() else []:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"{path.relative_to(root)} is not valid YAML: {exc}") from exc
        jobs = document.get("jobs") or {}
        for job_id, job in jobs.items():
            for step in job.get("steps") or []:
                for line in str(step.get("run") or "").splitlines():
                    session = nox_session(line.strip())
                    if session:
                        calls.append(Call(path.name, str(job_id), session))
    return calls


def nox_list(runner: ToolRunner, root: Path, selection: list[str]) -> list[dict[str, Any]]:
    """``nox --list --json`` for a selection (``-s A B`` or ``-t TAG``), run for real."""
    done = runner.run(
        sys.executable,
        ["-m", "nox", "-f", "noxfile.py", "--list", "--json", *selection],
        cwd=root,
        timeout=NOX_TIMEOUT_S,
    )
    if done.returncode != 0:
        raise ToolOutputError.of(done, "nox --list failed", tool="nox")
    try:
        listing = json.loads(done.stdout)
    except ValueError as exc:
        raise ToolOutputError.of(done, f"nox --list --json printed no JSON: {exc}", "nox") from exc
    if not isinstance(listing, list):
        raise ToolOutputError.of(done, "nox --list --json did not print a list", tool="nox")
    return listing


def unknown_sessions(runner: ToolRunner, root: Path, names: list[str]) -> set[str]:
    """The names nox reports as not found (one ``nox --list`` call).

    The names come from workflow files, repository content: one that looks like an option
    (``-f other.py``) would be read as one by nox, so it is unknown without asking.
    """
    option_like = {name for name in names if name.startswith("-")}
    names = [name for name in names if name not in option_like]
    if not names:
        return option_like
    done = runner.run(
        sys.executable,
        ["-m", "nox", "-f", "noxfile.py", "--list", "--json", "-s", *names],
        cwd=root,
        timeout=NOX_TIMEOUT_S,
    )
    if done.returncode == 0:
        return option_like
    match = _NOT_FOUND.search(done.stderr)
    if match is None:
        raise ToolOutputError.of(done, "nox --list failed", tool="nox")
    return option_like | {name.strip() for name in match.group(1).split(",")}


def check_parity(root: Path, runner: ToolRunner, steps: Mapping[str, Step]) -> ParityReport:
    """Compares the workflows' calls with nox's sessions, both ways."""
    if not (root / "noxfile.py").is_file():
        raise UsageError(f"no noxfile.py in {root}; `ferrox init` writes one")
    calls = workflow_calls(root)
    called = list(dict.fromkeys(call.session for call in calls))
    missing = unknown_sessions(runner, root, called)
    marked = [str(s["name"]) for s in nox_list(runner, root, ["-t", CI_TAG])]
    covered = _covered(set(called) - missing, steps)
    return ParityReport(
        calls=tuple(calls),
        unknown=tuple(call for call in calls if call.session in missing),
        uncalled=tuple(name for name in marked if name not in covered),
        marked=tuple(marked),
    )


def _covered(called: set[str], steps: Mapping[str, Step]) -> set[str]:
    covered = set(called)
    pending = list(called)
    while pending:  # nox runs a session's requires= first
        step = steps.get(pending.pop())
        for name in step.requires if step else ():
            if name not in covered:
                covered.add(name)
                pending.append(name)
    # A composite (e.g. `security`) runs every step with the tag it covers that applies.
    tags = {steps[name].covers_tag for name in covered if name in steps}
    covered |= {name for name, step in steps.items() if tags & set(step.tags)}
    return covered


def env_mismatches(root: Path, pinned: Mapping[str, Mapping[str, str]]) -> list[EnvMismatch]:
    """Each ``env:`` entry of the workflows that differs from a step's pinned value.

    ``pinned`` maps a step to its effective pinned environment ('' = unset). ferrox runs the step
    with its own values whatever the workflow says; the mismatch is still worth a warning, since
    the workflow's other commands (and a reader) see the workflow's value.
    """
    found = []
    for name, document in _workflow_documents(root):
        for scope, env in _env_blocks(document):
            for variable, value in env.items():
                for step, values in pinned.items():
                    if variable in values and str(value) != values[variable]:
                        found.append(
                            EnvMismatch(
                                name, scope, str(variable), str(value), step, values[variable]
                            )
                        )
    return found


def _workflow_documents(root: Path) -> list[tuple[str, Mapping[str, Any]]]:
    directory = root / WORKFLOWS
    documents = []
    for path in sorted(directory.glob("*.y*ml")) if directory.is_dir() else []:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"{path.relative_to(root)} is not valid YAML: {exc}") from exc
        if isinstance(document, Mapping):
            documents.append((path.name, document))
    return documents


def _env_blocks(document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The ``env:`` mappings of a workflow, its jobs and their steps."""
    blocks = [("workflow", document.get("env"))]
    for job_id, job in (document.get("jobs") or {}).items():
        if not isinstance(job, Mapping):
            continue
        blocks.append((f"job {job_id}", job.get("env")))
        for index, step in enumerate(job.get("steps") or [], start=1):
            if isinstance(step, Mapping):
                blocks.append((f"job {job_id} step {index}", step.get("env")))
    return [(scope, env) for scope, env in blocks if isinstance(env, Mapping)]
