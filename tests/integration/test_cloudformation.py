"""The CloudFormation templates in cloudformation/ (what AWS needs for the bot: its read-only role, the member
accounts' role, the event forwarding and the alert queue) pass cfn-lint with no error in the regions the bot is
deployed to, and grant and configure what the code relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint_all, lint_file  # type: ignore[import-untyped]
from cfnlint.decode import decode  # type: ignore[import-untyped]

from bot.alerts.events import DETAIL_TYPE, LIST_TRIES, SOURCE, WAIT_SECONDS
from bot.domain.query import ALERT_STATES

TEMPLATES = Path(__file__).resolve().parents[2] / "cloudformation"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]


def _template(name: str) -> dict[str, Any]:
    template, problems = decode(str(TEMPLATES / name))
    assert isinstance(template, dict) and not problems, problems
    return dict(template)


def _errors(matches: list[Any]) -> list[str]:
    return [f"{m.rule.id} {m.filename}:{m.linenumber} {m.message}" for m in matches if m.rule.id.startswith("E")]


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.yaml")))
def test_each_template_has_no_cfn_lint_error(name: str) -> None:
    matches = lint_file(TEMPLATES / name, ManualArgs(regions=REGIONS))
    assert _errors(matches) == []


def test_the_check_fails_on_a_broken_template() -> None:
    broken = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: forever\n"
    assert _errors(lint_all(broken)) != []


def test_there_are_the_four_templates() -> None:
    assert sorted(p.name for p in TEMPLATES.glob("*.yaml")) == [
        "bot-role.yaml", "event-forwarding-central.yaml", "event-forwarding-member.yaml", "member-role.yaml"]


def _actions(statements: list[Any]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        if "Fn::If" in statement:
            statement = statement["Fn::If"][1]
        action = statement["Action"]
        found.update([action] if isinstance(action, str) else action)
    return found


def test_the_bots_role_grants_the_reads_and_the_queue_it_uses_and_nothing_that_writes() -> None:
    policy = _template("bot-role.yaml")["Resources"]["ReadPolicy"]["Properties"]["PolicyDocument"]
    actions = _actions(policy["Statement"])
    assert {"backup:ListRestoreJobs", "backup:ListRestoreJobSummaries", "backup:ListRestoreTestingPlans",
            "backup:ListRestoreTestingSelections", "organizations:DescribeOrganization", "organizations:ListAccounts",
            "organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent", "organizations:ListChildren",
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sts:AssumeRole"} <= actions
    verbs = {action.split(":")[1] for action in actions}
    assert all(v.startswith(("List", "Describe", "Get", "Receive")) for v in verbs - {"DeleteMessage", "AssumeRole"})
    assert not any("PassRole" in a or a.endswith("*") for a in actions)


def test_the_member_role_trusts_only_the_bots_role_and_only_reads() -> None:
    role = _template("member-role.yaml")["Resources"]["Role"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert "${BotAccountId}:role/${BotRoleName}" in trust["Principal"]["AWS"]["Fn::Sub"]
    actions = _actions(role["Policies"][0]["PolicyDocument"]["Statement"])
    assert actions and all(a.split(":")[1].startswith(("List", "Get", "Describe")) for a in actions)


def test_the_forwarding_sends_what_the_bot_reads_and_the_queue_fits_its_receives() -> None:
    member = _template("event-forwarding-member.yaml")["Resources"]["ForwardRule"]["Properties"]["EventPattern"]
    assert member["source"] == [SOURCE] and member["detail-type"] == [DETAIL_TYPE]
    # Restore job events say `status`; the pattern takes `state` too, as parse_event does.
    assert [{k: sorted(v) for k, v in branch["detail"].items()} for branch in member["$or"]] == [
        {"status": sorted(ALERT_STATES)}, {"state": sorted(ALERT_STATES)}]
    central = _template("event-forwarding-central.yaml")["Resources"]
    policy = central["OrganizationMayPut"]["Properties"]["Statement"]
    assert policy["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == {"Ref": "OrganizationId"}
    queue = central["Queue"]["Properties"]
    assert queue["ReceiveMessageWaitTimeSeconds"] == WAIT_SECONDS
    # A job AWS does not list yet is received LIST_TRIES times before it is posted: the redrive must allow that.
    max_receives = _template("event-forwarding-central.yaml")["Parameters"]["MaxReceiveCount"]["Default"]
    assert max_receives > LIST_TRIES
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    [target] = central["ToQueue"]["Properties"]["Targets"]
    assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
