"""Runs one step against a context: timing, command records, and the fail-closed error policy."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
import traceback
from dataclasses import replace

from ferrox.context import Context
from ferrox.errors import FerroxError, UsageError, from_os_error
from ferrox.model import Status, StepResult
from ferrox.steps.interface import Step


def execute(step: Step, ctx: Context) -> StepResult:
    """The step's result with its commands and timing; a tool error or a bug is an ERROR result.

    Usage and config errors propagate: they are the user's to fix, and exit 2 without a report.
    """
    lock = ctx.target_dir_lock if step.uses_target_dir else None
    with lock or contextlib.nullcontext():
        started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        start = time.monotonic()
        result = _guarded(step, ctx)
    return replace(
        result,
        commands=(*tuple(ctx.runner.records), *result.commands),
        started_at=result.started_at or started,
        duration_s=time.monotonic() - start,
    )


def _guarded(step: Step, ctx: Context) -> StepResult:
    masker = ctx.runner.masker
    try:
        return step.run(ctx)
    except UsageError:
        raise
    except FerroxError as exc:  # ToolError: the tool gave no verdict
        message = masker.mask(str(exc))
    except OSError as exc:  # a file the step needed: one line, no traceback, still no verdict
        message = masker.mask(str(from_os_error(exc, f"step {step.name} could not complete")))
    except Exception as exc:  # noqa: BLE001 - a bug must fail the step, never pass it
        sys.stderr.write(masker.mask(traceback.format_exc()))
        message = masker.mask(f"ferrox internal error in step {step.name}: {exc!r}")
    return StepResult(
        step=step.name,
        tool=step.report_tool,
        status=Status.ERROR,
        summary="could not run: no verdict",
        error=message,
    )
