"""The normalized benchmark schema every parser produces and the history stores."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Environment:
    """Where a benchmark ran: the fingerprint that decides which results are comparable."""

    cpu_model: str = "unknown"
    cores: int = 0
    kernel: str = "unknown"
    rustc: str = "unknown"
    commit: str = "unknown"
    dirty: bool = False

    @property
    def fingerprint(self) -> str:
        """A short hash of what makes timings comparable: machine and compiler, not the commit."""
        key = f"{self.cpu_model}|{self.cores}|{self.kernel}|{self.rustc}"
        return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Measurement:
    """One benchmark's samples in one unit; lower is better unless said otherwise."""

    suite: str
    benchmark: str
    unit: str
    samples: tuple[float, ...]
    lower_is_better: bool = True
    source: str = ""

    @property
    def key(self) -> str:
        """``suite/benchmark``: the identity used across runs, thresholds and history."""
        return f"{self.suite}/{self.benchmark}"

    @property
    def value(self) -> float:
        """The representative value: the median of the samples."""
        return percentile(self.samples, 50)

    def percentiles(self) -> dict[str, float]:
        """P50 and P99 where samples allow (P99 needs at least 2 samples)."""
        result = {"p50": percentile(self.samples, 50)}
        if len(self.samples) >= 2:
            result["p99"] = percentile(self.samples, 99)
        return result


@dataclass(frozen=True)
class BenchRun:
    """The results of one run of the configured suites, with where and when they ran."""

    environment: Environment
    measurements: tuple[Measurement, ...]
    timestamp: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (schema version, fingerprint, measurements with percentiles)."""
        return {
            "schema": SCHEMA_VERSION,
            "timestamp": self.timestamp,
            "environment": {
                **asdict(self.environment),
                "fingerprint": self.environment.fingerprint,
            },
            "metadata": dict(self.metadata),
            "measurements": [
                {**asdict(m), "samples": list(m.samples), **m.percentiles()}
                for m in self.measurements
            ],
        }


def run_from_dict(data: Mapping[str, Any]) -> BenchRun:
    """The inverse of :meth:`BenchRun.to_dict`; raises ValueError on a malformed record."""
    try:
        env = dict(data["environment"])
        env.pop("fingerprint", None)
        measurements = tuple(
            Measurement(
                suite=str(m["suite"]),
                benchmark=str(m["benchmark"]),
                unit=str(m["unit"]),
                samples=tuple(float(s) for s in m["samples"]),
                lower_is_better=bool(m.get("lower_is_better", True)),
                source=str(m.get("source", "")),
            )
            for m in data["measurements"]
        )
        return BenchRun(
            environment=Environment(**env),
            measurements=measurements,
            timestamp=str(data.get("timestamp", "")),
            metadata={str(k): str(v) for k, v in dict(data.get("metadata", {})).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a benchmark run record: {exc!r}") from exc


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation (numpy's default); NaN when empty."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
