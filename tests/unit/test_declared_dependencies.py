"""Every third-party package the code imports is declared in pyproject.toml, in the right place:
the application's packages only use `dependencies`, the tests and benchmarks may also use the
`dev` and `bench` extras; and nothing is a default dependency that the code never needs."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPLICATION = ("api", "engine", "storage", "forms", "server", "web")
#: Default dependencies used without an import statement of their own.
USED_INDIRECTLY = {
    "psycopg": "the PostgreSQL driver SQLAlchemy loads for postgresql:// URLs",
}


_NOT_PACKAGES = frozenset({"__future__", "_typeshed"})


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    found = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
        assert match, requirement
        found.add(_canonical(match.group()))
    return found


@cache
def _project() -> dict[str, set[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {"default": _names(project["dependencies"])}
    for extra, requirements in project["optional-dependencies"].items():
        declared[extra] = _names(requirements)
    return declared


def _imported_distributions(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Distribution name -> the files importing it, for every top-level third-party import."""
    local = {path.name for path in REPO.iterdir() if (path / "__init__.py").exists()}
    owners = packages_distributions()
    found: dict[str, set[str]] = {}
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                modules: list[str] = []
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                for module in modules:
                    top = module.split(".")[0]
                    # _typeshed exists only for type checkers (imported under TYPE_CHECKING)
                    if top in sys.stdlib_module_names or top in local or top in _NOT_PACKAGES:
                        continue
                    for distribution in owners.get(top, [top]):
                        where = str(path.relative_to(REPO))
                        found.setdefault(_canonical(distribution), set()).add(where)
    return found


def test_the_application_imports_only_default_dependencies() -> None:
    undeclared = {
        name: sorted(files)
        for name, files in _imported_distributions(APPLICATION).items()
        if name not in _project()["default"]
    }
    assert undeclared == {}, "declare these in [project] dependencies"


@pytest.mark.parametrize(
    ("packages", "extras"), [(("tests",), ("dev",)), (("bench",), ("dev", "bench"))]
)
def test_tests_and_benchmarks_import_only_declared_packages(
    packages: tuple[str, ...], extras: tuple[str, ...]
) -> None:
    allowed = _project()["default"].union(*(_project()[extra] for extra in extras))
    undeclared = {
        name: sorted(files)
        for name, files in _imported_distributions(packages).items()
        if name not in allowed
    }
    assert undeclared == {}, f"declare these in the {'/'.join(extras)} extra"


def test_every_default_dependency_is_needed_by_the_application() -> None:
    used = set(_imported_distributions(APPLICATION)) | set(USED_INDIRECTLY)
    unused = _project()["default"] - used
    assert unused == set(), "make these optional extras (or say in USED_INDIRECTLY why not)"


def test_the_redis_client_is_an_extra() -> None:
    """Rate-limit counters live in memory by default; Redis is for several workers only."""
    assert "redis" not in _project()["default"]
    assert "redis" in _project()["redis"]
