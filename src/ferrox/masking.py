"""Secret masking: values of secret-looking environment variables never reach any output.

Masking runs on raw values, before any writer escapes them (DESIGN.md: "Secrets are masked
once, on the data"): :meth:`Masker.mask_result` masks a whole ``StepResult``, and every sink
(terminal, reports, annotations, step summary, outputs) renders the masked result. A tool that
escapes a value itself (cargo's JSON strings, a JUnit file's XML) prints the secret in that escaped
spelling, so the masker also knows each secret's JSON and XML spellings, and each line of a
multi-line secret on its own (a log shows a multi-line value line by line).
"""

from __future__ import annotations

import dataclasses
import enum
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL", re.IGNORECASE)
MASK = "***"
# Very short values ("1", "on", "yes") would turn every number and word in a log into "***",
# making output useless without protecting anything; GitHub's own masking has the same floor.
# Counted without surrounding whitespace: a secret of four spaces would mask all indentation.
MIN_SECRET_LENGTH = 4

T = TypeVar("T")


def is_maskable(value: str) -> bool:
    """Whether a value is long enough (without surrounding whitespace) to be masked."""
    return len(value.strip()) >= MIN_SECRET_LENGTH


def spellings(secret: str) -> set[str]:
    """The secret, its JSON- and XML-escaped spellings, and each long-enough line of it."""
    found = {secret}
    found.update(line.strip() for line in secret.splitlines() if is_maskable(line))
    for text in list(found):
        found.add(json.dumps(text)[1:-1])
        found.add(json.dumps(text, ensure_ascii=False)[1:-1])
        found.add(html.escape(text, quote=False))
        found.add(html.escape(text, quote=True))
        # ElementTree and libtest-junit spell quotes as &quot; and apostrophes as is.
        found.add(html.escape(text, quote=False).replace('"', "&quot;"))
        found.add(html.escape(text, quote=True).replace("&#x27;", "&apos;"))  # quick-xml
    return {text for text in found if is_maskable(text)}


@dataclass(frozen=True)
class Masker:
    """Replaces every known secret value (in every spelling) in a text with ``***``."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Iterable[str]) -> Masker:
        """A masker for these secret values (and their escaped spellings and lines)."""
        found = {text for value in values if is_maskable(value) for text in spellings(value)}
        # Longest first, so a secret that contains another is replaced whole.
        return cls(tuple(sorted(found, key=lambda text: (-len(text), text))))

    @classmethod
    def from_environment(cls, env: Mapping[str, str], extra_names: Iterable[str] = ()) -> Masker:
        """Collects the values of variables named like secrets, plus the explicitly listed ones."""
        extra = {name.upper() for name in extra_names}
        return cls.of(
            value
            for name, value in env.items()
            if SECRET_NAME.search(name) or name.upper() in extra
        )

    def including(self, values: Iterable[str]) -> Masker:
        """This masker with more secret values (and their spellings and lines)."""
        more = Masker.of(values).secrets
        return Masker(tuple(sorted({*self.secrets, *more}, key=lambda text: (-len(text), text))))

    def mask(self, text: str) -> str:
        """Returns ``text`` with every secret value replaced."""
        # Until nothing is left: replacing one secret can join the text around it into another
        # (or the same one, when it contains ``***``). Each pass shortens the text, since every
        # secret is longer than the mask, so this ends.
        changed = True
        while changed:
            changed = False
            for secret in self.secrets:
                if secret in text:
                    text = text.replace(secret, MASK)
                    changed = True
        return text

    def mask_data(self, value: Any) -> Any:
        """Masks every string (keys too) inside nested lists and dicts, before serialising them."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask_data(key): self.mask_data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.mask_data(item) for item in value]
        return value

    def mask_value(self, value: T) -> T:
        """The same value, of the same types, with every string in it masked.

        Walks frozen dataclasses (a ``StepResult`` and everything in it), tuples, lists and
        dicts (keys too); enums and numbers are left as they are.
        """
        if not self.secrets:
            return value
        return _masked(self, value)  # type: ignore[no-any-return]

    def mask_all(self, texts: Iterable[str]) -> tuple[str, ...]:
        """Masks each text of a sequence (an argv, say)."""
        return tuple(self.mask(text) for text in texts)


def _masked(masker: Masker, value: Any) -> Any:
    if isinstance(value, enum.Enum):  # Level and Status are str enums: keep them enums
        return value
    if isinstance(value, str):
        return masker.mask(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            spec.name: _masked(masker, getattr(value, spec.name))
            for spec in dataclasses.fields(value)
            if spec.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {_masked(masker, key): _masked(masker, item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_masked(masker, item) for item in value)
    return value


NO_MASKING = Masker()
