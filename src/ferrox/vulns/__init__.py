"""One vulnerability vocabulary for the dependency scanners (cargo-audit, pip-audit, safety)."""
