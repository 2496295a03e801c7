"""The house's plan, held by a test: each module of the package imports only from its
own layer or the layers below it, at the top of the file or inside a function alike,
with no cycle; Whoosh, Typer and Rich are imported only where README's code map says;
no module or function grows past the size one can hold in one's head unless README's
code map says why."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conflictcli"
README = PACKAGE.parent / "README.md"

# lowest first; a module is in the layer of the longest prefix that names it
LAYERS: list[tuple[str, ...]] = [
    ("conflictcli", "errors", "choices", "folders", "keys", "settings", "workers"),
    (
        "articles",
        "dates",
        "readers",
        "analysis",
        "gazetteer",
        "timeline",
        "query",
        "names",
        "name_forms",
        "language",
        "ukrainian",
        "placing",
        "place_words",
        "within",
        "filters",
        "spelling",
    ),
    ("engine", "store", "stories"),
    ("records",),
    (
        "archive",
        "pages",
        "searching",
        "counting",
        "watching",
        "holdings",
        "completing",
        "opening",
        "ingest",
        "reading",
        "filing",
        "removing",
        "team",
        "copying",
        "check",
        "charts",
        "suggesting",
    ),
    ("output",),
    ("web",),
    ("cli", "__main__"),
]
# third-party packages that only some parts of the package may import
CONFINED = {
    "whoosh": ("engine.whoosh",),
    "tantivy": ("engine.tantivy",),
    "psycopg": ("engine.postgres",),
    "typer": ("cli",),
    "click": ("cli",),
    "rich": ("output", "cli"),
    "starlette": ("web",),
    "jinja2": ("web",),
    "markupsafe": ("web",),
    "uvicorn": ("cli.serve",),
    "numpy": ("engine.whoosh.fast", "stories"),
    "vl_convert": ("charts",),
    "xlsxwriter": ("output.excel",),
    "rapidfuzz": ("spelling",),
    "platformdirs": ("folders",),
}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _layer(module: str) -> int:
    inner = module.split(".", 1)[1] if "." in module else "conflictcli"
    best, found = -1, -1
    for n, names in enumerate(LAYERS):
        for name in names:
            if (inner == name or inner.startswith(name + ".")) and len(name) > best:
                best, found = len(name), n
    assert found >= 0, f"{module} is in no layer: add it to LAYERS and README's code map"
    return found


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Every module this one imports (of the package or not), with the line: at the
    top, inside functions, and under TYPE_CHECKING alike."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for a in node.names:  # `from pkg import module` names a module
                full = f"{base}.{a.name}"
                out.append((full if full in MODULES else base, node.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for name, _ in _imports(module, path):
            if name in MODULES and name != module:
                graph[module].add(name)
    return graph


def test_every_module_imports_only_from_its_layer_or_below() -> None:
    upward = []
    for module, path in MODULES.items():
        for name, line in _imports(module, path):
            if name in MODULES and _layer(name) > _layer(module):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} -> {name}")
    assert not upward, "imports reach up a layer:\n" + "\n".join(upward)


def test_no_import_cycle() -> None:
    graph = _graph()
    cycles = []
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(" -> ".join([*trail[trail.index(n) :], n]))
            elif n not in state:
                visit(n, [*trail, n])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


@pytest.mark.parametrize("package", sorted(CONFINED))
def test_third_party_packages_stay_where_they_belong(package: str) -> None:
    allowed = CONFINED[package]
    strays = []
    for module, path in MODULES.items():
        inner = module.split(".", 1)[1] if "." in module else ""
        if any(inner == a or inner.startswith(a + ".") for a in allowed):
            continue
        for name, line in _imports(module, path):
            if name == package or name.startswith(package + "."):
                strays.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert not strays, f"{package} imported outside {', '.join(allowed)}:\n" + "\n".join(strays)


def _exceptions() -> dict[str, str]:
    """The modules and functions README's code map lets grow past the rule, with why:
    lines of the form `- conflictcli/x.py (N lines): why` or `- x.py: f() (N lines): why`
    under the heading 'Larger than the rule'."""
    text = README.read_text("utf-8")
    section = text.split("Larger than the rule", 1)[1].split("\n#", 1)[0]
    return {
        m.group(1).strip(): m.group(2)
        for m in re.finditer(r"^- `([^`]+)`[^:]*: (.+)$", section, re.MULTILINE)
    }


def test_modules_and_functions_stay_small_or_say_why() -> None:
    allowed = _exceptions()
    big = []
    for path in MODULES.values():
        rel = str(path.relative_to(PACKAGE.parent))
        source = path.read_text("utf-8")
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES and rel not in allowed:
            big.append(f"{rel}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                name = f"{rel}: {node.name}()"
                if length > MAX_FUNCTION_LINES and name not in allowed:
                    big.append(f"{name}: {length} lines")
    assert not big, "past the rule and not in README's 'Larger than the rule' list:\n" + "\n".join(
        big
    )


def test_the_layers_are_the_ones_readme_draws() -> None:
    """README's code map names each layer's modules, as LAYERS does."""
    text = README.read_text("utf-8")
    text = text.split("## How the code is laid out", 1)[1].split("### Larger than the rule", 1)[0]
    for names in LAYERS:
        for name in names:
            if name != "conflictcli":
                assert f"{name.replace('.', '/')}" in text, f"README's code map lacks {name}"
