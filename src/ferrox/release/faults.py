"""A documented test hook: ``FERROX_RELEASE_FAULT=after:<step>:<kind>`` fails a release on purpose.

``<step>`` is one of plan, bump, changelog, commit, tag, artifacts, push, release or
``upload:<asset name>``; ``<kind>`` is ``exception`` (an error), ``sigkill`` (the process dies
at once), ``sigint`` (Ctrl-C) or ``sigterm`` (a CI cancellation). The fault-injection tests
use it to prove that every interruption leaves the repository unchanged or resumable.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping

FAULT_VARIABLE = "FERROX_RELEASE_FAULT"


class InjectedFault(RuntimeError):
    """The error the ``exception`` kind raises."""


def checkpoint(env: Mapping[str, str], step: str) -> None:
    """Fails as configured if the hook names this step; does nothing otherwise."""
    spec = env.get(FAULT_VARIABLE, "")
    if not spec.startswith("after:"):
        return
    target, _, kind = spec[len("after:") :].rpartition(":")
    if target != step:
        return
    if kind == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind in ("sigint", "sigterm"):
        os.kill(os.getpid(), signal.SIGINT if kind == "sigint" else signal.SIGTERM)
        time.sleep(5)  # Python's handler raises KeyboardInterrupt here
        raise KeyboardInterrupt  # pragma: no cover - only if SIGINT is ignored
    raise InjectedFault(f"injected fault after {step}")
