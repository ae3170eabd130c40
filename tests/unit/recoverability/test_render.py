"""A resource's verdict and the coverage as Slack shows them: the words for each history, a check mark only through
reassure() and only when everything was read, AWS's strings and names made inert, critical resources first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.domain.coverage import MARK
from bot.domain.recoverability import CoverageRead, LatestRestore, Lookup, ProtectedResource, ResourceReport, proves
from bot.domain.results import RestoreJobRow, TestingSelection
from bot.recoverability.grammar import CoverageQuery, ResourceQuery
from bot.recoverability.render import render_coverage, render_lookup, render_resource
from bot.recoverability.verdicts import Standing, cover, judge

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)
ARN = "arn:aws:rds:eu-west-1:444455556666:db:orders-db"
PLAN = "arn:aws:backup:eu-west-1:444455556666:restore-testing-plan:nightly-0a1b"
DB = ProtectedResource("444455556666", "eu-west-1", ARN, "RDS", "orders-db", NOW - timedelta(hours=6),
                       "arn:aws:backup:eu-west-1:444455556666:recovery-point:rp-1")
QUERY = ResourceQuery("orders-db", regions=("eu-west-1",))


def job(status: str, days: float, minutes: float | None = 41, **fields: object) -> RestoreJobRow:
    created = NOW - timedelta(days=days)
    return RestoreJobRow(region="eu-west-1", account_id="444455556666", job_id=f"j{days}", status=status,
                         status_message=str(fields.pop("status_message", "")), resource_type="RDS", created=created,
                         resource_arn=ARN, source_arn=ARN,
                         completed=created + timedelta(minutes=minutes) if minutes is not None else None,
                         **fields)  # type: ignore[arg-type]


def text(report: ResourceReport) -> str:
    message = render_resource(report, QUERY, now=NOW)
    return message.text + json.dumps(message.block_dicts(), ensure_ascii=False)


def report(*jobs: RestoreJobRow, **fields: object) -> ResourceReport:
    return ResourceReport(DB, LatestRestore(), tuple(jobs), plan_names={PLAN: "nightly"}, **fields)  # type: ignore[arg-type]


def test_restored_and_validated_says_when_how_long_and_by_which_plan() -> None:
    shown = text(report(job("COMPLETED", 3, restore_testing_plan_arn=PLAN, validation_status="SUCCESSFUL")))
    assert f"{MARK} *Restored and validated 3 days ago in 41 min* by restore testing plan nightly" in shown
    assert "restored by plan nightly" in shown and "Open in the AWS Backup console" in shown


def test_each_history_in_words() -> None:
    assert "(not validated: no validation ran)" in text(report(job("COMPLETED", 1)))
    failed = text(report(job("FAILED", 0.5, 5, status_message="Access denied to KMS key"), job("COMPLETED", 4)))
    assert ":x: *Last restore failed 12 h ago:* `Access denied to KMS key`" in failed
    assert "The last good restore was 4 days ago, in 41 min." in failed and MARK not in failed
    assert "*Never restored: no evidence it can be.*" in text(report())
    bad = text(report(job("COMPLETED", 2, restore_testing_plan_arn=PLAN, validation_status="FAILED",
                          validation_status_message="row count 0")))
    assert "but its validation ended failed*: `row count 0`" in bad and MARK not in bad
    running = text(report(job("RUNNING", 0.1, None), job("COMPLETED", 3)))
    assert "A restore is in progress since" in running and "*Restored 3 days ago" in running


def test_nothing_reassures_when_part_was_not_read() -> None:
    good = job("COMPLETED", 3, restore_testing_plan_arn=PLAN, validation_status="SUCCESSFUL")
    partial = text(report(good, not_read=("its restore jobs (AWS throttled the requests)",)))
    assert "*Incomplete:*" in partial and "not an all clear" in partial and MARK not in partial
    capped = text(report(good, jobs_capped=True))
    assert "*Incomplete:*" in capped and MARK not in capped
    summary_only = text(ResourceReport(DB, LatestRestore(created=NOW - timedelta(days=2)), ()))
    assert "restore jobs were not read" in summary_only and "Never restored" not in summary_only


def test_aws_strings_and_names_are_inert() -> None:
    evil = ProtectedResource("444455556666", "eu-west-1", ARN, "RDS", "<!here> db", None)
    shown = render_resource(ResourceReport(evil, LatestRestore(), (job("FAILED", 1, status_message="<@U1>\n*ok*"),)),
                            QUERY, now=NOW)
    dumped = json.dumps(shown.block_dicts())
    assert "<!here>" not in dumped and "&lt;!here&gt;" in dumped and "<@U1>" not in dumped


def test_a_selection_of_its_type_is_said_to_take_it_only_as_that() -> None:
    selection = TestingSelection("eu-west-1", "444455556666", "nightly", "rds_all", "RDS")
    shown = text(report(job("COMPLETED", 1), selections=(selection,)))
    assert "selection nightly / rds_all takes RDS resources here, but none of its restores was of this one" in shown


def test_several_matches_are_listed_with_their_arns() -> None:
    other = ProtectedResource("111122223333", "us-east-1", ARN.replace("eu-west-1", "us-east-1"), "RDS", "orders-db2")
    lookup = Lookup("orders", (DB, other), ("", "444455556666"), ("us-east-1", "eu-west-1"))
    shown = json.dumps(render_lookup(lookup, QUERY).block_dicts())
    assert "*2 protected resources* match" in shown and DB.arn in shown and other.arn in shown
    empty = json.dumps(render_lookup(Lookup("nope", (), ("",), ("us-east-1",), ("account 1 (denied)",)),
                                     QUERY).block_dicts())
    assert "No protected resource matches" in empty and "the bot's own account" in empty and "Incomplete" in empty


def coverage_of(resources: list[ProtectedResource], restores: dict[str, tuple[RestoreJobRow, ...]],
                **fields: object) -> CoverageRead:
    proven = frozenset(arn for arn, jobs in restores.items() if any(proves(j) for j in jobs))
    return CoverageRead(tuple(resources), proven, ("", "444455556666"), ("eu-west-1",),
                        (NOW - timedelta(days=30), NOW), **fields)  # type: ignore[arg-type]


def resource(n: int, kind: str = "EBS", account: str = "444455556666") -> ProtectedResource:
    return ProtectedResource(account, "eu-west-1", f"arn:aws:ec2:eu-west-1:{account}:volume/vol-{n}", kind, f"v{n}")


def test_coverage_counts_by_type_and_account_and_lists_critical_first() -> None:
    resources = [resource(1), resource(2), resource(3, "RDS", "111122223333"), resource(4, "RDS")]
    restores = {resources[0].arn: (job("COMPLETED", 2),),
                resources[1].arn: (job("COMPLETED", 2, validation_status="FAILED"),),
                resources[2].arn: (job("COMPLETED", 2, validation_status="SUCCESSFUL"),)}
    read = coverage_of(resources, restores, critical=frozenset({resources[3].arn}))
    verdict = cover(read)
    assert (verdict.total.resources, verdict.total.proven) == (4, 2)
    assert dict(verdict.by_type)["EBS"].proven == 1 and dict(verdict.by_account)["111122223333"].proven == 1
    assert [r.name for r in verdict.unproven] == ["v4", "v2"]  # critical first
    shown = json.dumps(render_coverage(read, verdict, CoverageQuery(regions=("eu-west-1",))).block_dicts())
    assert "*2 of 4 protected resources* (50%)" in shown and ":rotating_light: restore-critical" in shown
    assert MARK not in shown


def test_coverage_marks_only_a_complete_full_read() -> None:
    resources = [resource(1)]
    restores = {resources[0].arn: (job("COMPLETED", 2),)}
    full = coverage_of(resources, restores)
    assert MARK in json.dumps(render_coverage(full, cover(full), CoverageQuery()).block_dicts())
    partial = coverage_of(resources, restores, not_read=("account 7 in eu-west-1 (access denied)",))
    shown = json.dumps(render_coverage(partial, cover(partial), CoverageQuery()).block_dicts())
    assert MARK not in shown and "Incomplete" in shown and "account 7 in eu-west-1" in shown


def test_judge_prefers_the_newest_finished_restore() -> None:
    verdict = judge(report(job("PENDING", 0.01, None), job("ABORTED", 1, 3), job("COMPLETED", 5)))
    assert verdict.standing is Standing.FAILED and verdict.last_proof is not None and verdict.running is not None


def test_coverage_of_nothing_read_gives_no_figure_and_says_not_read_once() -> None:
    """Every account asked for unread: no "0 of 0 (0%)"; the accounts named (not "no account"), "not read" said once."""
    read = CoverageRead((), frozenset(), ("444455556666",), ("eu-west-1",), (NOW - timedelta(days=90), NOW),
                        not_read=("account 444455556666 (not in RESTORES_TESTING_ACCOUNTS: …)",))
    shown = json.dumps(render_coverage(read, cover(read), CoverageQuery(days=90)).block_dicts())
    assert "0 of 0" not in shown and "(0%)" not in shown and "no account" not in shown
    assert "No protected resource was read" in shown and shown.count("not read") == 1
    assert "*Accounts:* account 444455556666" in shown


def test_the_bots_own_account_is_named_by_its_id() -> None:
    resources = [resource(1, account="111122223333")]
    read = CoverageRead(tuple(resources), frozenset(), ("111122223333",), ("eu-west-1",), (NOW - timedelta(days=30), NOW))
    shown = json.dumps(render_coverage(read, cover(read), CoverageQuery(), own="111122223333").block_dicts())
    assert "account 111122223333 (the bot's own)" in shown
    unknown = coverage_of([resource(2)], {})
    assert "the bot's own account (id not known)" in json.dumps(
        render_coverage(unknown, cover(unknown), CoverageQuery()).block_dicts())
