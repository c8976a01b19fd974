"""`python -m chronicle_tools`: what scripts/bench, scripts/demo and scripts/docs run."""

import sys

from chronicle_tools.cli import main

sys.exit(main())
