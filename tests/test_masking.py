"""Secret masking."""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

import pytest

from ferrox.masking import Masker
from ferrox.model import Finding, Level, Status, StepResult
from ferrox.report.github import add_mask_lines
from ferrox.tools import ToolRunner


def test_values_of_secret_named_variables_are_masked() -> None:
    masker = Masker.from_environment(
        {
            "GITHUB_TOKEN": "ghp_abcdef123456",
            "MY_API_KEY": "k3y-value",
            "DB_PASSWORD": "hunter22",
            "HOME": "/root",
        }
    )
    text = masker.mask("token ghp_abcdef123456 key k3y-value pw hunter22 home /root")
    assert text == "token *** key *** pw *** home /root"


def test_configured_names_are_masked_too() -> None:
    masker = Masker.from_environment({"DEPLOY_URL": "https://user:pw@example.com"}, ["deploy_url"])
    assert masker.mask("push to https://user:pw@example.com") == "push to ***"


def test_short_values_are_not_masked() -> None:
    masker = Masker.from_environment({"FEATURE_KEY": "1"})
    assert masker.mask("exit 1") == "exit 1"


def test_longest_secret_wins() -> None:
    masker = Masker.from_environment({"A_TOKEN": "abcd", "B_TOKEN": "abcdefgh"})
    assert masker.mask("abcdefgh") == "***"


def test_nested_data_is_masked() -> None:
    masker = Masker(("s3cret",))
    assert masker.mask_data({"a": ["x s3cret", 3, ("s3cret",)], "b": None}) == {
        "a": ["x ***", 3, ["***"]],
        "b": None,
    }


def test_escaped_spellings_and_lines_of_a_secret_are_masked() -> None:
    secret = 'pa"ss\\word&<x>\nsecond-line'  # noqa: S105 - a test value
    masker = Masker.from_environment({"DB_PASSWORD": secret})
    assert masker.mask(f"raw {secret} end") == "raw *** end"
    assert masker.mask(f"json {json.dumps(secret)}") == 'json "***"'
    assert masker.mask(f"xml {html.escape(secret)}") == "xml ***"
    # A log shows a multi-line value line by line: each line is a secret of its own.
    assert masker.mask('pa"ss\\word&<x>\n...\nsecond-line') == "***\n...\n***"


def test_the_length_floor_ignores_surrounding_whitespace() -> None:
    masker = Masker.from_environment({"A_TOKEN": "    ", "B_TOKEN": " ab\n  \ncdef"})
    assert masker.mask("    indented  ab") == "    indented  ab"  # nothing but the 4-char line
    assert masker.mask("x cdef y") == "x *** y"


def test_masking_runs_until_no_secret_is_left() -> None:
    # Replacing the secret joins the text around it into the secret again.
    masker = Masker(("a***",))
    assert "a***" not in masker.mask("aa***")


def test_mask_value_keeps_types_and_masks_every_string() -> None:
    result = StepResult(
        step="s", tool="t", status=Status.FAIL, summary="s3cret here",
        findings=(Finding("r", "m s3cret", Level.WARNING),), metrics={"s3cret": 1.0},
    )  # fmt: skip
    masked = Masker(("s3cret",)).mask_value(result)
    assert masked.summary == "*** here" and masked.findings[0].message == "m ***"
    assert masked.findings[0].level is Level.WARNING and masked.status is Status.FAIL
    assert isinstance(masked.findings, tuple) and masked.metrics == {"***": 1.0}


def test_the_runner_masks_a_secret_its_tool_printed_json_escaped(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = 'to"ken\\value'  # noqa: S105 - a test value
    printer = f"import json, sys; s = {secret!r}; print(json.dumps({{'message': s}}))"
    printer += "; sys.stderr.write(json.dumps(s) + '\\n' + s + '\\n')"
    runner = ToolRunner(masker=Masker.of([secret]), echo_stderr=True)
    done = runner.run(sys.executable, ["-c", printer], cwd=tmp_path, timeout=60)
    assert json.loads(done.stdout) == {"message": "***"}  # still JSON, and masked
    echoed = capfd.readouterr().err
    assert secret not in done.stderr + echoed and json.dumps(secret) not in echoed
    assert echoed.count("***") == 2


def test_actions_gets_one_add_mask_per_line() -> None:
    lines = add_mask_lines(Masker.of(["first-line\nsecond-line"]).secrets)
    assert "::add-mask::first-line" in lines and "::add-mask::second-line" in lines
    assert all("\n" not in line and "%0A" not in line for line in lines)
