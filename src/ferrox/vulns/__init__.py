"""One vulnerability vocabulary for the dependency scanners (cargo-audit, pip-audit, safety).

``severity`` rates CVSS v3/v4 vectors and scores, ``ignores`` holds the ``[[<step>.ignore]]``
entries and their expiry, ``gates`` the settings and gate checks the three steps share, and
``findings`` the findings of the Python scanners (one advisory at one requirements line).
"""
