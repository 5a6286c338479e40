"""ferrox: a Rust repository's CI/CD pipeline as nox sessions and invoke tasks."""

from __future__ import annotations

__version__ = "0.1.0"
