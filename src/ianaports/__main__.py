"""``python -m ianaports``: the same as the ``ianaports`` command."""

from .cli import main

raise SystemExit(main())
