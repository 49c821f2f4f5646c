"""Imports follow the flow of data: ingest/ and publish/ are plain libraries that know nothing of
what runs after them. The Dagster layer (orchestration/defs/ and every module that imports
dagster) uses them, never the other way round; ingest/ knows nothing of publish/."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "orchestration"
DAGSTER = ("dagster", "dagster_dbt")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_names(module: str) -> set[str]:
    """Every module name an import statement in the module names, also those inside functions;
    `from a import b` names both a and, when it is a module, a.b."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def with_parents(name: str) -> set[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py too."""
    parts = name.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts) + 1)}


def reached(module: str) -> set[str]:
    """The project's modules that importing `module` may run, itself left out."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for name in imported_names(todo.pop()):
            for found in with_parents(name) & MODULES.keys():
                if found not in seen:
                    seen.add(found)
                    todo.append(found)
    return seen - {module}


def is_dagster_layer(module: str) -> bool:
    return module.startswith("orchestration.defs") or any(
        name.split(".")[0] in DAGSTER for name in imported_names(module)
    )


def plain(package: str) -> list[str]:
    return sorted(name for name in MODULES if name.startswith(package))


def test_the_dagster_layer_is_found():
    # the test would pass vacuously if it recognised no Dagster module
    assert is_dagster_layer("orchestration.definitions")
    assert any(name.startswith("orchestration.defs.") for name in MODULES)


@pytest.mark.parametrize("module", plain("orchestration.ingest") + plain("orchestration.publish"))
def test_plain_libraries_never_reach_the_dagster_layer(module):
    layer = sorted(name for name in {module} | reached(module) if is_dagster_layer(name))
    assert layer == [], f"{module} imports the Dagster layer: {layer}"


@pytest.mark.parametrize("module", plain("orchestration.ingest"))
def test_ingest_knows_nothing_of_publishing(module):
    later = sorted(name for name in reached(module) if name.startswith("orchestration.publish"))
    assert later == [], f"{module} imports what runs after it: {later}"
