"""Imports flow one way (docs/architecture.md; the layer contracts are `lint-imports`'s, in
pyproject.toml). An import placed inside a function hides an edge from a reader and is how cycles
come back, so one between the project's packages is allowed only where listed here, with why."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "charts", "etl", "warehouse", "dashboard", "exports", "outcomes")

# (file, imported module) -> why it is imported inside a function.
ALLOWED = {
    # The CLI imports what a command runs when it runs, so `outcomes load` or `outcomes metrics`
    # does not start Dash, plotly and reportlab (start-up time of every command).
    ("outcomes/cli.py", "etl.load"): "CLI start-up",
    ("outcomes/cli.py", "etl.demo"): "CLI start-up",
    ("outcomes/cli.py", "warehouse.suppression"): "CLI start-up",
    ("outcomes/cli.py", "warehouse.indicators"): "CLI start-up",
    ("outcomes/cli.py", "warehouse.query"): "CLI start-up",
    ("outcomes/cli.py", "dashboard.serve"): "CLI start-up (Dash)",
    ("outcomes/cli.py", "dashboard.users"): "CLI start-up",
    ("outcomes/cli.py", "outcomes.commands_exports"): "CLI start-up (plotly, reportlab)",
    ("outcomes/cli.py", "outcomes.commands_impact"): "CLI start-up",
}


def _function_imports(path: Path):
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] if not node.level else [path.parent.name]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        up = parents.get(node)
        while up is not None and not isinstance(up, ast.FunctionDef | ast.AsyncFunctionDef):
            up = parents.get(up)
        if up is None:
            continue
        for module in modules:
            if module.split(".")[0] in PACKAGES:
                yield module, node.lineno


def test_no_function_level_imports_between_project_modules():
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            found += [f"{rel}:{line} imports {module}" for module, line in _function_imports(path)
                      if (rel, module) not in ALLOWED]
    assert found == [], "import at the top of the module, or list why not:\n" + "\n".join(found)


def test_the_allow_list_is_still_needed():
    present = {(path.relative_to(ROOT).as_posix(), module)
               for package in PACKAGES for path in (ROOT / package).rglob("*.py")
               for module, _ in _function_imports(path)}
    assert set(ALLOWED) - present == set()


def test_the_check_sees_a_function_level_import(tmp_path):
    module = tmp_path / "charts" / "x.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from dashboard import ids\n    return ids\n")
    assert list(_function_imports(module)) == [("dashboard", 2)]
