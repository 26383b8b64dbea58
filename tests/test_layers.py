"""The package's shape holds: one-way layers (the import-linter contracts in pyproject.toml), no cycle between its
packages, no import of its own modules hidden inside a function, one catalogue of data names, and the modules the
command line reads at start (config, objectives, catalogue) loading without torch."""

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

from gandojo.catalogue import DATA
from gandojo.data.base import Dataset
from gandojo.data.images import BUNDLED_IMAGES
from gandojo.data.toy import TOY_DATA

SRC = Path(__file__).resolve().parent.parent / "src" / "gandojo"


def test_the_layer_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=SRC.parent.parent, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "broken" in done.stdout and "0 broken" in done.stdout


def package_graph() -> dict[str, set[str]]:
    """Which top-level package imports which, counting every import statement (those inside functions too; not
    those under ``if TYPE_CHECKING``, which only name types for annotations)."""
    graph = grimp.build_graph("gandojo", include_external_packages=False, exclude_type_checking_imports=True)
    top = lambda module: ".".join(module.split(".")[:2])  # noqa: E731
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if top(module) != top(imported) and "gandojo" not in (module, imported):
                edges[top(module)].add(top(imported))
    return edges


def test_no_cycle_between_packages():
    edges = package_graph()

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    cycles = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if reaches(b, a)})
    assert not cycles, f"packages that import each other: {cycles}"


# Deliberately deferred imports of gandojo's own modules: none. (Third-party imports may wait inside a function
# where they cost start-up time and only one path needs them: POT, scikit-learn, PIL, optional extras.)
ALLOWED_INNER = {"gandojo/__init__.py"}


def test_no_import_of_gandojo_hides_inside_a_function():
    hidden = []
    for path in sorted(SRC.rglob("*.py")):
        relative = str(path.relative_to(SRC.parent))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    module = (inner.module if isinstance(inner, ast.ImportFrom) else
                              inner.names[0].name if isinstance(inner, ast.Import) else None)
                    if module and module.split(".")[0] == "gandojo" and relative not in ALLOWED_INNER:
                        hidden.append(f"{relative}:{inner.lineno} imports {module}")
    assert not hidden, hidden


def test_the_catalogue_names_what_the_loaders_load():
    assert set(DATA) == set(TOY_DATA) | set(BUNDLED_IMAGES)
    for name, loader in {**TOY_DATA, **BUNDLED_IMAGES}.items():
        data = loader(image_size=16) if name in BUNDLED_IMAGES else loader()
        assert isinstance(data, Dataset)
        assert (data.kind, data.benchmark) == (DATA[name].kind, DATA[name].benchmark), name


@pytest.mark.parametrize("module", ["gandojo.config", "gandojo.objectives", "gandojo.catalogue", "gandojo.cli"])
def test_what_the_command_line_reads_at_start_loads_without_torch(module):
    code = f"import sys, {module}; print(sorted(m for m in ('torch', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stderr
