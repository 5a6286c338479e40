"""Project environments: one venv per interpreter with the project and its test tools installed.

pytest and mypy must see the project's own dependencies, which an isolated tool venv cannot.
So the Python steps build (and reuse) a venv per configured interpreter in the user cache, never
inside the project, where scanners and linters would walk into it. ``uv`` creates and fills it
when it is on PATH (seconds); otherwise ``python -m venv`` and pip. The same code runs under
``ferrox run pytest`` and ``nox -s pytest``, so both behave alike.

An environment is reused while its key (interpreter, packaging files, requested extras and
packages) is unchanged; the project itself is installed editable, so source edits need no
reinstall.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ferrox.errors import ToolOutputError
from ferrox.toolhome import executable, tools_home, venv_bin
from ferrox.tools import ToolRunner

ENVS_HOME_ENV = "FERROX_ENVS_HOME"
INTERPRETER = re.compile(r"^(?:python|pypy)?3(?:\.\d{1,2})?$")
EXTRA = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
_MARKER = "ferrox-env.json"
# pip's own chatter about newer pip releases is noise in every report.
PIP_ENV = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
HINT = "install that interpreter or remove it from the step's `interpreters` setting"


@dataclass(frozen=True)
class ProjectEnv:
    """A ready environment: its interpreter and the label reports use (``py3.11``)."""

    label: str
    python: Path
    directory: Path
    reused: bool


def envs_home(env: Mapping[str, str]) -> Path:
    """``FERROX_ENVS_HOME`` if set, else ``envs`` beside the tools home."""
    configured = env.get(ENVS_HOME_ENV, "").strip()
    return Path(configured).expanduser() if configured else tools_home(env).parent / "envs"


def program_for(spec: str) -> str:
    """The program name of an interpreter spec: ``3.12`` -> ``python3.12``."""
    return spec if spec.startswith(("python", "pypy")) else f"python{spec}"


def is_installable(root: Path) -> bool:
    """Whether ``root`` is a package pip can install (it has packaging metadata)."""
    return any((root / name).is_file() for name in _PACKAGING_FILES)


def ensure_env(
    runner: ToolRunner,
    root: Path,
    interpreter: str,
    *,
    extras: Sequence[str],
    packages: Sequence[str],
    timeout: float,
    backend: str = "auto",
) -> ProjectEnv:
    """A venv for ``interpreter`` holding the project (editable, with extras) and ``packages``."""
    program = program_for(interpreter)
    found = runner.which(program)
    if found is None:
        from ferrox.errors import ToolMissing  # noqa: PLC0415 - only on this path

        raise ToolMissing(f"interpreter {program} is not on PATH", tool=program, hint=HINT)
    version = _version(runner, found, root, timeout)
    label = f"py{version}"
    use_uv = backend == "uv" or (backend == "auto" and runner.which("uv") is not None)
    key = _key(
        root,
        str(found.resolve()),
        version=version,
        extras=extras,
        packages=packages,
        use_uv=use_uv,
    )
    directory = envs_home(runner.env) / f"{_slug(root)}-{label}"
    python = executable(venv_bin(directory), "python")
    marker = directory / _MARKER
    if python.is_file() and marker.is_file() and marker.read_text(encoding="utf-8") == key:
        return ProjectEnv(label, python, directory, reused=True)
    shutil.rmtree(directory, ignore_errors=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    requirements = list(packages)
    if is_installable(root):
        suffix = f"[{','.join(extras)}]" if extras else ""
        requirements += ["-e", f"{root}{suffix}"]
    if use_uv:
        _check(
            runner, "uv", ["venv", "--quiet", "--python", str(found), str(directory)], root, timeout
        )
        if requirements:
            args = ["pip", "install", "--quiet", "--python", str(python), *requirements]
            _check(runner, "uv", args, root, timeout)
    else:
        _check(runner, str(found), ["-m", "venv", str(directory)], root, timeout)
        if requirements:
            args = ["-m", "pip", "install", "--quiet", *requirements]
            _check(runner, str(python), args, root, timeout)
    # Written last: an interrupted install leaves no marker and is rebuilt next time.
    marker.write_text(key, encoding="utf-8")
    return ProjectEnv(label, python, directory, reused=False)


def fresh_venv(
    runner: ToolRunner, python: str, directory: Path, timeout: float, requirements: Sequence[str]
) -> Path:
    """A new venv at ``directory`` (replacing any old one) holding ``requirements``.

    uv when on PATH, else venv and pip; a failed install raises ToolOutputError.
    """
    shutil.rmtree(directory, ignore_errors=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    interpreter = executable(venv_bin(directory), "python")
    if runner.which("uv") is not None:
        found = runner.which(python)
        _check(
            runner,
            "uv",
            ["venv", "--quiet", "--python", str(found or python), str(directory)],
            directory.parent,
            timeout,
        )
        _check(
            runner,
            "uv",
            ["pip", "install", "--quiet", "--python", str(interpreter), *requirements],
            directory.parent,
            timeout,
        )
    else:
        _check(runner, python, ["-m", "venv", str(directory)], directory.parent, timeout)
        _check(
            runner,
            str(interpreter),
            ["-m", "pip", "install", "--quiet", *requirements],
            directory.parent,
            timeout,
        )
    return interpreter


def _version(runner: ToolRunner, python: Path, root: Path, timeout: float) -> str:
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    done = runner.run(str(python), ["-c", code], cwd=root, timeout=timeout)
    text = done.stdout.strip()
    if done.returncode != 0 or not re.fullmatch(r"\d+\.\d+", text):
        raise ToolOutputError.of(done, f"{python} did not report its version", str(python))
    return text


def _check(runner: ToolRunner, program: str, args: list[str], cwd: Path, timeout: float) -> None:
    done = runner.run(program, args, cwd=cwd, timeout=timeout, env=PIP_ENV)
    if done.returncode != 0:
        raise ToolOutputError.of(
            done,
            f"could not prepare the project environment ({Path(program).name} {args[0]} "
            f"exited {done.returncode})",
            Path(program).name,
        )


def _key(
    root: Path,
    interpreter: str,
    *,
    version: str,
    extras: Sequence[str],
    packages: Sequence[str],
    use_uv: bool,
) -> str:
    files = {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()
        for name in _PACKAGING_FILES
        if (root / name).is_file()
    }
    document = {
        "interpreter": interpreter,
        "version": version,
        "extras": sorted(extras),
        "packages": list(packages),
        "uv": use_uv,
        "files": files,
        "root": str(root.resolve()),
    }
    return json.dumps(document, sort_keys=True)


def _slug(root: Path) -> str:
    resolved = str(root.resolve())
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", root.resolve().name)[:40] or "project"
    return f"{name}-{hashlib.sha256(resolved.encode()).hexdigest()[:12]}"
