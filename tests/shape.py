"""`make check`: modules stay small enough to read (≤ 400 lines) and functions short enough to
hold in one's head (≤ 50 lines). Prints each offender and exits 1 if there is any."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "db", "web", "workers")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def offenders() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            name = path.relative_to(ROOT)
            lines = source.count("\n")
            if lines > MAX_MODULE_LINES:
                found.append(f"{name}: {lines} lines (at most {MAX_MODULE_LINES})")
            for node in ast.walk(ast.parse(source)):
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
