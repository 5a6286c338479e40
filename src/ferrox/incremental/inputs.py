"""What a step's verdict depends on, reduced to one key: equal keys, equal verdicts.

A key covers, for a first version deliberately more than a step reads:

- the content of every file git would see: tracked files (as they are on disk, so unstaged
  edits count) and untracked files that are not ignored, by path and SHA-256; the report
  directory and cargo's target directory are left out (they hold outputs);
- the tool versions: the pin file's text and, for steps that drive cargo, ``rustc -vV`` and
  ``cargo -V`` (their answer reused while the binaries and rustup's state are unchanged:
  ``toolchain_fingerprint``);
- the step's name and its settings, the global settings, ``--fix`` and the tool arguments;
- the environment that can change a verdict (``CARGO*``, ``RUST*``, ``FERROX_*``, ``PYTHON*``,
  ``PIP_*``, ``UV_*``, ``PATH``; not the few that only change output or bytecode caching),
  hashed, never stored;
- ferrox's version and the Python version.

When the files cannot be listed (not a git repository, git missing) there is no key, and the
step simply runs: no cache is better than a stale pass.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox import __version__
from ferrox.files import write_text_atomic
from ferrox.tools import ToolRunner

KEY_FORMAT = "ferrox-ci-key-1"
VERDICT_ENV_PREFIXES = ("CARGO", "RUST", "FERROX_", "PYTHON", "PIP_", "UV_")
VERDICT_ENV_NAMES = ("PATH",)
# Matched by a prefix above, but they change how Python or cargo print or cache, never a verdict.
COSMETIC_ENV_NAMES = frozenset(
    {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PYTHONPYCACHEPREFIX", "CARGO_TERM_COLOR"}
)
GIT_TIMEOUT_S = 120.0
# The reusable answer of the toolchain probes, beside the result cache's entries.
TOOLCHAIN_PROBE_FILE = "toolchain-probe.json"
PROBE_FORMAT = "ferrox-ci-toolchain-probe-1"


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


def toolchain_digest(runner: ToolRunner, root: Path, cache_dir: Path | None = None) -> str:
    """Digest of what rustc and cargo say they are (a missing one is part of the answer).

    With ``cache_dir``, the answer is reused while the files that decide it are unchanged
    (``toolchain_fingerprint``): the two probes are most of a warm pipeline's own work.
    """
    if cache_dir is None:
        return _probe_toolchain(runner, root)
    fingerprint = toolchain_fingerprint(runner, root)
    record = cache_dir / TOOLCHAIN_PROBE_FILE
    try:
        stored = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stored = None
    if (
        isinstance(stored, dict)
        and stored.get("format") == PROBE_FORMAT
        and stored.get("fingerprint") == fingerprint
        and isinstance(stored.get("digest"), str)
    ):
        return str(stored["digest"])
    digest = _probe_toolchain(runner, root)
    entry = {"format": PROBE_FORMAT, "fingerprint": fingerprint, "digest": digest}
    with contextlib.suppress(OSError):  # no record: the next run probes again
        write_text_atomic(record, json.dumps(entry, indent=2) + "\n")
    return digest


def toolchain_fingerprint(runner: ToolRunner, root: Path) -> str:
    """Digest of what decides ``rustc -vV`` and ``cargo -V`` without running them.

    The binaries PATH resolves (path, size, modification time, inode) and, since those are
    usually rustup's proxies, rustup's state: its settings file (the default toolchain and the
    directory overrides), every installed toolchain's rustc and cargo, and the
    ``rust-toolchain(.toml)`` files from the project up to the file system's root; plus the
    environment that steers them (``RUSTUP_TOOLCHAIN``, ``PATH`` ...). A changed toolchain
    replaces its binaries, so one of these changes with it.
    """
    facts: dict[str, Any] = {"env": environment_digest(runner.env)}
    for program in ("rustc", "cargo"):
        found = runner.which(program)
        facts[program] = _stat(found.resolve()) if found else "missing"
    home_env = runner.env.get("RUSTUP_HOME")
    rustup_home = Path(home_env) if home_env else Path.home() / ".rustup"
    facts["settings"] = _stat(rustup_home / "settings.toml")
    toolchains = rustup_home / "toolchains"
    if toolchains.is_dir():
        for toolchain in sorted(toolchains.iterdir()):
            for binary in ("rustc", "cargo"):
                path = toolchain / "bin" / binary
                facts[f"{toolchain.name}/{binary}"] = _stat(path)
    for directory in (root.resolve(), *root.resolve().parents):
        for name in ("rust-toolchain", "rust-toolchain.toml"):
            if (directory / name).exists():
                facts[str(directory / name)] = _stat(directory / name)
    return _digest(facts)


def _stat(path: Path) -> list[int] | str:
    try:
        found = path.stat()
    except OSError:
        return "missing"
    return [found.st_size, found.st_mtime_ns, found.st_ino]


def _probe_toolchain(runner: ToolRunner, root: Path) -> str:
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
