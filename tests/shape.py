"""`make check`: the code keeps the shape ARCHITECTURE.md gives it. Modules stay small enough
to read (≤ 400 lines), functions short enough to hold in one's head (≤ 50 lines), and each
package imports only what it may: domain/ the standard library, nothing outside db/ the tables
or Piccolo, and web/ and workers/ not each other. Prints each offender and exits 1 if any."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "db", "web", "workers")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


STDLIB = sys.stdlib_module_names


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def _import_problems(package: str, name: Path, tree: ast.AST) -> list[str]:
    found = []
    for module in _imports(tree):
        top = module.split(".")[0]
        if package == "domain" and top not in STDLIB and top not in ("domain", "__future__"):
            found.append(f"{name}: domain/ imports {module} (the standard library only)")
        if package != "db" and (module.startswith("db.tables") or top == "piccolo"):
            found.append(f"{name}: {module} is for db/ alone")
        if (package, top) in {("web", "workers"), ("workers", "web")}:
            found.append(f"{name}: {package}/ imports {module}")
    return found


def offenders() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            name = path.relative_to(ROOT)
            tree = ast.parse(source)
            found += _import_problems(package, name, tree)
            lines = source.count("\n")
            if lines > MAX_MODULE_LINES:
                found.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES})")
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > MAX_FUNCTION_LINES:
                        found.append(
                            f"{name}:{node.lineno} {node.name}(): {length} lines"
                            f" (at most {MAX_FUNCTION_LINES})"
                        )
    return found


if __name__ == "__main__":
    problems = offenders()
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)
