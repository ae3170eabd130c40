"""The shape of the code, checked: no import cycle in bot/ and handlers/, and the pure layers stay pure."""

from __future__ import annotations

import ast
import functools
import gc
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.support import REPO

PACKAGES = ("bot", "handlers")
# Besides bot.domain and every render*.py: more modules that import nothing that talks to AWS, Slack or a database.
PURE = (
    "bot.digest.data", "bot.digest.due", "bot.answers.grammar", "bot.answers.controls", "bot.answers.notices",
    "bot.answers.terminal", "bot.slack.blocks",
)
HEAVY = ("boto3", "botocore", "slack_bolt", "slack_sdk", "sqlalchemy", "psycopg", "bot.aws", "bot.store", "bot.web")
# slack_sdk's Block Kit models are data classes with no I/O: the renderers build blocks with them rather than
# hand-writing Block Kit's JSON. Everything else of slack_sdk (the Web API client, Socket Mode) is heavy.
ALLOWED_HEAVY = ("slack_sdk.models",)


# Every module of bot/ and handlers/ is read, parsed and walked once for this file's tests, and its tree shared by
# all of them: the checks below read the trees and never change one (a check that mutated a tree would parse its own).
@functools.cache
def read(path: Path) -> str:
    return path.read_text()


@functools.cache
def tree(text: str) -> ast.Module:
    """The parsed source, cached by its text (so the project's files are parsed once, and a check's own sample too)."""
    return ast.parse(text)


@functools.cache
def by_type(root: ast.AST) -> dict[type[ast.AST], list[ast.AST]]:
    """Every node under `root` (itself included), walked once with ast.walk, grouped by its type: each type's nodes in
    ast.walk's order."""
    found: dict[type[ast.AST], list[ast.AST]] = {}
    for node in ast.walk(root):
        found.setdefault(type(node), []).append(node)
    return found


def nodes(root: ast.AST, kinds: type[ast.AST] | tuple[type[ast.AST], ...]) -> list[ast.AST]:
    """The nodes under `root` (itself included) that are instances of `kinds`, as ast.walk would find them: one type's
    nodes in ast.walk's order (several types' come one type after another). The walk is done once per tree."""
    return [node for kind, found in by_type(root).items() if issubclass(kind, kinds) for node in found]


@pytest.fixture(scope="module", autouse=True)
def _parsed_once() -> Iterator[None]:
    """Every file of bot/ and handlers/ read, parsed and walked up front; the trees live while this file's tests run,
    then go. Their ~150,000 nodes hold no cycle (no node refers back to its parent: dropping a tree frees it), yet as
    they accumulate the cyclic collector would scan the whole heap again and again, costing more than the parse
    itself: it is paused while they are built, and they are kept out of its scans (gc.freeze). Frozen objects are still
    freed by reference counting: clearing the caches drops the trees (no gc.unfreeze, which would also hand back to
    the collector everything the run froze after collecting, tests/conftest.py)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        for package in PACKAGES:
            for path in project_files(package):
                by_type(tree(read(path)))
        gc.freeze()
    finally:
        if collecting:
            gc.enable()
    yield
    for cached in (read, tree, by_type, project_files, imports_of, loaded_on_import):
        cached.cache_clear()


@functools.cache
def project_files(package: str) -> tuple[Path, ...]:
    """A package's .py files, sorted."""
    return tuple(sorted((REPO / package).rglob("*.py")))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def imports_of(path: Path) -> frozenset[str]:
    """Every module a file imports, at run time or for type checking alike (a cycle is a cycle for mypy too)."""
    found: set[str] = set()
    for node in nodes(tree(read(path)), (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return frozenset(found)


@functools.cache
def loaded_on_import(path: Path) -> frozenset[str]:
    """The modules a file loads when it is imported: its module-level imports, not those inside functions (lazy, run
    only when called) nor those under `if TYPE_CHECKING:`."""
    found: set[str] = set()

    def visit(statements: Sequence[ast.stmt | ast.excepthandler]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for child in ("body", "orelse", "finalbody", "handlers"):
                    visit([n for n in getattr(node, child, []) if isinstance(n, ast.stmt | ast.excepthandler)])
            if isinstance(node, ast.ExceptHandler):
                visit(node.body)

    visit(tree(read(path)).body)
    return frozenset(found)


def graph(imports: Callable[[Path], frozenset[str]] = imports_of) -> dict[str, set[str]]:
    files = [p for package in PACKAGES for p in project_files(package)]
    modules = {module_name(p): p for p in files}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imports(path):
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
    for package in (p for p in project_files("bot") if p.name == "__init__.py"):
        body = tree(read(package)).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr), package
    body = tree(read(REPO / "handlers" / "__init__.py")).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr)


def pure_modules() -> list[str]:
    """The words and types (bot.domain), every renderer (render.py, render_*.py) and the other named pure modules."""
    files = project_files("bot")
    return [
        module_name(p) for p in files
        if module_name(p).startswith("bot.domain.") or p.name == "render.py" or p.name.startswith("render_")
        or module_name(p) in PURE
    ]


def reaches(start: str, edges: dict[str, set[str]], external: dict[str, set[str]]) -> set[str]:
    """Every module `start` loads, directly or through the project's own modules (lazy imports inside functions too)."""
    seen, todo, found = {start}, [start], set()
    while todo:
        name = todo.pop()
        found |= external[name]
        for nxt in edges[name] - seen:
            seen.add(nxt)
            found.add(nxt)
            todo.append(nxt)
    return found


def test_pure_layers_load_nothing_heavy() -> None:
    """Importing bot.domain, any render*.py or the grammar loads no AWS SDK, Bolt, slack_sdk or database driver, not
    even through another module of the project (read from the source: the unit tier starts no process)."""
    edges = graph(loaded_on_import)
    external = {
        name: {i for i in loaded_on_import(REPO / (name.replace(".", "/") + ".py")) if not i.startswith(PACKAGES)}
        if (REPO / (name.replace(".", "/") + ".py")).exists() else set()
        for name in edges
    }
    modules = pure_modules()
    assert len(modules) > 15 and "bot.home.render" in modules  # the walk saw the real tree
    heavy = {m: sorted(x for x in reaches(m, edges, external) if x.startswith(HEAVY) and not x.startswith(ALLOWED_HEAVY))
             for m in modules}
    assert {m: loaded for m, loaded in heavy.items() if loaded} == {}


def test_the_purity_check_sees_a_heavy_import_through_another_module() -> None:
    edges = {"bot.a.render": {"bot.b"}, "bot.b": set()}
    external = {"bot.a.render": {"json"}, "bot.b": {"slack_sdk.web"}}
    assert "slack_sdk.web" in reaches("bot.a.render", edges, external)


# The restore job states and the command's name are bot.domain.query's (State, COMMAND): spelled anywhere else, a renamed
# command or a new state would be a change in many files. bot/sample/ is the AWS emulator and its data: it speaks
# AWS's wire strings, as AWS would.
STATE_NAMES = frozenset({"CREATED", "PENDING", "RUNNING", "ABORTED", "COMPLETED", "FAILED"})
COMMAND_RE = re.compile(r"(?<![\w/])/restores\b(?!-)")  # the command, not a path such as sqlite:///restores-bot…
NAMED_IN = (Path("bot/domain/query.py"),)
SPEAKS_AWS = (Path("bot/sample"),)
# The same words in other vocabularies, each the value of one named constant: {file: names assigned}.
ALLOWED = {
    # A restore job's ValidationStatus and DeletionStatus are AWS enums of their own; their "FAILED" is not a State.
    Path("bot/restore_testing/verdicts.py"): {"VALIDATION_FAILED", "DELETION_FAILED"},
}


def spelled_out(source: str, name: Path) -> list[str]:
    """The string constants in a file's source that name a restore job state or the command, outside docstrings (and
    any bare string statement) and the file's allowed constants."""
    parsed = tree(source)
    allowed = ALLOWED.get(name, set())
    skip: set[int] = set()
    for node in nodes(parsed, (ast.Expr, ast.Assign, ast.AnnAssign)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            skip.add(id(node.value))
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id in allowed for t in targets):
            skip.update(id(inner) for inner in ast.walk(node))
    return [
        f"{name}:{node.lineno}: {node.value!r}"
        for node in nodes(parsed, ast.Constant)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        and (node.value in STATE_NAMES or COMMAND_RE.search(node.value))
    ]


def test_states_and_the_command_are_named_in_one_place() -> None:
    files = [
        p for package in PACKAGES for p in project_files(package)
        if p.relative_to(REPO) not in NAMED_IN and not any(p.relative_to(REPO).is_relative_to(d) for d in SPEAKS_AWS)
    ]
    assert len(files) > 20  # the walk saw the real tree
    assert [hit for path in files for hit in spelled_out(read(path), path.relative_to(REPO))] == []


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
    assert spelled_out(source, Path("bot/restore_testing/verdicts.py")) == [
        "bot/restore_testing/verdicts.py:2: 'FAILED'", "bot/restore_testing/verdicts.py:3: ' /restores help'", "bot/restore_testing/verdicts.py:9: 'ABORTED'"
    ]


def test_the_unit_tier_refuses_sockets_and_processes() -> None:
    """tests/unit/conftest.py's guard is on: a unit test that reaches for the network or a process fails."""
    import socket
    import subprocess

    import pytest

    with pytest.raises(AssertionError, match="opened a socket or started a process"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(AssertionError, match="opened a socket or started a process"):
        subprocess.run(["true"], check=False)


# Where a Slack client may be built: bot/slack/client.py decides which calls are repeated after a dropped connection.
# bot/web/front.py's readiness probe only calls auth.test (a read), with slack_sdk's default retry.
SLACK_CLIENT_BUILDERS = {"bot/slack/client.py", "bot/web/front.py"}


def test_non_idempotent_writes_go_through_clients_that_never_repeat_them() -> None:
    """Invariant 2: chat.postMessage, files.completeUploadExternal (files_upload_v2) and response_url posts are never
    repeated after a connection error. A WebClient or WebhookClient built elsewhere would carry slack_sdk's
    ConnectionErrorRetryHandler for every method, and Bolt's respond() retries too: listeners answer through
    handlers.respond.once/deliver instead."""
    built_elsewhere, responds = [], []
    for package in PACKAGES:
        for path in project_files(package):
            where = str(path.relative_to(REPO))
            for node in nodes(tree(read(path)), ast.Call):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in ("WebClient", "WebhookClient", "AsyncWebClient") and where not in SLACK_CLIENT_BUILDERS:
                    built_elsewhere.append(f"{where}:{node.lineno}")
                if name == "respond" and where != "handlers/respond.py":
                    responds.append(f"{where}:{node.lineno}")
    assert built_elsewhere == [], "Slack clients built outside bot/slack/client.py"
    assert responds == [], "respond() called directly: answer through handlers.respond.once or deliver"


# Reassuring words and the check mark: only bot/domain/coverage.py (reassure() and its claims) may write them.
REASSURING = re.compile(r"(?i:(?<!not an )all clear|\bno failed\b)|Restores work|:white_check_mark:|\u2705")
REASSURES = Path("bot/domain/coverage.py")


def reassuring_literals(source: str, name: Path) -> list[str]:
    """String literals (docstrings aside: they describe, they do not say) holding a reassuring word or the check mark.
    "not an all clear" is the incomplete wording, and "do restores work?" (lower case) a question: neither reassures."""
    parsed = tree(source)
    docstrings = {
        id(node.body[0].value) for node in nodes(parsed, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body
        and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
    }
    found = sorted(
        (node.lineno, node.col_offset, node.value)
        for node in nodes(parsed, ast.Constant)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
        and REASSURING.search(node.value)
    )
    return [f"{name}:{line}: {value!r}" for line, _, value in found]


def test_only_reassure_writes_reassuring_words() -> None:
    files = [p for package in PACKAGES for p in project_files(package) if p.relative_to(REPO) != REASSURES]
    assert len(files) > 20  # the walk saw the real tree
    assert [hit for path in files for hit in reassuring_literals(read(path), path.relative_to(REPO))] == []
    assert "def reassure(" in read(REPO / REASSURES)  # the one producer is where the test says


def test_the_reassurance_check_sees_a_renderer_saying_all_clear_itself() -> None:
    source = (
        '"""A renderer: says "all clear" only through reassure()."""\n'
        'def render(data):\n'
        '    """No failed restores? Then all clear."""\n'
        '    blocks = [kit.section(f":white_check_mark: *All clear* on {day}")]\n'
        '    text = f"digest {day}: all clear"\n'
        '    note = "so this is not an all clear"\n'
        '    question = "*tests* — do restores work? ..."\n'
        '    return "No failed jobs", "✅ fine", "Restores work: yes"\n'
    )
    assert reassuring_literals(source, Path("bot/x/render.py")) == [
        "bot/x/render.py:4: ':white_check_mark: *All clear* on '", "bot/x/render.py:5: ': all clear'",
        "bot/x/render.py:8: 'No failed jobs'", "bot/x/render.py:8: '✅ fine'", "bot/x/render.py:8: 'Restores work: yes'",
    ]


# Modules with logic that the unit tier cannot hold (it opens no socket and starts no process), and where they are
# tested instead. Every other module of bot/ with a function or a method has its mirror in tests/unit
# (tests/unit/<package>/test_<module>.py: a mixin such as bot/sample/api_jobs.py is tested through the class it
# makes up) or is imported by a unit test.
TESTED_OUTSIDE_THE_UNIT_TIER = {
    "bot.__main__": "the CLI: its commands, exit codes and processes (tests/e2e/test_cli.py)",
    "bot.sample.emulator": "serves the sample APIs over HTTP (tests/integration, and every scenario test as the fake)",
}
MIGRATIONS = "bot.store.migrations."  # revision files: loaded by Alembic, run by tests/unit/store/test_migrations.py


_IMPORT_RE = re.compile(r"^[ \t]*(?:import[ \t]+(bot[\w.]*)|from[ \t]+(bot[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*))",
                        re.MULTILINE)


def unit_tested(test_files: Sequence[Path]) -> set[str]:
    """The modules of bot/ the unit tests import: `import a.b`, `from a import b` (a and a.b: b may be a module),
    read from the import lines alone (parsing some 200 test files costs this check 0.4 s)."""
    found: set[str] = set()
    for path in test_files:
        for imported, module, names in _IMPORT_RE.findall(path.read_text()):
            if imported:
                found.add(imported)
                continue
            found.add(module)
            found.update(f"{module}.{name.split()[0]}" for name in names.strip("()").replace("\n", " ").split(",")
                         if name.strip() and not name.strip().startswith("#"))
    return found


def with_logic(path: Path) -> bool:
    return bool(nodes(tree(read(path)), (ast.FunctionDef, ast.AsyncFunctionDef)))


def mirror(path: Path) -> Path:
    """bot/<package>/<module>.py -> tests/unit/<package>/test_<module>.py"""
    relative = path.relative_to(REPO / "bot")
    return REPO / "tests" / "unit" / relative.parent / f"test_{relative.name}"


def test_every_module_with_logic_has_a_unit_test() -> None:
    tested = unit_tested(sorted((REPO / "tests" / "unit").rglob("test_*.py")))
    untested = [
        name for path in project_files("bot")
        if with_logic(path) and not (name := module_name(path)).startswith(MIGRATIONS)
        and name not in tested and not mirror(path).exists() and name not in TESTED_OUTSIDE_THE_UNIT_TIER
    ]
    assert untested == [], f"modules with logic that no unit test imports: {untested}"
    assert set(TESTED_OUTSIDE_THE_UNIT_TIER) <= {module_name(path) for path in project_files("bot")}  # none stale


def test_the_unit_test_check_sees_imports_of_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text("import bot.a.b\nfrom bot.c import d\nfrom . import e\n\ndef test_x():\n    from bot.f import g\n"
                      "from bot.h import (\n    i,\n    j as k,\n)\nimport os\n")
    assert unit_tested([sample]) == {"bot.a.b", "bot.c", "bot.c.d", "bot.f", "bot.f.g", "bot.h", "bot.h.i", "bot.h.j"}
    constants = tmp_path / "constants.py"
    constants.write_text("X = 1\n")
    assert with_logic(sample) and not with_logic(constants)


def test_the_tree_keeps_its_shape() -> None:
    """Issue 18's rooms, kept: at most 8 modules loose at bot/'s root (`__init__` included), the rest in packages;
    no module of bot/ or handlers/ over 500 lines (a longer one holds two ideas: split it where they part)."""
    loose = sorted(path.stem for path in (REPO / "bot").glob("*.py"))
    assert len(loose) <= 8, f"bot/ has {len(loose)} loose modules: {loose}"
    long = {str(path.relative_to(REPO)): lines for package in PACKAGES for path in project_files(package)
            if (lines := len(read(path).splitlines())) > 500}
    assert long == {}, f"modules over 500 lines: {long}"
