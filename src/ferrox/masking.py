"""Secret masking: values of secret-looking environment variables never reach any output."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL", re.IGNORECASE)
MASK = "***"
# Very short values ("1", "on", "yes") would turn every number and word in a log into "***",
# making output useless without protecting anything; GitHub's own masking has the same floor.
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True)
class Masker:
    """Replaces every known secret value in a text with ``***``."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def from_environment(cls, env: Mapping[str, str], extra_names: Iterable[str] = ()) -> Masker:
        """Collects the values of variables named like secrets, plus the explicitly listed ones."""
        extra = {name.upper() for name in extra_names}
        values = {
            value
            for name, value in env.items()
            if (SECRET_NAME.search(name) or name.upper() in extra)
            and len(value) >= MIN_SECRET_LENGTH
        }
        # Longest first, so a secret that contains another is replaced whole.
        return cls(tuple(sorted(values, key=len, reverse=True)))

    def mask(self, text: str) -> str:
        """Returns ``text`` with every secret value replaced."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def mask_data(self, value: Any) -> Any:
        """Masks every string inside nested lists and dicts (before they are serialised)."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {key: self.mask_data(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.mask_data(item) for item in value]
        return value

    def mask_all(self, texts: Iterable[str]) -> tuple[str, ...]:
        """Masks each text of a sequence (an argv, say)."""
        return tuple(self.mask(text) for text in texts)


NO_MASKING = Masker()
