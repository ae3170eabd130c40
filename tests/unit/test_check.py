"""`python -m bot check` as a function: run_check with a Mock(BackupService) and a factory of Mock(WebClient). Each
problem is listed (and only problems count towards the exit status: `cmd_check` exits 1 when there is any), every
secret is masked, and the database URL's password is never printed."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any
from unittest.mock import Mock, patch

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.aws.client import BackupService
from bot.aws.errors import JOBS_ACTION, SUMMARY_ACTION
from bot.aws.identity import CallerIdentity
from bot.aws.testing import PLANS_ACTION
from bot.check import (
    CHART_SCOPES,
    DIGEST_SCOPES,
    NO_SUCH_PLAN,
    REQUIRED_SCOPES,
    SELECTIONS_ACTION,
    SUBSCRIPTION_SCOPES,
    probe,
    run_check,
)
from bot.check import (
    tags_probe as real_tags_probe,
)
from bot.config import Settings, load_settings
from bot.domain.organization import Organization
from bot.organization.directory import OrganizationDirectory
from bot.store.migrate import Status, migrate
from bot.wiring import Wiring

TOKEN = "xoxb-1111-unit-bot-token"
SECRET = "unit-signing-secret-value"
PASSWORD = "hunter2-Secret"
EVERY_SCOPE = ",".join(REQUIRED_SCOPES + DIGEST_SCOPES + SUBSCRIPTION_SCOPES + CHART_SCOPES)


def settings(**env: str) -> Settings:
    return load_settings({"RESTORES_REGIONS": "us-east-1,eu-west-1", "SLACK_BOT_TOKEN": TOKEN,
                          "SLACK_SIGNING_SECRET": SECRET,
                          "DATABASE_URL": f"postgresql://restores:{PASSWORD}@db.example:5432/restores", **env})


def slack(scopes: str = EVERY_SCOPE, error: Exception | None = None) -> Callable[[], WebClient]:
    client = Mock(WebClient)
    if error is not None:
        client.auth_test.side_effect = error
    else:
        client.auth_test.return_value = SlackResponse(
            client=None, http_verb="POST", api_url="", req_args={}, status_code=200,
            data={"ok": True, "team_id": "T0TEST", "user_id": "U0BOT"}, headers={"x-oauth-scopes": scopes})
    return lambda: client


def denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "User is not authorized"}}, operation)


def backup(fail: dict[tuple[str, str], Exception] | None = None) -> Mock:
    """A Mock(BackupService) whose regional clients answer every probe, except the (region, method) pairs in `fail`."""
    service = Mock(BackupService)
    clients: dict[str, Mock] = {}

    def client(region: str) -> Mock:
        if region not in clients:
            clients[region] = Mock()
            for (where, method), error in (fail or {}).items():
                if where == region:
                    getattr(clients[region], method).side_effect = error
        return clients[region]

    service.client.side_effect = client
    service.identity = None  # who the bot is: its own tests below
    return service


@pytest.fixture(autouse=True)
def _schema_current(request: pytest.FixtureRequest) -> Iterator[None]:
    """The configured PostgreSQL host does not exist (and the unit tier opens no socket): its schema reads as current,
    except in the tests of the Database line (test_database_*), which open SQLite files of their own."""
    if request.node.name.startswith("test_database_"):
        yield
        return
    with patch("bot.store.migrate.status", return_value=Status("0001", "0001", True)):
        yield


def outside() -> OrganizationDirectory:
    """A directory of a bot in no AWS organisation (AWSOrganizationsNotInUseException): fine, ids are shown."""
    return org_directory(ClientError({"Error": {"Code": "AWSOrganizationsNotInUseException", "Message": "no"}},
                                 "DescribeOrganization"))


def org_directory(outcome: Organization | Exception) -> OrganizationDirectory:
    """The directory whose every read gives `outcome` (raised when an exception)."""

    def read(_client: Any, _tally: Any) -> Organization:
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return OrganizationDirectory(reader=read, background=lambda work: None)


def check(config: Settings | None = None, service: Any = None, client: Callable[[], WebClient] | None = None,
          directory: OrganizationDirectory | None = None) -> Any:
    return run_check(Wiring(config or settings(), backup=service or backup(), directory=directory or outside()), client or slack())


def test_all_good_when_slack_and_every_probe_answer() -> None:
    report = check()
    assert report.problems == []
    text = report.render()
    assert text.endswith("restores bot check: all good\n")
    for region in ("us-east-1", "eu-west-1"):
        for action in (SUMMARY_ACTION, JOBS_ACTION, PLANS_ACTION):
            assert f"  ok       {region}: {action}" in text
    assert "auth.test: team T0TEST as bot user U0BOT" in text


def test_secrets_and_the_database_password_are_masked() -> None:
    text = check().render()
    assert TOKEN not in text and SECRET not in text and PASSWORD not in text
    assert "SLACK_BOT_TOKEN = xoxb-****" in text
    assert "DATABASE_URL = postgresql+psycopg://restores:***@db.example:5432/restores" in text


def test_a_denied_probe_is_a_problem_naming_region_action_and_what_to_grant() -> None:
    service = backup({("eu-west-1", "list_restore_jobs"): denied("ListRestoreJobs")})
    report = check(service=service)
    assert len(report.problems) == 1
    [problem] = report.problems
    assert problem.startswith(f"eu-west-1: {JOBS_ACTION}: ") and JOBS_ACTION in problem.split(": ", 2)[2]
    assert report.render().endswith("restores bot check: 1 problem(s) to fix\n")


def test_every_failing_probe_is_listed_and_none_raises() -> None:
    unreachable = EndpointConnectionError(endpoint_url="https://backup.us-east-1.amazonaws.com/")
    service = backup({("us-east-1", "list_restore_job_summaries"): unreachable,
                      ("us-east-1", "list_restore_testing_plans"): RuntimeError("boom"),
                      ("eu-west-1", "list_restore_job_summaries"): denied("ListRestoreJobSummaries")})
    report = check(service=service)
    assert sorted(p.split(": ")[0] + " " + p.split(": ")[1] for p in report.problems) == [
        f"eu-west-1 {SUMMARY_ACTION}", f"us-east-1 {SUMMARY_ACTION}", f"us-east-1 {PLANS_ACTION}"]


def test_a_missing_token_is_refused_for_every_process_and_slack_is_not_asked() -> None:
    factory = Mock()
    env = {"RESTORES_REGIONS": "us-east-1", "SLACK_SIGNING_SECRET": SECRET}
    report = run_check(Wiring(load_settings(env), backup=backup(), directory=outside()), factory, env)
    problem = "SLACK_BOT_TOKEN is not set (the Bot User OAuth Token, xoxb-..., from OAuth & Permissions)"
    assert report.refused == [problem] and report.exit_status == 2
    assert f"  REFUSED  {problem} — refused by serve, clock, digest, poll" in report.lines
    factory.assert_not_called()


def test_a_rejected_token_is_named_by_slacks_code() -> None:
    response = SlackResponse(client=None, http_verb="POST", api_url="", req_args={},
                             data={"ok": False, "error": "invalid_auth"}, headers={}, status_code=200)
    report = check(client=slack(error=SlackApiError("refused", response)))
    assert report.problems == report.refused == ["SLACK_BOT_TOKEN was rejected by Slack (invalid_auth)"]
    assert "refused by serve, clock" in report.render() and report.exit_status == 2


def test_an_unreachable_slack_names_the_url_and_the_error_type_only() -> None:
    report = check(settings(SLACK_API_URL="http://slack.invalid/api/"),
                   client=slack(error=ConnectionRefusedError(f"refused while sending {TOKEN}")))
    assert report.problems == ["Slack API at http://slack.invalid/api/ is unreachable (ConnectionRefusedError)"]
    assert TOKEN not in report.render()


def test_missing_scopes_are_listed_and_files_write_gets_its_note() -> None:
    granted = ",".join(s for s in EVERY_SCOPE.split(",") if s not in ("files:write", "groups:read"))
    report = check(client=slack(scopes=granted))
    assert report.problems == ["scopes groups:read, files:write: add them (manifest.yml) and reinstall the app"]
    assert "without files:write" in report.render()


def test_scopes_slack_did_not_report_are_not_a_problem_but_said() -> None:
    report = check(client=slack(scopes=""))
    assert report.problems == [] and "Slack did not report the token's scopes" in report.render()


def test_a_missing_signing_secret_is_refused_by_serve_alone() -> None:
    env = {"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": TOKEN}
    report = run_check(Wiring(load_settings(env), backup=backup(), directory=outside()), slack(), env)
    problem = "SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials > Signing Secret)"
    assert report.problems == [problem] and f"  REFUSED  {problem} — refused by serve" in report.lines


def test_socket_mode_needs_no_signing_secret_but_its_app_token() -> None:
    env = {"RESTORES_REGIONS": "us-east-1", "SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xoxb-not-an-app-token"}
    report = run_check(Wiring(load_settings(env), backup=backup(), directory=outside()), slack(), env)
    assert report.problems == ["SLACK_APP_TOKEN must be an app-level token starting with xapp-"]
    assert "refused by socket" in report.render()


def test_scoped_channels_without_a_scope_are_problems() -> None:
    report = check(settings(RESTORES_CHANNEL_ACCOUNTS="C0TEAMA=111122223333", RESTORES_ALLOWED_CHANNELS="C0TEAMA,C0OTHER",
                            RESTORES_ALERT_CHANNELS="C0ALERTS"))
    assert report.problems == [
        "channels allowed or digested but without an account scope: C0OTHER",
        "alert channels without an account scope get no alerts: C0ALERTS",
    ]
    assert "unlisted conversations (DMs, new channels) are refused" in report.render()


def test_a_default_scope_leaves_no_gap() -> None:
    report = check(settings(RESTORES_CHANNEL_ACCOUNTS="C0TEAMA=111122223333;*=ANY", RESTORES_ALLOWED_CHANNELS="C0OTHER"))
    assert report.problems == [] and "unlisted conversations (DMs, new channels) see every account" in report.render()


def test_a_testing_account_whose_role_cannot_be_used_is_a_problem() -> None:
    sessions = Mock()
    ok_client, denied_client = Mock(), Mock()
    denied_client.list_restore_testing_plans.side_effect = denied("ListRestoreTestingPlans")
    sessions.client.side_effect = lambda account, region: ok_client if account == "444455556666" else denied_client
    with patch("bot.check.AccountSessions", return_value=sessions):
        report = check(settings(RESTORES_TESTING_ACCOUNTS="444455556666,777788889999",
                                RESTORES_TESTING_ROLE="restores-read"))
    text = report.render()
    assert "444455556666: assumed arn:aws:iam::444455556666:role/restores-read" in text
    assert len(report.problems) == 1 and report.problems[0].startswith("777788889999: ")


ENV = {"RESTORES_REGIONS": "us-east-1,eu-west-1", "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
       "DATABASE_URL": f"postgresql://restores:{PASSWORD}@db.example:5432/restores"}


@pytest.mark.parametrize(("env", "fail", "status", "verdict"), [
    ({}, {}, 0, "all good"),
    ({}, {("us-east-1", "list_restore_jobs"): denied("ListRestoreJobs")}, 1, "1 problem(s) to fix"),
    ({"SLACK_BOT_TOKEN": "xoxp-1111-user-token"}, {}, 2, "1 problem(s) to fix, 1 of which stop a process from starting"),
])
def test_the_command_exits_2_when_a_process_would_refuse_1_when_something_fails(
        env: dict[str, str], fail: dict[tuple[str, str], Exception], status: int, verdict: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    from bot import __main__ as cli

    service = backup(fail)
    with patch.dict("os.environ", {**ENV, **env}, clear=True), \
            patch.object(cli, "_backup", side_effect=lambda *_a, **_k: nullcontext(service)), \
            patch("bot.slack.client.create_web_client", side_effect=lambda _s: slack()()), \
            patch("bot.organization.directory.directory_for", side_effect=lambda _backup: outside()):
        assert cli.cmd_check(argparse.Namespace()) == status
    out = capsys.readouterr().out
    assert out.endswith(f"restores bot check: {verdict}\n") and PASSWORD not in out and "xoxp-1111" not in out


def test_database_revision_current_behind_and_newer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    wiring = Wiring(settings(DATABASE_URL=url), backup=backup(), directory=outside())
    first = run_check(wiring, slack())
    assert "  ok       schema: empty: no table yet; the newest revision is 0001 (`python -m bot migrate` creates it)" \
        in first.lines and first.problems == []
    assert not (tmp_path / "bot.sqlite3").exists()  # a look writes nothing, not even an empty file
    migrate(wiring.engine)
    assert "  ok       schema: revision 0001, the newest: current" in run_check(wiring, slack()).lines
    with wiring.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    newer = run_check(wiring, slack())
    assert len(newer.problems) == 1
    assert newer.problems[0].startswith("schema: the database's schema is at revision 0999, which this release does "
                                        "not know (its newest is 0001)")


def test_database_unusable_is_refused_naming_the_url_without_its_password(tmp_path: Path) -> None:
    report = check(settings(DATABASE_URL=f"sqlite:///{tmp_path}"))  # a directory, not a database file
    assert report.refused == [f"DATABASE_URL sqlite:///{tmp_path} is not usable (OperationalError: "
                              "(sqlite3.OperationalError) unable to open database file)"]
    hidden = check(settings(DATABASE_URL=f"postgresql+nodriver://restores:{PASSWORD}@db.example/restores"))
    assert hidden.refused[0].startswith("DATABASE_URL postgresql+nodriver://restores:***@db.example/restores is not "
                                        "usable (") and PASSWORD not in hidden.render()


def identity_check(identity: CallerIdentity) -> Any:
    service = backup()
    service.identity = Mock(current=Mock(return_value=identity))
    return check(service=service)


def test_the_management_account_is_named_fine() -> None:
    report = identity_check(CallerIdentity(account="111122223333", management="111122223333", organization=True))
    assert report.problems == []
    assert "ok       account 111122223333 is the organisation's management account" in report.render()


def test_a_member_account_is_named_with_what_org_wide_answers_will_say() -> None:
    report = identity_check(CallerIdentity(account="111122223333", management="999988887777", organization=True))
    text = report.render()
    assert "account 111122223333 is not the organisation's management account (999988887777)" in text
    assert "AWS shows only account 111122223333 to this bot" in text


def test_no_organizations_permission_is_a_problem_naming_the_action_to_grant() -> None:
    report = identity_check(CallerIdentity(account="111122223333",
                                           problem="grant organizations:DescribeOrganization (AccessDeniedException)"))
    assert len(report.problems) == 1
    assert "grant organizations:DescribeOrganization" in report.problems[0]
    assert "111122223333" in report.problems[0]


def test_the_identity_the_bot_runs_as_is_printed() -> None:
    arn = "arn:aws:sts::111122223333:assumed-role/restores-bot/i-0123"
    report = identity_check(CallerIdentity(account="111122223333", management="111122223333", organization=True,
                                           arn=arn))
    assert f"  ok       the bot runs as role restores-bot in account 111122223333 ({arn})" in report.lines
    unknown = identity_check(CallerIdentity(problem="sts:GetCallerIdentity failed (NoCredentialsError)"))
    assert unknown.problems == ["the bot's AWS identity could not be read: sts:GetCallerIdentity failed "
                                "(NoCredentialsError)"]  # once: the Organizations line is not repeated


def test_the_region_names_where_it_came_from() -> None:
    env = {"AWS_DEFAULT_REGION": "eu-west-3", "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
           "AWS_CONFIG_FILE": "/dev/null"}
    with patch.dict("os.environ", {}, clear=True):
        report = check(load_settings(env))
    assert "  ok       1 region(s) from AWS_DEFAULT_REGION: eu-west-3" in report.lines
    assert "  RESTORES_REGIONS = eu-west-3 (from AWS_DEFAULT_REGION)" in report.lines


def not_found() -> ClientError:
    return ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no such plan"}},
                       "ListRestoreTestingSelections")


@pytest.mark.parametrize(("plans", "error", "fine"), [
    ([], not_found(), True),  # no plan: a plan that does not exist is 'not found', so the call is allowed
    ([{"RestoreTestingPlanName": "daily"}], None, True),
    ([{"RestoreTestingPlanName": "daily"}], not_found(), False),  # the plan just listed must be found
    ([], denied("ListRestoreTestingSelections"), False),
])
def test_restore_testing_selections_are_probed(plans: list[dict[str, str]], error: Exception | None,
                                               fine: bool) -> None:
    service = backup()
    client = service.client("us-east-1")
    client.list_restore_testing_plans.return_value = {"RestoreTestingPlans": plans}
    client.list_restore_testing_selections.side_effect = error
    [result] = [p for p in probe(service, "us-east-1") if p.action == SELECTIONS_ACTION]
    assert (result.failure is None) is fine
    expected = plans[0]["RestoreTestingPlanName"] if plans else NO_SUCH_PLAN
    client.list_restore_testing_selections.assert_called_once_with(RestoreTestingPlanName=expected, MaxResults=1)


def test_the_directory_section_says_what_it_read_and_what_to_grant_when_refused() -> None:
    from tests.unit.organization.sample_org import organization_of

    read = check(directory=org_directory(organization_of()))
    assert read.problems == []
    assert any("organisation o-" in line and "5 account(s), 1 suspended or closed" in line for line in read.lines), \
        read.lines
    refused = check(directory=org_directory(denied("ListAccounts")))
    assert len(refused.problems) == 1 and "organizations:" in refused.problems[0], refused.problems
    assert "until then accounts are shown by id" in refused.problems[0]


def test_an_ou_scoped_channel_with_an_unreadable_directory_is_a_problem_saying_it_is_refused() -> None:
    """As the Home tab's case: a channel scoped by OU answers nothing while the directory cannot be read (fail
    closed), and `check` says so as a problem, not a note."""
    report = check(settings(RESTORES_CHANNEL_ACCOUNTS="C0123ABCD=ou-ab12-abcdefgh;C0456EFGH=111122223333"),
                   directory=org_directory(denied("ListAccounts")))
    refused = [p for p in report.problems if "C0123ABCD" in p]
    assert len(refused) == 1 and "is refused until the directory can be read" in refused[0]
    assert "ou-ab12-abcdefgh" in refused[0] and "organizations:" in refused[0]
    assert not any("C0456EFGH" in p for p in report.problems)  # an account-scoped channel needs no directory


def test_protected_resources_are_probed_and_a_refused_tag_read_is_only_a_note() -> None:
    service = backup({("eu-west-1", "list_protected_resources"): denied("ListProtectedResources")})
    report = check(service=service)
    assert any("eu-west-1: backup:ListProtectedResources" in p for p in report.problems), report.problems
    assert "  ok       us-east-1: backup:ListProtectedResources" in report.lines
    service.client("us-east-1").list_protected_resources.assert_called_once_with(MaxResults=1)
    tags = Mock()
    tags.client.return_value.get_resources.side_effect = denied("GetResources")
    with patch("bot.check.tags_probe", lambda _sessions, region: real_tags_probe(tags, region)):
        noted = check()
    assert noted.problems == []
    assert any(line.startswith("  note     us-east-1: tag:GetResources (optional):") for line in noted.lines)
