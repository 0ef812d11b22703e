"""The house rules of docs/architecture.md, checked on the code's own imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "yuqing"

# What each package may import from the rest of yuqing (docs/architecture.md's table).
ALLOWED = {
    "store": {"errors", "models", "text"},
    "sources": {"clock", "errors", "models", "store", "text", "workspace"},
    "text": set(),
    "events": {"clock", "errors", "grade", "rules", "sources", "store", "text"},
    "notify": {"clock", "errors", "rules", "store"},
    "render": {"clock", "errors", "report", "rules", "store", "text", "workspace"},
    "duty": {"clock", "errors", "events", "models", "rules", "sources", "store", "workspace"},
    "topics": {"clock", "errors", "events", "grade", "rules", "store", "text", "workspace"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every yuqing module and the yuqing modules it imports, lazily or not."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t not in (name, "yuqing")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back():
    assert _cycles(_imports()) == []


def test_the_cycle_finder_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_sql_lives_only_in_the_store():
    sql = re.compile(r"\.execute(many)?\(|sqlite3\.connect\(")
    offenders = [
        str(path.relative_to(ROOT)) for path in PACKAGE.rglob("*.py")
        if not path.is_relative_to(PACKAGE / "store") and sql.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_packages_import_only_what_the_architecture_allows():
    wrong = []
    for module, targets in _imports().items():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] not in ALLOWED:
            continue
        own = parts[1]
        for target in targets:
            other = target.split(".")[1]
            if other != own and other not in ALLOWED[own]:
                wrong.append(f"{module} → {target}")
    assert wrong == []


def test_the_top_level_reads_as_the_pipeline():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 16, top
    for front_door in ("cli.py", "collect.py", "grade.py", "escalate.py", "report.py"):
        assert front_door in top
    assert not any(p.name.startswith("cli_") for p in PACKAGE.glob("*.py"))
