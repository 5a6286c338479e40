"""``ferrox matrix``: the test and build matrices from ``[ci]``, shaped for ``strategy.matrix``."""

from __future__ import annotations

from typing import Any

from ferrox.ci.plan import os_matrix, target_matrix
from ferrox.ci.settings import CiSettings


def matrices(ci: CiSettings) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{"test": {"include": [...]}, "build": {"include": [...]}}`` as the workflows embed them."""
    return {
        "test": {"include": [dict(row) for row in os_matrix(ci.test_os).include]},
        "build": {"include": [dict(row) for row in target_matrix(ci.targets).include]},
    }
