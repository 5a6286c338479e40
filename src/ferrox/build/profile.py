"""Release-profile settings that make binaries small, and which of them a workspace lacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions

# key -> (the setting to suggest, the values that already count as set)
_WANTED: dict[str, tuple[str, tuple[Any, ...]]] = {
    "lto": ("lto = true", (True, "fat", "thin")),
    "codegen-units": ("codegen-units = 1", (1,)),
    "strip": ("strip = true", (True, "symbols", "debuginfo")),
    "panic": ('panic = "abort"', ("abort",)),
}


@dataclass(frozen=True)
class Suggestion:
    """A ``[profile.release]`` setting to add, and what the manifest has now."""

    setting: str
    current: str

    def __str__(self) -> str:
        return f"{self.setting} (now: {self.current})"


def release_profile_suggestions(manifest: Path) -> list[Suggestion]:
    """The size settings ``[profile.release]`` of ``manifest`` is missing; [] if unreadable."""
    try:
        data = tomlkit.parse(manifest.read_text(encoding="utf-8")).unwrap()
    except (OSError, UnicodeDecodeError, tomlkit.exceptions.ParseError):
        return []
    profile = data.get("profile", {}).get("release", {})
    if not isinstance(profile, dict):
        return []
    suggestions = []
    for key, (setting, good) in _WANTED.items():
        value = profile.get(key, profile.get(key.replace("-", "_")))
        # Compared with their types: TOML's `1` is not `true`.
        if not any(value == want and type(value) is type(want) for want in good):
            shown = "unset" if value is None else repr(value)
            suggestions.append(Suggestion(setting, shown))
    return suggestions
