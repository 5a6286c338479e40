"""Whether a process is gone, for the tests that prove a timeout leaves no descendant alive."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie still answers kill(0) and is dead for our purposes."""
    if sys.platform == "win32":  # pragma: no cover
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def gone_soon(pid: int, seconds: float = 5.0) -> bool:
    """Whether ``pid`` is gone within ``seconds`` (a kill is delivered, not waited for)."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)
