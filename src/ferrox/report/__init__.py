"""Report writers: one module per format, all fed the same StepResult."""

from __future__ import annotations

import json as _json
from collections.abc import Mapping
from pathlib import Path

from ferrox.errors import from_os_error
from ferrox.files import write_text_atomic
from ferrox.masking import Masker
from ferrox.model import StepResult
from ferrox.report import github, json, junit, markdown, sarif


def write_reports(
    result: StepResult, *, root: Path, report_dir: Path, env: Mapping[str, str], masker: Masker
) -> dict[str, Path]:
    """Writes JSON, Markdown, SARIF (and JUnit for tests) for a step; returns format -> path.

    The result is masked first, on its raw values, and only then rendered: a writer's escaping
    (Markdown's ``\\|``, XML's ``&amp;``, JSON's ``\\"``) can then never hide a secret from the
    masker. Masking an already masked result changes nothing.
    """
    result = masker.mask_value(result)
    try:
        paths = _write_files(result, root=root, report_dir=report_dir, env=env, masker=masker)
    except OSError as exc:
        raise from_os_error(exc, f"cannot write the reports in {report_dir}") from None
    summary = github.append_step_summary(markdown.render(result), env)
    if summary is not None:
        paths["step_summary"] = summary
    return paths


def _write_files(
    result: StepResult, *, root: Path, report_dir: Path, env: Mapping[str, str], masker: Masker
) -> dict[str, Path]:
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
    write_text_atomic(paths["markdown"], md)
    log = sarif.render(result.parts or [result], path_prefix=prefix)
    write_text_atomic(paths["sarif"], _json.dumps(masker.mask_data(log), indent=2) + "\n")
    if "junit" in paths:
        write_text_atomic(paths["junit"], junit.render(result.tests, result.step))
    names = {kind: path.name for kind, path in paths.items() if kind != "json"}
    # Data, before it is serialised: the root path is not part of the result.
    document = masker.mask_data(json.to_dict(result, root, names))
    write_text_atomic(paths["json"], _json.dumps(document, indent=2) + "\n")
    return paths


__all__ = ["write_reports"]
