"""The shape of the code, checked: no import cycle in bot/ and handlers/, and the pure layers stay pure."""

from __future__ import annotations

import ast
import re
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


# The restore job states and the command's name are bot.query's (State, COMMAND): spelled anywhere else, a renamed
# command or a new state would be a change in many files. bot/sample/ is the AWS emulator and its data: it speaks
# AWS's wire strings, as AWS would.
STATE_NAMES = frozenset({"CREATED", "PENDING", "RUNNING", "ABORTED", "COMPLETED", "FAILED"})
COMMAND_RE = re.compile(r"(?<![\w/])/restores\b(?!-)")  # the command, not a path such as sqlite:///restores-bot…
NAMED_IN = (Path("bot/query.py"),)
SPEAKS_AWS = (Path("bot/sample"),)
# The same words in other vocabularies, each the value of one named constant: {file: names assigned}.
ALLOWED = {
    # A restore job's ValidationStatus and DeletionStatus are AWS enums of their own; their "FAILED" is not a State.
    Path("bot/scoreboard.py"): {"VALIDATION_FAILED", "DELETION_FAILED"},
}


def spelled_out(source: str, name: Path) -> list[str]:
    """The string constants in a file's source that name a restore job state or the command, outside docstrings (and
    any bare string statement) and the file's allowed constants."""
    tree = ast.parse(source)
    allowed = ALLOWED.get(name, set())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            skip.add(id(node.value))
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id in allowed for t in targets):
            skip.update(id(inner) for inner in ast.walk(node))
    return [
        f"{name}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        and (node.value in STATE_NAMES or COMMAND_RE.search(node.value))
    ]


def test_states_and_the_command_are_named_in_one_place() -> None:
    files = [
        p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))
        if p.relative_to(REPO) not in NAMED_IN and not any(p.relative_to(REPO).is_relative_to(d) for d in SPEAKS_AWS)
    ]
    assert len(files) > 20  # the walk saw the real tree
    assert [hit for path in files for hit in spelled_out(path.read_text(), path.relative_to(REPO))] == []


def test_the_check_sees_what_it_looks_for() -> None:
    """The check itself: a state or the command in code is found; docstrings, paths and allowed constants are not."""
    source = (
        '"""Docstring: FAILED, `/restores`."""\n'
        'A = "FAILED"\n'
        'B = f"run {x} /restores help"\n'
        'C = "sqlite:///restores-bot.sqlite3"\n'
        'D = "FAILED_X"\n'
        'DELETION_FAILED = "FAILED"\n'
        'def f():\n'
        '    """FAILED"""\n'
        '    return status in ("ABORTED", "OTHER")\n'
    )
    assert spelled_out(source, Path("bot/scoreboard.py")) == [
        "bot/scoreboard.py:2: 'FAILED'", "bot/scoreboard.py:3: ' /restores help'", "bot/scoreboard.py:9: 'ABORTED'"
    ]
