"""``python -m qtool`` is the ``qtool`` command."""
import sys

from .cli import main

sys.exit(main())
