"""The licenses of the distributions installed in a Python environment, read by its interpreter.

The interpreter (the project's virtualenv, not ferrox's own) runs a small probe through the
ToolRunner that prints each distribution's core metadata as JSON: ``License-Expression``
(PEP 639), ``License`` and the ``License ::`` classifiers. Turning those into one SPDX
expression happens here, in ferrox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrox.errors import ToolOutputError
from ferrox.tools import ToolRunner

PROBE_TIMEOUT_S = 120.0
# Runs in the target interpreter with -I (no user site, no PYTHONPATH): stdlib only.
PROBE = """
import json, sys
from importlib import metadata
paths = sys.argv[1:] or None
found = []
for dist in (metadata.distributions(path=paths) if paths else metadata.distributions()):
    meta = dist.metadata
    found.append({
        "name": meta.get("Name") or "",
        "version": meta.get("Version") or "",
        "license_expression": meta.get("License-Expression"),
        "license": meta.get("License"),
        "classifiers": [
            c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")
        ],
        "path": str(getattr(dist, "_path", "") or ""),
    })
json.dump(found, sys.stdout)
"""
# Trove classifiers that name one SPDX license; vaguer ones ("BSD License", "OSI Approved")
# say too little and leave the license unknown.
OSI = "License :: OSI Approved :: "
CLASSIFIERS = {
    OSI + "MIT License": "MIT",
    OSI + "MIT No Attribution License (MIT-0)": "MIT-0",
    OSI + "Apache Software License": "Apache-2.0",
    OSI + "ISC License (ISCL)": "ISC",
    OSI + "zlib/libpng License": "Zlib",
    OSI + "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    OSI + "Python Software Foundation License": "PSF-2.0",
    OSI + "The Unlicense (Unlicense)": "Unlicense",
    OSI + "GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    OSI + "GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    OSI + "GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    OSI + "GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    OSI + "GNU Affero General Public License v3": "AGPL-3.0-only",
    OSI + "GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    OSI + "GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    OSI + "GNU Library or Lesser General Public License (LGPL)": "LGPL-2.0-or-later",
    OSI + "GNU General Public License (GPL)": "GPL-2.0-or-later",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}
_MAX_LICENSE_FIELD = 80  # longer License fields hold the license text, not its name


@dataclass(frozen=True)
class Distribution:
    """One installed distribution and the license declarations its metadata holds."""

    name: str
    version: str
    # (expression, where it came from), best first; empty when nothing usable is declared.
    candidates: tuple[tuple[str, str], ...]
    vague: str
    metadata_path: Path | None


def read_distributions(
    runner: ToolRunner, python: Path | str, paths: tuple[Path, ...], cwd: Path
) -> tuple[Distribution, ...]:
    """Every distribution the interpreter sees (only those under ``paths`` when given)."""
    done = runner.run(
        str(python),
        ["-I", "-c", PROBE, *(str(path) for path in paths)],
        cwd=cwd,
        timeout=PROBE_TIMEOUT_S,
        hint="set [licenses] python to the interpreter of the environment to check",
    )
    if done.returncode != 0:
        raise ToolOutputError.of(
            done, f"the metadata probe failed in {python} (exit {done.returncode})", "python"
        )
    try:
        records = json.loads(done.stdout)
        return tuple(_distribution(record) for record in records)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ToolOutputError.of(
            done, f"the metadata probe printed unexpected output ({exc!r})", "python"
        ) from exc


def _distribution(record: dict[str, Any]) -> Distribution:
    classifiers = [str(c) for c in record.get("classifiers") or ()]
    path = _text(record.get("path"))
    return Distribution(
        name=str(record["name"]),
        version=str(record["version"]),
        candidates=candidates(
            _text(record.get("license_expression")), _text(record.get("license")), classifiers
        ),
        vague="; ".join(c for c in classifiers if c not in CLASSIFIERS),
        metadata_path=Path(path) / "METADATA" if path else None,
    )


def candidates(
    expression: str | None, license_field: str | None, classifiers: list[str]
) -> tuple[tuple[str, str], ...]:
    """The declared licenses as SPDX expression candidates, best first, with their source.

    ``License-Expression`` (PEP 639) first; then a short ``License`` field taken as an
    expression; then the classifiers joined with OR (several license classifiers mean a choice).
    """
    found: list[tuple[str, str]] = []
    if expression and expression.strip():
        found.append((expression.strip(), "License-Expression"))
    short = (license_field or "").strip()
    if (
        short
        and "\n" not in short
        and len(short) <= _MAX_LICENSE_FIELD
        and short.upper() != "UNKNOWN"
    ):
        found.append((short, "License"))
    mapped = [CLASSIFIERS[c] for c in classifiers if c in CLASSIFIERS]
    if mapped:
        found.append((" OR ".join(dict.fromkeys(mapped)), "classifiers"))
    return tuple(found)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
