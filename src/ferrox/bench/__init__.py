"""Benchmarks: parsers, one schema, statistics, paired A/B runs, history, change points, reports.

Every module here is pure (data in, data out) except ``paired``, ``instructions`` and
``environment``, which run tools through :class:`ferrox.tools.ToolRunner`. numpy and scipy are
imported only by the modules that compute, so ``ferrox list`` and the other steps stay fast.
"""
