"""`python -m ferrox` is the `ferrox` command."""

from __future__ import annotations

import sys

from ferrox.cli import main

sys.exit(main())
