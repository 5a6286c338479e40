"""Recognising a cargo subcommand whose rustup component is missing."""

from __future__ import annotations

from ferrox.errors import ToolMissing
from ferrox.tools import Completed

_MISSING_MARKERS = ("is not installed for the toolchain", "no such command", "no such subcommand")


def raise_if_component_missing(done: Completed, subcommand: str, component: str) -> None:
    """Raises ToolMissing with the rustup hint when cargo says the subcommand is unavailable."""
    if done.returncode != 0 and any(marker in done.stderr for marker in _MISSING_MARKERS):
        raise ToolMissing(
            f"cargo {subcommand} is not available",
            tool=f"cargo-{subcommand}",
            argv=done.argv,
            returncode=done.returncode,
            output_tail=done.tail(3),
            hint=f"rustup component add {component}",
        )
