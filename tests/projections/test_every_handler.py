"""Every handler of every read model has a projector spec: a spec in
tests/projections/<model>/ that covers one of the event classes the handler handles."""

import importlib
import pkgutil
from pathlib import Path

import pytest

from projections.registry import PROJECTIONS

pytestmark = pytest.mark.unit

HERE = Path(__file__).parent


def covered() -> dict[str, set[type]]:
    """Per read model (its folder's name), the event classes its specs cover."""
    found: dict[str, set[type]] = {}
    for folder in sorted(p for p in HERE.iterdir() if (p / "__init__.py").exists()):
        for module in pkgutil.iter_modules([str(folder)]):
            specs = importlib.import_module(f"tests.projections.{folder.name}.{module.name}")
            for spec in vars(specs).values():
                found.setdefault(folder.name, set()).update(getattr(spec, "covers", ()))
    return found


def test_every_spec_folder_is_a_read_models():
    assert set(covered()) <= set(PROJECTIONS), "a folder of specs names no read model"


def test_every_handler_of_every_read_model_has_a_spec():
    specs = covered()
    missing = {
        f"{name}.{handler}": [k.__name__ for k in handles]
        for name, model in PROJECTIONS.items()
        for handler, handles in model.handled().items()
        if not set(handles) & specs.get(name, set())
    }
    assert missing == {}, f"handlers without a spec in tests/projections/<model>/: {missing}"
