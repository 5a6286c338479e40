"""What a step's verdict depends on, reduced to one key: equal keys, equal verdicts.

A key covers, for a first version deliberately more than a step reads:

- the content of every file git would see: tracked files (as they are on disk, so unstaged
  edits count) and untracked files that are not ignored, by path and SHA-256; the report
  directory and cargo's target directory are left out (they hold outputs);
- the tool versions: the pin file's text and, for steps that drive cargo, ``rustc -vV`` and
  ``cargo -V``;
- the step's name and its settings, the global settings, ``--fix`` and the tool arguments;
- the environment that can change a verdict (``CARGO*``, ``RUST*``, ``FERROX_*``, ``PYTHON*``,
  ``PIP_*``, ``UV_*``, ``PATH``; not the few that only change output or bytecode caching),
  hashed, never stored;
- ferrox's version and the Python version.

When the files cannot be listed (not a git repository, git missing) there is no key, and the
step simply runs: no cache is better than a stale pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox import __version__
from ferrox.tools import ToolRunner

KEY_FORMAT = "ferrox-ci-key-1"
VERDICT_ENV_PREFIXES = ("CARGO", "RUST", "FERROX_", "PYTHON", "PIP_", "UV_")
VERDICT_ENV_NAMES = ("PATH",)
# Matched by a prefix above, but they change how Python or cargo print or cache, never a verdict.
COSMETIC_ENV_NAMES = frozenset(
    {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONPYCACHEPREFIX", "CARGO_TERM_COLOR"}
)
GIT_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Shared:
    """The parts of every step's key that are computed once per pipeline run."""

    files: str  # digest of every file's path and content
    pins: str  # digest of the pin file
    toolchain: str  # digest of rustc -vV and cargo -V ("" when no cargo step runs)
    environment: str  # digest of the verdict-changing environment


def files_digest(runner: ToolRunner, root: Path, exclude: Iterable[Path]) -> str | None:
    """Digest of the paths and contents git sees under ``root``; None when git cannot list them."""
    try:
        done = runner.run(
            "git",
            ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=root,
            timeout=GIT_TIMEOUT_S,
        )
    except OSError:
        return None
    except Exception:  # noqa: BLE001 - ToolMissing/timeout: no key, so the step runs
        return None
    if done.returncode != 0:
        return None
    skipped = [path.resolve() for path in exclude]
    digest = hashlib.sha256()
    for name in sorted(set(done.stdout.split("\0")) - {""}):
        path = root / name
        if any(path.resolve().is_relative_to(directory) for directory in skipped):
            continue
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(_content_digest(path) + b"\0")
    return digest.hexdigest()


def _content_digest(path: Path) -> bytes:
    if path.is_symlink():
        return b"link:" + str(path.readlink()).encode("utf-8", "surrogateescape")
    if not path.is_file():
        return b"missing"  # tracked but deleted: a change like any other
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest().encode()


def cargo_target_dir(root: Path, env: Mapping[str, str]) -> Path:
    """Where cargo builds for the project at ``root`` (``CARGO_TARGET_DIR`` or ``target``)."""
    configured = env.get("CARGO_TARGET_DIR")
    return root / configured if configured else root / "target"


def environment_digest(env: Mapping[str, str]) -> str:
    """Digest of the environment variables that can change a verdict (values never stored)."""
    chosen = {
        name: value
        for name, value in env.items()
        if (name.startswith(VERDICT_ENV_PREFIXES) or name in VERDICT_ENV_NAMES)
        and name not in COSMETIC_ENV_NAMES
    }
    return _digest(chosen)


def toolchain_digest(runner: ToolRunner, root: Path) -> str:
    """Digest of what rustc and cargo say they are (a missing one is part of the answer)."""
    answers = []
    for program, args in (("rustc", ["-vV"]), ("cargo", ["-V"])):
        try:
            done = runner.run(program, args, cwd=root, timeout=GIT_TIMEOUT_S)
            answers.append(f"{done.returncode}:{done.stdout}")
        except Exception as exc:  # noqa: BLE001 - the step itself reports a missing cargo
            answers.append(f"unavailable: {type(exc).__name__}")
    return _digest(answers)


def pins_digest(pin_file: Path) -> str:
    """Digest of the pin file's text (the tool versions)."""
    try:
        return hashlib.sha256(pin_file.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def step_key(
    shared: Shared,
    *,
    step: str,
    settings: Any,
    global_settings: Any,
    fix: bool,
    extra_args: tuple[str, ...],
) -> str:
    """The key of one step's run: equal only when every input above is equal."""
    return _digest(
        {
            "format": KEY_FORMAT,
            "ferrox": __version__,
            "python": platform.python_version(),
            "step": step,
            "settings": _plain(settings),
            "globals": _plain(global_settings),
            "fix": fix,
            "extra_args": list(extra_args),
            **dataclasses.asdict(shared),
        }
    )


def _plain(settings: Any) -> Any:
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        return {"type": type(settings).__qualname__, **dataclasses.asdict(settings)}
    return repr(settings)


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
