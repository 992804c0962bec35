"""``python -m stackr_faults``: runs the fault-injecting proxy (see the package docstring)."""

import sys

from .cli import main

sys.exit(main())
