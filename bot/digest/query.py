"""The digest's one AWS query: the planner's chains (bot.aws.plan.digest_chains) in every region, as DigestRows."""

from __future__ import annotations

from datetime import date

from bot.aws.client import BackupService
from bot.aws.plan import digest_chains
from bot.digest.data import DigestData, DigestRows, build_digest
from bot.domain.query import BAD_STATES

# A digest is a background job: it may take minutes and read many pages before it says anything.
DIGEST_MAX_PAGES = 20_000


def query_digest(
    backup: BackupService,
    regions: tuple[str, ...],
    account: str | None = None,
    *,
    per_account: bool = False,
    deadline_seconds: float | None = None,
) -> DigestRows:
    """Every chain of every region at once (the wall time is the longest chain), within the digest's own deadline
    and page cap; regions that failed or were cut short are carried along, never hidden."""
    chains = digest_chains(account, per_account=per_account)
    answer = backup.summary_chains(regions, chains, deadline_seconds=deadline_seconds, max_pages=DIGEST_MAX_PAGES)
    by_account = (
        tuple(row for state in BAD_STATES for row in answer.rows[f"account:{state}"])
        if f"account:{BAD_STATES[0]}" in chains
        else None
    )
    return DigestRows(
        regions=regions,
        totals=tuple(answer.rows["totals"]),
        by_type=tuple(row for state in BAD_STATES for row in answer.rows[f"type:{state}"]),
        by_account=by_account,
        failures=answer.failures,
        truncated=answer.truncated,
        per_account=per_account,
        aws_time=answer.aws_time,
        only_account=answer.only_account,
    )


def collect_digest(backup: BackupService, regions: tuple[str, ...], *, day: date, account: str | None = None) -> DigestData:
    return build_digest(query_digest(backup, regions, account), day=day, account=account)
