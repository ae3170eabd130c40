"""The shape of the code, checked: no import cycle in bot/ and handlers/, and the pure layers stay pure."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support import REPO

PACKAGES = ("bot", "handlers")
# Typed results, rendering, reasons and the digest's data import nothing that talks to AWS or Slack's API.
PURE = (
    "bot.results", "bot.reasons", "bot.render", "bot.digest.data", "bot.query", "bot.command", "bot.controls", "bot.ids"
)
HEAVY = ("boto3", "botocore", "slack_bolt", "sqlalchemy", "bot.aws", "bot.service", "bot.digest.run")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at run time or for type checking alike (a cycle is a cycle for mypy too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def graph() -> dict[str, set[str]]:
    files = [p for package in PACKAGES for p in (REPO / package).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imports_of(path):
            # `from bot.x import y` names module bot.x (or bot.x.y when that is a module itself).
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def test_no_import_cycles() -> None:
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert len(edges) > 20  # the walk saw the real tree
    assert cycles == []


def test_package_inits_are_docstring_only() -> None:
    for package in (REPO / "bot").rglob("__init__.py"):
        body = ast.parse(package.read_text()).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr), package
    body = ast.parse((REPO / "handlers" / "__init__.py").read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr)


def test_pure_layers_load_nothing_heavy() -> None:
    """Importing the pure layers (in a fresh interpreter) loads no AWS SDK, Bolt or database driver."""
    code = (
        "import sys\n"
        f"for name in {PURE!r}: __import__(name)\n"
        "import bot.render.summary, bot.render.jobs, bot.render.digest, bot.render.notices, bot.render.terminal\n"
        "import bot.render.subscriptions, bot.render.home, bot.digest.due\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
