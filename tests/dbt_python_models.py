"""Import the functions of a dbt Python model (dbt_project/models/**/NAME.py) for unit tests.

dbt runs these files itself; their functions are plain Python, so tests call them directly."""

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

MODELS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "models"


@cache
def load_model(name: str) -> ModuleType:
    (path,) = MODELS_DIR.rglob(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"dbt_model_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
