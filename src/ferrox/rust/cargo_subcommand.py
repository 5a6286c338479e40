"""Cargo subcommands installed as separate tools (cargo-audit, cargo-geiger): presence and pin.

Cargo finds ``cargo-audit`` on PATH (or in ``$CARGO_HOME/bin``) when asked for ``cargo audit``;
when it is missing, cargo says "no such command" and exits 101. That is turned into ToolMissing
with the install hint, and a version other than the one ``ci/tools.toml`` pins is refused: the
JSON a step parses, and the findings a team agreed on, belong to that version.
"""

from __future__ import annotations

import re
from pathlib import Path

from ferrox.errors import ToolError, ToolMissing, ToolOutputError
from ferrox.pins import find_pin_file, load_pins
from ferrox.rust.workspace import CARGO_HINT
from ferrox.tools import ToolRunner

VERSION_TIMEOUT_S = 60.0
_VERSION = re.compile(r"\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")


def install_hint(tool: str) -> str:
    """How a user installs a pinned cargo tool."""
    return f"ferrox tools install {tool}"


def pinned_version(root: Path, tool: str) -> str | None:
    """The version ``ci/tools.toml`` pins for ``tool``, or None when it pins none."""
    pins = load_pins(find_pin_file(root))
    return next((t.version for t in pins.cargo_tools if t.name == tool), None)


def check_subcommand(runner: ToolRunner, root: Path, subcommand: str, *, require_pin: bool) -> str:
    """The installed version of ``cargo <subcommand>``; raises when missing or off its pin."""
    tool = f"cargo-{subcommand}"
    done = runner.run(
        "cargo", [subcommand, "--version"], cwd=root, timeout=VERSION_TIMEOUT_S, hint=CARGO_HINT
    )
    output = done.stdout + done.stderr
    if done.returncode != 0 and "no such command" in output:
        raise ToolMissing(
            f"cargo {subcommand} is not installed ({tool} is not on PATH)",
            tool=tool,
            argv=done.argv,
            hint=install_hint(tool),
        )
    match = _VERSION.search(done.stdout) if done.returncode == 0 else None
    if match is None:
        raise ToolOutputError.of(
            done, f"`cargo {subcommand} --version` gave no version (exit {done.returncode})", tool
        )
    found = match[1]
    pinned = pinned_version(root, tool)
    if require_pin and pinned is not None and found != pinned:
        raise ToolError(
            f"{tool} {found} is installed but ci/tools.toml pins {pinned}: its report format "
            "and advisory handling may differ, so no verdict is given",
            tool=tool,
            argv=done.argv,
            hint=f"{install_hint(tool)} (or set require_pinned_version = false)",
        )
    return found
