"""Severities: CVSS v3.x/v4.0 vectors to base scores, base scores to FIRST's qualitative ratings."""

from __future__ import annotations

import enum

# The vector names its own version; it is the only spelling trusted (OSV's ``type`` tag and
# RustSec's field name both carry the same vector, and a tag can disagree with its vector).
CVSS4_PREFIX = "CVSS:4.0/"
CVSS3_PREFIXES = ("CVSS:3.0/", "CVSS:3.1/")


class Severity(str, enum.Enum):
    """CVSS v3/v4 qualitative rating (``unknown`` when the advisory has no usable score)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"
    UNKNOWN = "unknown"


# What an unscored advisory may be counted as (``unknown_severity``).
ASSUMABLE = ("critical", "high", "medium", "low")


def cvss_version(vector: str) -> int | None:
    """3 or 4 for a CVSS v3.x or v4.0 vector (by its prefix), None for anything else."""
    if vector.startswith(CVSS4_PREFIX):
        return 4
    if vector.startswith(CVSS3_PREFIXES):
        return 3
    return None


def cvss_score(vector: str | None) -> float | None:
    """The base score of a CVSS v3.x or v4.0 vector (None when it cannot be parsed)."""
    version = cvss_version(vector or "")
    if vector is None or version is None:
        return None
    # Imported here: only steps that found something pay for the import.
    from cvss import CVSS3, CVSS4  # noqa: PLC0415
    from cvss.exceptions import CVSSError  # noqa: PLC0415

    try:
        if version == 4:
            return float(CVSS4(vector).base_score)
        return float(CVSS3(vector).scores()[0])
    except (CVSSError, ValueError, KeyError):
        return None


def severity_of_score(score: float | None) -> Severity:
    """The qualitative rating of a CVSS v3/v4 base score (FIRST's table: 0.0 is none)."""
    if score is None:
        return Severity.UNKNOWN
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.NONE


def severity_of_vector(vector: str | None) -> tuple[Severity, float | None]:
    """The rating and base score of a vector; ``unknown`` and None when it has none."""
    score = cvss_score(vector)
    return severity_of_score(score), score
