"""The pinned GitHub Actions table ferrox ships (``actions.toml``): name -> repo, SHA, version."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tomlkit

from ferrox.errors import ConfigError

ACTIONS_FILE = Path(__file__).parent / "actions.toml"
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class ActionPin:
    """One action at one full commit SHA, with the tag it was read from."""

    repo: str
    version: str
    sha: str

    @property
    def uses(self) -> str:
        """The ``uses:`` value: ``owner/repo[/path]@<sha>``."""
        return f"{self.repo}@{self.sha}"


@cache
def action_pins(path: Path = ACTIONS_FILE) -> dict[str, ActionPin]:
    """Reads and checks the table: every entry needs a repo, a version and a 40-hex SHA."""
    data = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    pins: dict[str, ActionPin] = {}
    for name, entry in data.items():
        sha = str(entry.get("sha", ""))
        if not _SHA.match(sha):
            raise ConfigError("needs a full 40-hex commit SHA", file=str(path), key=f"{name}.sha")
        pins[name] = ActionPin(str(entry["repo"]), str(entry["version"]), sha)
    return pins
