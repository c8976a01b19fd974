"""Chronicle's tools, kept out of the product: the benchmark (`bench/`), the demo and the
traffic it publishes (`demo/`, `workload.py`, which the tests publish too) and the documents
generated from the code (`docs/`).

They run from a checkout, as `python -m chronicle_tools` with scripts/ on PYTHONPATH
(scripts/bench, scripts/demo and scripts/docs set it up); `pip install .` installs none of
them and the image holds none. They import the product; the product never imports them.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME = Path(__file__).resolve().parent.parent  # scripts/: where the tools are found
REPO = HOME.parent


def worker_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) for a worker a tool starts as `python -m
    chronicle_tools...`: being uninstalled, the tools are found through PYTHONPATH, and a
    test run puts scripts/ on sys.path only (pytest's `pythonpath`), not in the environment."""
    env = dict(os.environ if env is None else env)
    paths = [str(HOME), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env
