"""Checks the Python steps' settings share: interpreter specs, extras, requirement strings."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.requirements import InvalidRequirement, Requirement

from ferrox.config import SettingError
from ferrox.python.envs import EXTRA, INTERPRETER


def check_interpreters(key: str, specs: Iterable[str]) -> None:
    """Each spec looks like ``3.12``, ``python3.12`` or ``pypy3.10`` (never an option)."""
    for spec in specs:
        if not INTERPRETER.fullmatch(spec):
            raise SettingError(key, f"{spec!r} is not an interpreter (e.g. '3.12', 'python3.12')")


def check_extras(key: str, extras: Iterable[str]) -> None:
    """Each extra is a plain name (it is spliced into ``path[extra,...]``)."""
    for extra in extras:
        if not EXTRA.fullmatch(extra):
            raise SettingError(key, f"{extra!r} is not a valid extra name")


def check_requirements(key: str, requirements: Iterable[str]) -> None:
    """Each entry is a PEP 508 requirement (so never a pip option such as ``--index-url``)."""
    for text in requirements:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise SettingError(key, f"{text!r} is not a requirement ({exc})") from None
