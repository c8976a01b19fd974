"""The producer package (clients/python), imported from its folder as a user of a checkout
would after `pip install ./clients/python`: it is not installed in Chronicle's own venv."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"


def load(module: str = "chronicle_producer") -> ModuleType:
    if str(CLIENT) not in sys.path:
        sys.path.insert(0, str(CLIENT))
    return importlib.import_module(module)
