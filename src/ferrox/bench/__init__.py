"""Benchmarks: parsers, one schema, statistics, paired A/B runs, history, change points, reports.

Every module here is pure (data in, data out) except ``runner``, ``harness``, ``environment``,
``issue`` and the gate modes of ``modes/``, which run tools through
:class:`ferrox.tools.ToolRunner` (or call the GitHub API). numpy and scipy are imported only by
the modules that compute, so ``ferrox list`` and the other steps stay fast.
"""
