"""Incremental runs: what a step's verdict depends on (its key), the result cache, the order."""
