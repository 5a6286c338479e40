"""Python project support: installed distributions and the plumbing the Python scanners share."""
