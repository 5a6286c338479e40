"""No byte of a secret reaches any output: every sink, every special character (issue 15).

A step that puts a raw secret into every text field of its result (the worst a parser can do:
cargo's JSON and a JUnit file hand us decoded values) runs through the real engine inside a
simulated GitHub Actions job, and through the CLI's error path. Each sink's output is searched
for the secret as written and as the sink decodes it (JSON strings, XML text, Markdown cell
escapes, ``%``-encoded workflow commands), and for each line of a multi-line secret.

``SINKS`` and ``CHARACTER_CLASSES`` are also the table in docs/security.md: a test renders the
table from them, and every cell is a parametrized case below.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rich.console import Console

from ferrox.cli import main
from ferrox.engine import RunOptions, run_step
from ferrox.errors import UsageError
from ferrox.masking import MIN_SECRET_LENGTH, is_maskable
from ferrox.model import (
    CommandRecord,
    Finding,
    GateCheck,
    Level,
    Status,
    StepResult,
    TestCase,
)
from ferrox.model import (
    TestOutcome as Outcome,
)
from ferrox.steps.interface import Step

REPO = Path(__file__).parent.parent
SECURITY_DOC = REPO / "docs" / "security.md"

# Characters each sink escapes or treats specially; the unicode class is also what makes every
# generated secret line distinctive (ferrox never prints these letters itself).
CHARACTER_CLASSES: dict[str, str] = {
    "pipe (Markdown)": "|",
    "ampersand (XML)": "&",
    "angle brackets (XML)": "<>",
    "percent (annotations)": "%",
    "double quote (JSON)": '"',
    "backslash (JSON)": "\\",
    "newline": "\n",
    "single quote": "'",
    "colon, comma (annotation properties)": ":,",
    "square brackets (rich markup)": "[]",
    "asterisk (the mask)": "*",
    "space": " ",
    "non-ASCII": "жλß字€",
}
RARE = "жλß字"
SECRET_VARIABLE = "FUZZ_TOKEN"  # noqa: S105 - a variable name: masked by its name
CONFIGURED_VARIABLE = "DEPLOY_URL"  # masked only because ferrox.toml lists it in mask_env


@dataclass(frozen=True)
class Emitted:
    """Everything one run wrote, by sink."""

    terminal: str
    stdout: str
    files: dict[str, str]
    cli_error: str


def _json_strings(text: str) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(text))
    return found


def _xml_texts(text: str) -> list[str]:
    root = ET.fromstring(text.split("\n", 1)[1])  # noqa: S314 - our own report
    return [
        piece
        for element in root.iter()
        for piece in (element.text or "", element.tail or "", *element.attrib.values())
    ]


def _annotations(emitted: Emitted) -> list[str]:
    return [
        line
        for line in emitted.stdout.splitlines()
        if line.startswith("::") and not line.startswith("::add-mask::")
    ]


def _percent_decoded(lines: list[str]) -> list[str]:
    return [urllib.parse.unquote(line) for line in lines]


# Each sink: the texts to search (as written, then as a reader of that format decodes them).
SINKS: dict[str, Callable[[Emitted], list[str]]] = {
    "terminal (rich)": lambda e: [e.terminal],
    "JSON report": lambda e: [e.files["json"], *_json_strings(e.files["json"])],
    "SARIF": lambda e: [e.files["sarif"], *_json_strings(e.files["sarif"])],
    "Markdown report": lambda e: [e.files["markdown"], e.files["markdown"].replace("\\|", "|")],
    "JUnit XML": lambda e: [e.files["junit"], *_xml_texts(e.files["junit"])],
    "annotations": lambda e: [*_annotations(e), *_percent_decoded(_annotations(e))],
    "step summary": lambda e: [e.files["summary"], e.files["summary"].replace("\\|", "|")],
    "GITHUB_OUTPUT": lambda e: [e.files["output"]],
    "CLI errors": lambda e: [e.cli_error],
}


def _leaky_result(secret: str, step: str = "leaky") -> StepResult:
    """A result with the raw secret in every text field, as a careless parser could make it."""
    text = f"before {secret} after"
    finding = Finding(
        rule=f"rule-{secret}", message=text, level=Level.ERROR, path=f"src/{secret}.rs",
        line=3, detail=text, help_uri=f"https://example.com/{secret}",
    )  # fmt: skip
    return StepResult(
        step=step,
        tool=f"tool {secret}",
        status=Status.FAIL,
        summary=text,
        findings=(finding, Finding(rule="plain", message=text, level=Level.WARNING)),
        metrics={f"metric {secret}": 1.0},
        gates=(GateCheck(f"gate {secret}", 1, 0, passed=False, description=text),),
        commands=(CommandRecord(("tool", secret), f"/tmp/{secret}", 1, 0.1),),
        tests=(
            TestCase(f"suite {secret}", f"test {secret}", Outcome.FAILED, 0.1, text, text),
            TestCase("suite", "skipped", Outcome.SKIPPED),
        ),
        error=text,
        extra={"note": text},
    )


def _step(run: Callable[[Any], StepResult]) -> Step:
    return Step(
        name="leaky", description="leaks", report_tool="leaky", settings=_NoSettings, run=run,
        needs_cargo=False,
    )  # fmt: skip


@dataclass(frozen=True)
class _NoSettings:
    pass


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def emit_everything(secret: str) -> Emitted:
    """One leaky step through the engine in a simulated Actions job, and one CLI error."""
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        root = base / "project"
        root.mkdir()
        (root / "ferrox.toml").write_text(f'mask_env = ["{CONFIGURED_VARIABLE}"]\n')
        summary, output = base / "summary.md", base / "output.txt"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", temporary),
            SECRET_VARIABLE: secret,
            "GITHUB_ACTIONS": "true",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_WORKSPACE": temporary,
        }
        terminal, stdout = io.StringIO(), io.StringIO()
        console = Console(file=terminal, width=100_000, highlight=False, color_system=None)
        leaky = _step(lambda ctx: _leaky_result(ctx.runner.env[SECRET_VARIABLE]))
        with mock.patch("ferrox.engine.get_step", lambda name: leaky), redirect_stdout(stdout):
            outcome = run_step(
                "leaky", root, RunOptions(base / "reports"), env=env, console=console
            )
        files = {kind: path.read_text(encoding="utf-8") for kind, path in outcome.reports.items()}
        files["summary"] = summary.read_text(encoding="utf-8")
        files["output"] = output.read_text(encoding="utf-8")

        def refuse(ctx: Any) -> StepResult:
            raise UsageError(f"cannot use {secret!r} here", hint=f"not {secret}")

        errors = io.StringIO()
        with (
            mock.patch("ferrox.engine.get_step", lambda name: _step(refuse)),
            _environ(**{CONFIGURED_VARIABLE: secret}),
            redirect_stderr(errors),
            redirect_stdout(io.StringIO()),
        ):
            code = main(["run", "leaky", "-C", str(root), "--report-dir", str(base / "r2")])
        assert code == 2
        return Emitted(terminal.getvalue(), stdout.getvalue(), files, errors.getvalue())


def secret_pieces(secret: str) -> list[str]:
    """What must never appear: the secret and each of its lines long enough to be masked."""
    lines = [line.strip() for line in secret.splitlines() if is_maskable(line)]
    return [secret, *lines] if is_maskable(secret) else lines


def assert_nothing_leaks(secret: str, emitted: Emitted) -> None:
    """No sink shows the secret or a maskable line of it; each line is registered to Actions."""
    for sink, views in SINKS.items():
        for view in views(emitted):
            for piece in secret_pieces(secret):
                assert piece not in view, f"{sink} shows {piece!r}"
    # The job log is masked line by line: every maskable line is registered on its own.
    registered = {
        urllib.parse.unquote(line.removeprefix("::add-mask::"))
        for line in emitted.stdout.splitlines()
        if line.startswith("::add-mask::")
    }
    assert {line.strip() for line in secret.splitlines() if is_maskable(line)} <= registered
    assert all("\n" not in text for text in registered)


def _line() -> st.SearchStrategy[str]:
    """One line of a secret: special characters, letters, and at least one rare letter."""
    alphabet = "".join(CHARACTER_CLASSES.values()).replace("\n", "") + "abcXYZ019"
    body = st.text(alphabet=alphabet, min_size=MIN_SECRET_LENGTH - 1, max_size=24)
    return st.tuples(body, st.sampled_from(RARE), st.integers(0, 24)).map(
        lambda parts: parts[0][: parts[2]] + parts[1] + parts[0][parts[2] :]
    )


SECRETS = st.lists(_line(), min_size=1, max_size=3).map("\n".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=SECRETS)
def test_no_secret_reaches_any_sink(secret: str) -> None:
    assume(is_maskable(secret))  # the documented floor: 4 characters besides whitespace
    assert_nothing_leaks(secret, emit_everything(secret))


def _cell_secret(characters: str) -> str:
    """A secret made of one class's characters around a distinctive core."""
    if characters == "\n":
        return "line-ж-one\nline-λ-two"
    return f"{characters}ж{characters}-s3cr{characters}et字{characters}"


@pytest.mark.parametrize("character_class", list(CHARACTER_CLASSES))
def test_each_character_class_is_masked_in_every_sink(character_class: str) -> None:
    secret = _cell_secret(CHARACTER_CLASSES[character_class])
    emitted = emit_everything(secret)
    assert_nothing_leaks(secret, emitted)
    # The secret's place is still visible: it was masked, not dropped with its field.
    assert "before *** after" in emitted.files["json"]


def masker_table() -> str:
    """docs/security.md's table of sinks x character classes, from the data tested above."""
    header = "| sink | " + " | ".join(CHARACTER_CLASSES) + " |"
    rule = "| --- |" + " :---: |" * len(CHARACTER_CLASSES)
    rows = [f"| {sink} |" + " masked |" * len(CHARACTER_CLASSES) for sink in SINKS]
    return "\n".join([header, rule, *rows])


def test_the_security_doc_shows_the_tested_table() -> None:
    assert masker_table() in SECURITY_DOC.read_text(encoding="utf-8"), masker_table()
