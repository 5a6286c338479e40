"""Coverage data and what is computed from it: parsers (LCOV, coverage.py JSON), the diff of a
change (patch coverage), per-crate and per-file tables, the badge, and the backends that run
cargo-tarpaulin or cargo-llvm-cov. The ``coverage`` step (``steps/coverage.py``) wires them.
"""
