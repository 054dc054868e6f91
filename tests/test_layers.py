"""The layering rule of docs/ARCHITECTURE.md, checked: every module of costcalc/ belongs to one layer and
imports only from its own layer or the layers below it. The imports are read with `ast` (no code runs), at
any depth, so an import inside a function counts like one at the top of the file."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A module belongs to the entry that names it or its closest enclosing package.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # Shared helpers with no knowledge of prices or workloads: errors, exact money, safe file reads, YAML
    # nodes with line numbers, value parsing, months and zones, the decimal frame dtype, plain-text tables,
    # and the names of the tokenizers (data only: the price table names one per model, so prices need them);
    # the user's cache folder (_cache: the parsed price table and the vocabularies are kept there); the cyclic
    # garbage collector off while a big result is built (_gc).
    ("base", ("errors", "money", "_files", "_cache", "_json", "_gc", "_parse", "_yamlnodes", "_validate",
              "calendar", "text_tables", "frames", "tokens.tokenizers")),
    # The price table: loading, linting, resolution of one request to its rates, quotes, community imports.
    ("prices", ("prices",)),
    # Token counting (tiktoken encodings, files and messages), which needs a model's tokenizer from prices.
    ("tokens", ("tokens",)),
    # What the user describes: workload profiles, plans and budgets, months, currency rates, token units.
    ("inputs", ("workloads", "workload_plans", "token_units", "fx", "cost_cases", "budgets", "summary", "planning")),
    # Pure computation on those inputs: the projection, what-if analyses, usage logs read into the normalized
    # frame, re-priced and totalled.
    # The price table compiled for engines (plan, SQL, engine sums back into partials) is computation too.
    ("computation", ("projection", "shapes", "whatif", "breakeven", "usage", "engines")),
    # Renderers: the canonical document and every format drawn from it (charts too).
    ("report", ("report", "plot")),
    # The library's edges, where files, the clock and the network are read: the notebook API, community
    # price tables, JSON Schemas for editors.
    # The engines that run the compiled price plan (DuckDB, Spark) are edges too: they read files and tables.
    ("api", ("api", "api_prices", "api_usage", "api_engines", "api_jobs", "community", "schemas", "engines.duckdb",
             "engines.duckdb_files", "engines.spark")),
    # The command line, which calls the library.
    ("cli", ("cli", "__main__")),
]

# Imports that break the rule, each with the work that removes it (none today; whatif's imports of api and
# report went with issue 13). The test fails when one of them goes away, so the list shrinks with the code.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _executed_at_import(tree: ast.Module):
    """The import statements that run when the module is imported: module level (inside try/if too), not in
    functions or classes' methods, and not under `if TYPE_CHECKING:` (annotations only)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]


@cache
def parsed(path: Path) -> tuple[list[str], ast.Module]:
    """A module's lines and syntax tree, read and parsed once for every check of this file."""
    text = path.read_text(encoding="utf-8")
    return text.split("\n"), ast.parse(text, str(path))


@cache
def imports_of(package: Path, at_import_only: bool = False) -> dict[str, set[str]]:
    """module -> the costcalc modules it imports (dotted, without the `costcalc.` prefix; "" is the package
    itself, e.g. `from . import __version__`): at any depth, or with `at_import_only` those that run when the
    module is imported (what can make an import cycle)."""
    files = {module_name(p, package): p for p in package.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        here = name.split(".") if name else []
        if not is_package:
            here = here[:-1]
        targets: set[str] = set()
        tree = parsed(path)[1]
        for node in (_executed_at_import(tree) if at_import_only else ast.walk(tree)):
            if isinstance(node, ast.Import):
                absolute, bases, names = True, [a.name for a in node.names], []
            elif isinstance(node, ast.ImportFrom) and node.level:
                anchor = here[:len(here) - (node.level - 1)]
                absolute, bases = False, [".".join(anchor + ([node.module] if node.module else []))]
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                absolute, bases, names = True, [node.module or ""], [a.name for a in node.names]
            else:
                continue
            for base in bases:
                if absolute:
                    if base != package.name and not base.startswith(package.name + "."):
                        continue  # not ours
                    base = base[len(package.name) + 1:]
                # `from .report import document` imports a module; `from .summary import cents` a name
                submodules = [f"{base}.{n}" if base else n for n in names]
                hits = [m for m in submodules if m in files]
                targets.update(hits or [base])
        found[name] = targets - {name}
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The modules that import each other round a loop (strongly connected groups of two or more), each
    group sorted. A package's `__init__` ("" for costcalc itself) is left out: importing a submodule runs it
    first anyway, so `from . import x` there is no cycle of ours."""
    graph = {m: {t for t in ts if t and t in graph} for m, ts in graph.items() if m}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm; the package has a few hundred modules
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(groups)


def layer_of(module: str) -> int | None:
    best, best_len = None, -1
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if (module == member or module.startswith(member + ".")) and len(member) > best_len:
                best, best_len = index, len(member)
    return best


def violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(importer, imported) pairs where a module imports from a layer above its own. The package itself
    (costcalc/__init__.py) is the facade: it imports names lazily and may be imported for __version__."""
    bad = set()
    for module, targets in graph.items():
        if not module:
            continue
        for target in targets:
            above = layer_of(target) is not None and layer_of(target) > (layer_of(module) or 0)
            if target and target != module and above:
                bad.add((module, target))
    return bad


def _layer_name(module: str) -> str:
    index = layer_of(module)
    return "no layer" if index is None else LAYERS[index][0]


def _fmt(pairs) -> str:
    return "\n".join(f"  {a} ({_layer_name(a)}) imports {b} ({_layer_name(b)})" for a, b in sorted(pairs))


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in imports_of(ROOT / "costcalc") if m and layer_of(m) is None)
    assert not unplaced, f"place these modules in a layer in tests/test_layers.py and docs/ARCHITECTURE.md: {unplaced}"


def test_no_module_imports_from_a_layer_above_its_own():
    bad = violations(imports_of(ROOT / "costcalc"))
    new = bad - KNOWN_EXCEPTIONS
    assert not new, "imports against the layering rule (docs/ARCHITECTURE.md):\n" + _fmt(new)
    gone = KNOWN_EXCEPTIONS - bad
    assert not gone, f"these known exceptions no longer happen: remove them from KNOWN_EXCEPTIONS: {sorted(gone)}"


def test_the_walker_sees_top_level_relative_and_function_level_imports():
    graph = imports_of(ROOT / "costcalc")
    assert "prices.resolve" in graph["projection"]          # from .prices.resolve import ...
    assert "report.document" in graph["report.xlsx"]        # from .document import ... (sibling)
    assert "report.html" in graph["report.estimate"]        # inside a function (lazy: per format)
    assert "money" in graph["report"]                       # from ..money in a package's __init__


def test_a_forbidden_import_is_reported(tmp_path):
    """A copy of the rule's shape on a tiny package: prices importing usage (two layers up) is reported,
    at the top of a file or inside a function; report importing prices (down) is not."""
    package = tmp_path / "costcalc"
    for folder in ("prices", "usage", "report"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "usage" / "read.py").write_text("X = 1\n")
    (package / "prices" / "load.py").write_text("from ..usage.read import X\n")
    (package / "prices" / "lint.py").write_text("def f():\n    from costcalc.usage import read\n")
    (package / "report" / "table.py").write_text("from ..prices import load\n")
    assert violations(imports_of(package)) == {("prices.load", "usage.read"), ("prices.lint", "usage.read")}


def test_no_import_cycle_between_modules():
    """Issue 13: no two modules import each other (directly or round a loop) when they are imported; the
    last one, workloads.model <-> workloads.conversation, went with workloads/values.py."""
    assert import_cycles(imports_of(ROOT / "costcalc", at_import_only=True)) == []


def test_an_import_cycle_is_reported(tmp_path):
    package = tmp_path / "costcalc"
    (package / "workloads").mkdir(parents=True)
    (package / "__init__.py").write_text("from . import a\n")  # the package's own facade is no cycle
    (package / "workloads" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .workloads.model import Range\n")
    (package / "workloads" / "model.py").write_text("from .conversation import shape_at\nRange = int\n")
    (package / "workloads" / "conversation.py").write_text(
        "from typing import TYPE_CHECKING\n\ntry:\n    from .model import Range\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    from ..a import Range\n\n\ndef shape_at():\n    from .. import a\n")
    graph = imports_of(package, at_import_only=True)
    assert import_cycles(graph) == [["workloads.conversation", "workloads.model"]]
    # an import under TYPE_CHECKING or inside a function runs later: no cycle without the try block's import
    # (a second copy of the package: imports_of is cached per folder)
    package = tmp_path / "second" / "costcalc"
    (package / "workloads").mkdir(parents=True)
    for name in ("__init__.py", "a.py", "workloads/__init__.py", "workloads/model.py"):
        (package / name).write_text((tmp_path / "costcalc" / name).read_text())
    (package / "workloads" / "conversation.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .model import Range\n\n\ndef f():\n"
        "    from .model import Range\n")
    assert import_cycles(imports_of(package, at_import_only=True)) == []


# Modules whose function-level imports are of an optional or heavy third-party package (matplotlib, openpyxl,
# duckdb, pyspark, pyarrow and pandas internals): imported where used so `import costcalc` needs none of them.
OPTIONAL_DEPENDENCY_MODULES = {"plot", "report.xlsx", "engines.duckdb", "engines.spark", "frames.decimal"}


def unexplained_function_imports(package: Path, allowed: set[str] = frozenset()) -> list[str]:
    """module:line of each import inside a function with no comment on its line or the line above (one
    comment covers a block of consecutive import lines). Issue 13: no function-level import dodges a cycle;
    the legitimate ones (start-up speed, optional dependencies) say so."""
    found = []
    for path in sorted(package.rglob("*.py")):
        module = module_name(path, package)
        if module in allowed:
            continue
        lines, tree = parsed(path)
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                line = node.lineno - 1
                # the first import of the block (consecutive import and blank lines) carries the comment
                while line > 0 and (not lines[line - 1].strip()
                                     or lines[line - 1].strip().startswith(("from ", "import "))):
                    line -= 1
                if "#" not in lines[node.lineno - 1] and "#" not in lines[line - 1]:
                    found.append(f"{module}:{node.lineno}")
    return found


def test_every_function_level_import_says_why():
    found = unexplained_function_imports(ROOT / "costcalc", OPTIONAL_DEPENDENCY_MODULES)
    assert not found, "imports inside a function with no comment saying why (# lazy: ...): " + ", ".join(found)


def test_an_unexplained_function_level_import_is_reported(tmp_path):
    package = tmp_path / "costcalc"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from .b import X\n    return X\n")
    (package / "b.py").write_text("X = 1\n\n\ndef g():\n    # lazy: a is heavy\n    from .a import f\n"
                                  "    from .c import Y\n    return f, Y\n")
    (package / "c.py").write_text("def h():\n    import json  # lazy: rarely used\n    return json\n")
    assert unexplained_function_imports(package) == ["a:2"]
    assert unexplained_function_imports(package, {"a"}) == []
