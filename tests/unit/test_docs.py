"""The installer's files agree with the code: README's test command is CI's, every variable the README, .env.example
and compose.yaml name is one the bot reads, .env.example is a configuration `serve` accepts once its blanks are
filled, compose.yaml gives web and clock ONE database, and the IAM files are the policies the README describes."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import yaml

from bot.config import load_settings

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
TEST_COMMAND = "python -m pytest -q -p no:cacheprovider"
# Read by the bot but outside Settings: boto3's own chain, gunicorn's workers and threads, and compose.yaml's database.
OUTSIDE_SETTINGS = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_BACKUP", "AWS_MAX_ATTEMPTS",
    "WEB_CONCURRENCY", "RESTORES_WEB_THREADS", "POSTGRES_PASSWORD",
}
VARIABLE = re.compile(r"`((?:SLACK|RESTORES|AWS|LOG|WEB|POSTGRES)_[A-Z0-9_]+|DATABASE_URL|PORT)`")


def section(text: str, heading: str) -> str:
    """The body of a `### heading` section, up to the next heading of the same or a higher level."""
    start = text.index(f"\n{heading}\n")
    level = heading.split(" ")[0]
    following = [text.find(f"\n{'#' * n} ", start + 1) for n in range(2, len(level) + 1)]
    ends = [i for i in following if i != -1]
    return text[start : min(ends) if ends else len(text)]


def known_variables() -> set[str]:
    return set(load_settings({"RESTORES_REGIONS": "us-east-1"}, "local").describe()) | OUTSIDE_SETTINGS


def env_example() -> dict[str, str]:
    """KEY=value lines of .env.example, in the one format docker's --env-file, compose and `set -a; .` all read."""
    pairs: dict[str, str] = {}
    for number, line in enumerate((REPO / ".env.example").read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f".env.example:{number} is not KEY=value: {line!r}"
        assert not re.search(r"['\"#\s]", value), f".env.example:{number}: no quotes, spaces or inline comments"
        pairs[key] = value
    return pairs


def test_readme_prints_the_command_ci_runs() -> None:
    assert f"```sh\n{TEST_COMMAND}\n```" in README.read_text()
    assert f"\n{TEST_COMMAND}\n" in (REPO / ".ci" / "run").read_text()


def test_every_variable_in_the_readme_environment_table_is_one_the_bot_reads() -> None:
    rows = [line for line in section(README.read_text(), "### Environment").splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in VARIABLE.findall(row.split(" | ")[0])}
    assert {"SLACK_BOT_TOKEN", "DATABASE_URL", "RESTORES_REGIONS"} <= documented  # the table was found and read
    assert documented - known_variables() == set()


def test_env_example_holds_the_minimum_and_serve_accepts_it_once_filled() -> None:
    pairs = env_example()
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "RESTORES_REGIONS", "AWS_DEFAULT_REGION"} <= set(pairs)
    commented = set(re.findall(r"^# ?([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE))
    assert (set(pairs) | commented) - known_variables() == set()
    environment_table = section(README.read_text(), "### Environment")
    assert [name for name in sorted(set(pairs) | commented) if f"`{name}`" not in environment_table] == []
    # No secret ships in the template: the Slack values and keys are blank.
    assert pairs["SLACK_BOT_TOKEN"] == pairs["SLACK_SIGNING_SECRET"] == pairs["POSTGRES_PASSWORD"] == ""
    filled = pairs | {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "0123456789abcdef"}
    settings = load_settings(filled, "http")
    assert settings.regions == ("us-east-1",)


def test_compose_gives_web_and_clock_one_postgresql_database() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    web, clock = services["web"], services["clock"]
    assert web["command"] == ["python", "-m", "bot", "serve"]
    assert clock["command"] == ["python", "-m", "bot", "clock"]
    url = web["environment"]["DATABASE_URL"]
    assert url == clock["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://") and "@db:5432/" in url  # the compose file's own PostgreSQL service
    # The URL compose builds (its password interpolated) is one the bot takes for PostgreSQL through psycopg 3.
    interpolated = re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", "s3cret", url)
    assert load_settings({"RESTORES_REGIONS": "us-east-1", "DATABASE_URL": interpolated}).database_url == (
        "postgresql+psycopg://restores:s3cret@db:5432/restores")
    assert services["db"]["image"].startswith("postgres:")
    for service in (web, clock):
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["env_file"] == ".env"
        assert not any("sqlite" in str(volume) for volume in service.get("volumes", []))
    assert "deploy" not in clock and "scale" not in clock  # exactly one clock
    assert clock["healthcheck"] == {"disable": True}  # the image's HEALTHCHECK asks /healthz, which clock does not serve
    # A stop gives the web process its drain: 2 x RESTORES_AWS_DEADLINE (20 s by default) + 15 s.
    assert int(web["stop_grace_period"].rstrip("s")) >= 2 * 20 + 15


def test_iam_files_are_the_policies_the_readme_describes() -> None:
    iam = REPO / "docs" / "iam"
    policy = json.loads((iam / "restores-bot-policy.json").read_text())
    table = section(README.read_text(), "### IAM permissions")
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        row = next(line for line in table.splitlines() if line.startswith(f"| `{statement['Sid']}` |"))
        assert all(f"`{action}`" in row for action in actions), row
        assert statement["Effect"] == "Allow"
        assert not any(action.split(":")[1].startswith(("Delete", "Put", "Create", "Start", "Update"))
                       for action in actions)  # the bot only reads
    assume = next(s for s in policy["Statement"] if s["Action"] == "sts:AssumeRole")
    role_name = assume["Resource"].rsplit("/", 1)[1]
    assert f"RESTORES_TESTING_ROLE={role_name}" in README.read_text()
    trust = json.loads((iam / "testing-role-trust.json").read_text())
    assert [(s["Effect"], s["Action"]) for s in trust["Statement"]] == [("Allow", "sts:AssumeRole")]
    assert trust["Statement"][0]["Principal"]["AWS"].startswith("arn:aws:iam::")
    testing = json.loads((iam / "testing-role-policy.json").read_text())
    granted = {action for s in testing["Statement"] for action in s["Action"]}
    # What the bot reads through the role: restore testing plans, their selections and their restore jobs.
    assert {"backup:ListRestoreTestingPlans", "backup:ListRestoreTestingSelections", "backup:ListRestoreJobs"} <= granted


def test_every_cli_command_and_option_the_readme_shows_exists() -> None:
    from bot.__main__ import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    # A command and what follows it up to the end of its code span, a comment, a redirection or the next command.
    shown = re.findall(r"python -m bot ([a-z]+)([^`\n#>|;&\"]*)", README.read_text())
    assert {"serve", "clock", "check", "ask", "digest"} <= {name for name, _ in shown}
    unknown = []
    for name, rest in shown:
        if name not in commands:
            unknown.append(name)
            continue
        options = {o for a in commands[name]._actions for o in a.option_strings}
        unknown += [f"{name} {o}" for o in re.findall(r"(?<![\w-])(--?[a-z][-\w]*)", rest) if o not in options]
    assert unknown == []


def test_every_link_to_a_file_and_every_anchor_in_the_docs_resolves() -> None:
    def anchors(text: str) -> set[str]:
        fenced = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
        headings = re.findall(r"^#+ (.+)$", fenced, re.MULTILINE)
        return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}

    broken = []
    for doc in (README, REPO / "CONTRIBUTING.md", REPO / "docs" / "readme-path.md"):
        for target in re.findall(r"\]\(([^)\s]+)\)", doc.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            file = (doc.parent / path).resolve() if path else doc
            if not file.exists() or (anchor and anchor not in anchors(file.read_text())):
                broken.append(f"{doc.name}: {target}")
    assert broken == []
