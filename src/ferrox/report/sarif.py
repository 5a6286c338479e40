"""SARIF 2.1.0: one run per tool, accepted by GitHub code scanning.

Paths are relative to ``%SRCROOT%`` (the repository root). GitHub needs a location on every
result, so a finding without one is attached to the project's manifest (line 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from ferrox import __version__
from ferrox.model import Finding, Level, StepResult

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/ferrox-dev/ferrox"
_SECURITY_SEVERITY = {Level.ERROR: "7.0", Level.WARNING: "4.0", Level.NOTE: "1.0"}


def render(
    results: Iterable[StepResult], *, path_prefix: str = "", fallback_path: str = "Cargo.toml"
) -> dict[str, Any]:
    """A SARIF log with one run per step result.

    ``path_prefix`` is the project root relative to the repository root (for ``-C sub/dir``).
    """
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [_run(result, path_prefix, fallback_path) for result in results],
    }


def _run(result: StepResult, prefix: str, fallback_path: str) -> dict[str, Any]:
    rules: dict[str, int] = {}
    rule_objects: list[dict[str, Any]] = []
    sarif_results = []
    for finding in result.findings:
        if finding.rule not in rules:
            rules[finding.rule] = len(rule_objects)
            rule_objects.append(_rule(finding))
        sarif_results.append(_result(finding, rules[finding.rule], prefix, fallback_path))
    driver: dict[str, Any] = {
        "name": result.tool,
        "informationUri": INFORMATION_URI,
        "rules": rule_objects,
    }
    if result.tool_version:
        driver["version"] = result.tool_version
    return {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"ferrox/{result.step}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root."}}},
        "invocations": [
            {
                "executionSuccessful": result.error is None,
                "exitCode": result.status.exit_code,
                **(
                    {
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": result.error}}
                        ]
                    }
                    if result.error
                    else {}
                ),
            }
        ],
        "properties": {
            "ferrox": {"version": __version__, "step": result.step, "status": result.status.value}
        },
        "results": sarif_results,
    }


def _rule(finding: Finding) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": finding.rule,
        "name": finding.rule.replace("::", "/"),
        "shortDescription": {"text": finding.rule},
        "defaultConfiguration": {"level": finding.level.value},
        "properties": {
            "security-severity": f"{finding.security_severity:.1f}"
            if finding.security_severity is not None
            else _SECURITY_SEVERITY[finding.level]
        },
    }
    if finding.help_uri:
        rule["helpUri"] = finding.help_uri
    return rule


def _result(finding: Finding, rule_index: int, prefix: str, fallback_path: str) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": finding.line or 1}
    if finding.column:
        region["startColumn"] = finding.column
    if finding.end_line and finding.end_line >= region["startLine"]:
        region["endLine"] = finding.end_line
        if finding.end_column and (
            finding.end_line > region["startLine"] or finding.end_column > (finding.column or 0)
        ):
            region["endColumn"] = finding.end_column
    uri = (
        str(PurePosixPath(prefix) / (finding.path or fallback_path))
        if prefix
        else finding.path or fallback_path
    )
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }
    return {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.level.value,
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {"ferrox/v1": _fingerprint(finding)},
    }


def _fingerprint(finding: Finding) -> str:
    """Stable across runs and unrelated edits: rule, file and message, not line numbers."""
    text = "\0".join((finding.rule, finding.path or "", finding.message))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
