"""Report writers: one module per format, all fed the same StepResult."""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from pathlib import Path

from ferrox.files import write_text_atomic
from ferrox.masking import Masker
from ferrox.model import StepResult
from ferrox.report import github, json, junit, markdown, sarif


def write_reports(
    result: StepResult, *, root: Path, report_dir: Path, env: Mapping[str, str], masker: Masker
) -> dict[str, Path]:
    """Writes JSON, Markdown, SARIF (and JUnit for tests) for a step; returns format -> path.

    Every text passes through the masker once more: a secret that slipped into a tool's output
    by some other route still never reaches a file.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": report_dir / f"{result.step}.json",
        "markdown": report_dir / f"{result.step}.md",
        "sarif": report_dir / f"{result.step}.sarif",
    }
    if result.tests:
        paths["junit"] = report_dir / f"{result.step}.junit.xml"
    prefix = github.repository_prefix(root, env)
    md = markdown.render(result)
    write_text_atomic(paths["markdown"], masker.mask(md))
    log = sarif.render(result.parts or [result], path_prefix=prefix)
    write_text_atomic(paths["sarif"], _json.dumps(masker.mask_data(log), indent=2) + "\n")
    if "junit" in paths:
        write_text_atomic(paths["junit"], masker.mask(junit.render(result.tests, result.step)))
    names = {kind: path.name for kind, path in paths.items() if kind != "json"}
    document = masker.mask_data(json.to_dict(result, root, names))
    write_text_atomic(paths["json"], _json.dumps(document, indent=2) + "\n")
    summary = github.append_step_summary(masker.mask(md), env)
    if summary is not None:
        paths["step_summary"] = summary
    return paths


__all__ = ["write_reports"]
