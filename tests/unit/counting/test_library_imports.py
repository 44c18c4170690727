"""The counting library is what its docstring says: standard library, NumPy where it names,
nothing else of Rada, and no two of its modules importing each other (however hidden)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import rada.counting

PACKAGE = Path(rada.counting.__file__).parent


def _modules() -> dict[str, set[str]]:
    """Every module of rada.counting and every module it imports, anywhere in its body
    (inside functions and under TYPE_CHECKING too: a hidden circle is still a circle)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
        found[name] = imported
    return found


MODULES = _modules()


def test_counting_imports_the_standard_library_and_numpy_only_where_its_docstring_says() -> None:
    numpy_users = set()
    for module, imported in MODULES.items():
        for name in imported:
            root = name.split(".")[0]
            if root == "numpy":
                numpy_users.add(module)
            elif root == "rada":
                assert name.startswith("rada.counting"), f"{module} imports {name}"
            else:
                assert root in sys.stdlib_module_names or root == "__future__", (module, name)
    assert numpy_users == {
        "rada.counting.mes",
        "rada.counting.committee",
        "rada.counting.budget",
        "rada.counting.pb",
        "rada.counting.formats.pabulib",
    }
    for module in numpy_users:  # each is named in the package's docstring
        assert f"~{module}`" in (rada.counting.__doc__ or ""), module


def test_no_two_counting_modules_import_each_other() -> None:
    graph = {m: {n for n in imported if n in MODULES and n != m} for m, imported in MODULES.items()}
    # Depth-first search for a cycle, naming it if there is one.
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [module, nxt]
                raise AssertionError("import circle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
