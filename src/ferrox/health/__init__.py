"""Repository health: the score, its inputs, its history and its reports (the ``health`` step)."""
