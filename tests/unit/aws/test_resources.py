"""ResourceReader over fake clients (no socket): coverage joins completed restores to resources over every page, a
failed tag read is named apart and changes no figure, a role that cannot be assumed is one account's failure, and a
resource AWS does not know is missing, not unread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from bot.aws.resources import ResourceReader
from bot.aws.testing import OWN

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)
WINDOW = (NOW - timedelta(days=30), NOW)
ME, MEMBER, DENIED = "111122223333", "444455556666", "777788889999"


def arn(account: str, n: int) -> str:
    return f"arn:aws:rds:us-east-1:{account}:db:db{n}"


def denied(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, operation)


class Client:
    """One account's AWS Backup (and tagging) in one region, two items a page."""

    def __init__(self, account: str, *, tags_fail: bool = False) -> None:
        self.account = account
        self.tags_fail = tags_fail
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def _page(self, member: str, items: list[dict[str, Any]], params: dict[str, Any], key: str = "NextToken") -> Any:
        start = int(params.get(key) or 0)
        page: dict[str, Any] = {member: items[start:start + 2]}
        if start + 2 < len(items):
            page[key] = str(start + 2)
        return page

    def list_protected_resources(self, **params: Any) -> Any:
        self.asked.append(("ListProtectedResources", params))
        items = [{"ResourceArn": arn(self.account, n), "ResourceType": "RDS", "ResourceName": f"db{n}"} for n in range(5)]
        return self._page("Results", items, params)

    def list_restore_jobs(self, **params: Any) -> Any:
        self.asked.append(("ListRestoreJobs", params))
        items = [{"RestoreJobId": f"j{n}", "Status": "COMPLETED", "CreationDate": (NOW - timedelta(days=1)).timestamp(),
                  "SourceResourceArn": arn(self.account, n), "ResourceType": "RDS",
                  **({"ValidationStatus": "FAILED"} if n == 1 else {})} for n in (0, 1, 2, 7)]
        return self._page("RestoreJobs", items, params)

    def get_resources(self, **params: Any) -> Any:
        self.asked.append(("GetResources", params))
        if self.tags_fail:
            raise denied("GetResources")
        return self._page("ResourceTagMappingList", [{"ResourceARN": arn(self.account, 3)}], params, "PaginationToken")

    def describe_protected_resource(self, **params: Any) -> Any:
        raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "DescribeProtectedResource")


class Sessions:
    def __init__(self, **clients: Client) -> None:
        self.clients = clients

    def client(self, account: str, region: str, service: str = "backup") -> Client:
        if account == DENIED:
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
        return self.clients[account or "own"]


def reader(sessions: Sessions) -> ResourceReader:
    return ResourceReader(sessions, deadline_seconds=10, own_account=lambda: ME)  # type: ignore[arg-type]


def test_coverage_over_pages_and_accounts() -> None:
    own, member = Client(ME), Client(MEMBER, tags_fail=True)
    read = reader(Sessions(own=own, **{MEMBER: member})).coverage((OWN, MEMBER, DENIED), ("us-east-1",), WINDOW)
    assert len(read.resources) == 10 and {r.account_id for r in read.resources} == {ME, MEMBER}
    assert read.proven == {arn(a, n) for a in (ME, MEMBER) for n in (0, 2)}  # 1 failed validation, 7 not protected
    assert read.critical == {arn(ME, 3)}
    assert len(read.tags_not_read) == 1 and MEMBER in read.tags_not_read[0] and "tag:GetResources" in read.tags_not_read[0]
    assert read.not_read == (f"account {DENIED} (the bot could not assume its role (AccessDenied): check the role's trust "
                             "policy and the bot's sts:AssumeRole permission)",)
    jobs = [params for name, params in own.asked if name == "ListRestoreJobs"]
    assert len(jobs) == 2 and jobs[0]["ByStatus"] == "COMPLETED" and jobs[0]["ByCreatedAfter"] == WINDOW[0]
    assert len([1 for name, _ in own.asked if name == "ListProtectedResources"]) == 3  # 5 resources, 2 a page


def test_a_resource_aws_does_not_know_is_missing() -> None:
    found = reader(Sessions(own=Client(ME))).find("db4", (OWN,), ("us-east-1",))
    assert [r.arn for r in found.matches] == [arn(ME, 4)]
    report = reader(Sessions(own=Client(ME))).report(found.matches[0], OWN)
    assert report.missing and report.not_read == () and report.jobs == ()


def test_the_bots_own_account_is_named_by_its_id_where_it_was_not_read() -> None:
    """A failed read of the bot's own account names its id (one form everywhere: words.account_text)."""
    read = reader(Sessions(own=Client(ME, tags_fail=True))).coverage((OWN,), ("us-east-1",), WINDOW)
    assert read.tags_not_read[0].startswith(f"account {ME} (the bot's own) in us-east-1 (")
    unknown = ResourceReader(Sessions(own=Client(ME, tags_fail=True)), deadline_seconds=10,  # type: ignore[arg-type]
                             own_account=lambda: None).coverage((OWN,), ("us-east-1",), WINDOW)
    assert unknown.tags_not_read[0].startswith("the bot's own account (id not known) in us-east-1 (")
