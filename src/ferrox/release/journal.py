"""The release journal: what the local steps changed, so a failure or a crash can be undone.

It is written atomically (temporary file, fsync, rename) *before* each step acts, so that after a
SIGKILL at any point the journal names everything that may have changed.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ferrox.errors import UsageError

JOURNAL_NAME = "release-journal.json"
LOCAL = "local"
PUBLISHING = "publishing"


@dataclass(frozen=True)
class Journal:
    """An unfinished release: files before it touched them, the steps started, its phase."""

    version: str
    tag: str
    branch: str
    remote: str
    head_before: str
    # path -> base64 of the bytes before the release (None: the file did not exist).
    files: dict[str, str | None]
    notes: str
    publishers: tuple[str, ...]
    prerelease: bool
    assets: tuple[str, ...] = ()
    started: tuple[str, ...] = ()
    phase: str = LOCAL
    extra: dict[str, Any] = field(default_factory=dict)

    def with_step(self, step: str) -> Journal:
        """This journal with ``step`` recorded as started."""
        return replace(self, started=(*self.started, step))

    def before(self, path: str) -> bytes | None:
        """The bytes ``path`` held before the release."""
        encoded = self.files[path]
        return None if encoded is None else base64.b64decode(encoded)


def encode(content: bytes | None) -> str | None:
    """Bytes as the journal stores them."""
    return None if content is None else base64.b64encode(content).decode("ascii")


def write(path: Path, journal: Journal) -> None:
    """Writes the journal atomically: readers see the old or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    data = json.dumps(asdict(journal), indent=2).encode("utf-8")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def read(path: Path) -> Journal | None:
    """The journal at ``path``, or None when no release is in progress."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes())
        data["publishers"] = tuple(data["publishers"])
        data["assets"] = tuple(data["assets"])
        data["started"] = tuple(data["started"])
        return Journal(**data)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(
            f"the release journal {path} is unreadable ({exc}); inspect the repository "
            "(git status, git tag) and delete the file"
        ) from exc


def remove(path: Path) -> None:
    """Deletes the journal: the release is complete or fully rolled back."""
    path.unlink(missing_ok=True)
