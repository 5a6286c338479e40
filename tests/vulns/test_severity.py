"""vulns.severity: CVSS v3/v4 vectors to scores, scores to FIRST's ratings, one v4 rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ferrox.python import osv_local
from ferrox.vulns.severity import (
    Severity,
    cvss_score,
    cvss_version,
    severity_of_score,
    severity_of_vector,
)

V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.mark.parametrize(
    ("vector", "severity", "score"),
    [
        (V3, "critical", 9.8),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "high", 7.5),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "high", 8.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", "medium", 5.3),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "medium", 6.1),
        ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "low", 1.8),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "low", 1.6),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "none", 0.0),
        (V4, "critical", 9.3),
        ("CVSS:3.1/AV:X/garbage", "unknown", None),
        ("CVSS:3.1/garbage", "unknown", None),
        ("CVSS:4.0/AV:N/garbage", "unknown", None),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "unknown", None),  # CVSS v2: no score of ours
        ("not a vector", "unknown", None),
        ("", "unknown", None),
        (None, "unknown", None),
    ],
)
def test_vectors_become_scores_and_severities(
    vector: str | None, severity: str, score: float | None
) -> None:
    assert severity_of_vector(vector) == (Severity(severity), score)


@pytest.mark.parametrize(
    ("score", "severity"),
    [(10.0, "critical"), (9.0, "critical"), (8.9, "high"), (7.0, "high"), (6.9, "medium"),
     (4.0, "medium"), (3.9, "low"), (0.1, "low"), (0.0, "none"), (None, "unknown")],
)  # fmt: skip
def test_scores_follow_firsts_table(score: float | None, severity: str) -> None:
    assert severity_of_score(score) is Severity(severity)


@pytest.mark.parametrize(
    ("vector", "version"),
    [
        (V4, 4),
        (V3, 3),
        ("CVSS:3.0/AV:N", 3),
        # Only the exact prefix counts: a future or misspelt version is not scored as v4.
        ("CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", None),
        ("cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", None),
        ("CVSS:4.0", None),
        ("AV:N/AC:L/Au:N/C:P/I:P/A:P", None),
    ],
)
def test_the_vector_prefix_names_the_version(vector: str, version: int | None) -> None:
    assert cvss_version(vector) == version
    if version is None:
        assert cvss_score(vector) is None


@pytest.mark.parametrize("osv_type", ["CVSS_V4", "CVSS_V3"])
def test_rustsec_and_osv_agree_on_a_v4_vector(tmp_path: Path, osv_type: str) -> None:
    # RustSec carries the vector in ``cvss``; OSV in a severity entry tagged with its type. The
    # tag is not trusted: a v4 vector under a CVSS_V3 tag is still scored as v4, as audit does.
    advisory = {
        "id": "GHSA-v4",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "p"}, "versions": ["1"]}],
        "severity": [{"type": osv_type, "score": V4}],
    }
    (tmp_path / "a.json").write_text(json.dumps(advisory))
    osv = osv_local.load(tmp_path).severity("GHSA-v4")
    assert osv == severity_of_vector(V4) == (Severity.CRITICAL, 9.3)
