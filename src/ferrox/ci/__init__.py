"""GitHub Actions workflows generated from the step registry and ``[ci]``: ``ferrox init``.

``settings`` ([ci] table), ``actions`` (the pinned action table), ``model`` (the typed workflow),
``workflows`` (the workflow kinds a step can run in), ``plan`` (the steps' placements + config ->
workflows), ``render`` (jinja2 templates), ``matrix``, ``files`` (what init writes, drift check),
``parity`` (workflows vs ``nox --list``), ``cache_key``, ``requirements`` (hash-pinned
ci/requirements.txt).
"""
