"""What every parser shares: the error it raises on input it cannot trust."""

from __future__ import annotations


class ParseError(ValueError):
    """The input is not in the documented format (a caller must fail closed, not pass)."""
