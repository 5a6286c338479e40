"""git's ref-name rules (``git check-ref-format``), checked before a name reaches git.

Tags and branches come from repository content (``tag_prefix``, ``tag_pattern``, crate names and
versions): a name git would refuse must stop the plan with exit 2, not fail after the release
commit; a name that could be read as an option or as a refspec (``a:b``) must never reach git.
"""

from __future__ import annotations

import re

# Control characters, space, and ~ ^ : ? * [ \ (check-ref-format's rules 4 and 5), and DEL.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def ref_problem(name: str) -> str | None:
    """Why ``name`` is not a valid branch or tag name (None when it is)."""
    parts = name.split("/")
    bad = _FORBIDDEN.search(name)
    rules = (
        (not name, "it is empty"),
        (name.startswith("-"), "it starts with '-' (it would be read as an option)"),
        (bad is not None, f"it contains {bad[0] if bad else ''!r} (no spaces, control "
         "characters or ~ ^ : ? * [ \\)"),
        (".." in name or "@{" in name or "//" in name, "it contains '..', '@{' or '//'"),
        (name == "@" or name.startswith("/") or name.endswith(("/", ".")),
         "it is '@', or starts with '/', or ends with '/' or '.'"),
        (any(p.startswith(".") or p.endswith(".lock") for p in parts),
         "a '/'-separated part starts with '.' or ends with '.lock'"),
    )  # fmt: skip
    return next((why for broken, why in rules if broken), None)
