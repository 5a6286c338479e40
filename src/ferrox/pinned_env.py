"""Environment variables that change a step's verdict, pinned to documented values.

A step declares them (``Step.pinned_env``); it runs with those values unless the project's config
overrides one, so a laptop and a CI runner that export different values get the same verdict.
An empty value means "removed from the environment" (the tool's own default applies).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

Pins = tuple[tuple[str, str], ...]
_ENTRY = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$", re.DOTALL)
# The runner finds tools through PATH: a config value here would break every lookup.
_NOT_PINNABLE = frozenset({"PATH"})


def parse_overrides(entries: Sequence[str]) -> dict[str, str]:
    """``NAME=VALUE`` entries as a mapping; raises ValueError naming the first bad entry."""
    overrides: dict[str, str] = {}
    for entry in entries:
        match = _ENTRY.match(entry)
        if match is None:
            raise ValueError(f"{entry!r} is not NAME=VALUE (an empty VALUE unsets NAME)")
        if match["name"] in _NOT_PINNABLE:
            raise ValueError(f"{match['name']} cannot be pinned: ferrox finds its tools through it")
        if match["name"] in overrides:
            raise ValueError(f"{match['name']} is set twice")
        overrides[match["name"]] = match["value"]
    return overrides


def effective(pins: Pins, overrides: Mapping[str, str]) -> dict[str, str]:
    """The step's documented values with the config's overrides on top ('' = unset)."""
    return {**dict(pins), **overrides}


def for_report(env: Mapping[str, str]) -> dict[str, str | None]:
    """The values as the report shows them: None for a variable that was removed."""
    return {name: value or None for name, value in sorted(env.items())}


def for_settings(pins: Pins, settings: Any) -> dict[str, str]:
    """The effective values for a step's settings (a step with pins takes an ``env`` setting)."""
    return effective(pins, parse_overrides(getattr(settings, "env", ())))
