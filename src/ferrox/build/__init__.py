"""Cross-building release binaries: the target model, strategies, smoke runs and archives.

``targets`` (which triples, built how, run how), ``archive`` (reproducible tar.gz/zip and
SHA256SUMS), ``smoke`` (running a built binary where this host can) and ``cargo_build`` (one
target's build through cargo, cargo-zigbuild or cross). The ``build`` step wires them together.
"""
