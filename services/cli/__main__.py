"""`python -m services.cli` is the `chronicle` command (services run themselves so)."""

import sys

from services.cli import main

sys.exit(main())
