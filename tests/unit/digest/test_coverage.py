"""The digest's weekly coverage line: on the digest of COVERAGE_WEEKDAY only, read once per scope over the 30 days
ending with the digest's day; its words are figures (what was not read first, in words); and it is informational:
the digest's all clear, its notification and RESTORES_DIGEST_SKIP_ALL_CLEAR are the same with it as without it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from unittest.mock import Mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digest.coverage import COVERAGE_DAYS, COVERAGE_WEEKDAY, coverage_due, coverage_end, coverage_sections
from bot.digest.data import DigestRows, build_digest
from bot.digest.render import DigestSection, render_digest
from bot.digest.render_coverage import coverage_line, coverage_section, joined
from bot.digest.run import post_digest
from bot.domain.recoverability import CoverageRead, ProtectedResource
from bot.domain.results import FailureKind, RegionFailure, SummaryRow
from bot.recoverability.grammar import CoverageQuery
from bot.recoverability.service import Recoverability
from bot.recoverability.verdicts import cover
from bot.slack.blocks import section
from bot.store.ledger import Ledger
from tests.unit.digest.test_run import CLEAR, NOW, REGIONS, ROWS, backup_with, slack

A1, A2 = "111122223333", "444455556666"
END = datetime(2027, 1, 11, tzinfo=UTC)


def resource(n: int, account: str = A1, kind: str = "RDS") -> ProtectedResource:
    return ProtectedResource(account, "us-east-1", f"arn:aws:rds:us-east-1:{account}:db:db{n}", kind, name=f"db{n}")


def read(proven: int, total: int, *, critical: set[int] | None = None, not_read: tuple[str, ...] = (),
         tags_not_read: tuple[str, ...] = ()) -> CoverageRead:
    resources = tuple(resource(n) for n in range(total))
    return CoverageRead(resources, frozenset(r.arn for r in resources[:proven]), (A1,), ("us-east-1",),
                        (END - timedelta(days=30), END), not_read=not_read,
                        critical=None if critical is None else frozenset(resources[n].arn for n in critical),
                        tags_not_read=tags_not_read)


def line_of(coverage: CoverageRead) -> str | None:
    return coverage_line(coverage, cover(coverage), days=30)


# ----------------------------------------------------------------- the weekday


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
def test_the_line_is_due_one_digest_day_a_week(start: date) -> None:
    week = [start + timedelta(days=n) for n in range(7)]
    assert [d for d in week if coverage_due(d)] == [d for d in week if d.weekday() == COVERAGE_WEEKDAY]
    assert sum(coverage_due(d) for d in week) == 1
    assert coverage_end(start) == datetime.combine(start + timedelta(days=1), datetime.min.time(), UTC)


def test_on_other_days_nothing_is_read() -> None:
    reader = Mock(Recoverability)
    due = date(2027, 1, 3) + timedelta(days=(COVERAGE_WEEKDAY - date(2027, 1, 3).weekday()) % 7)
    for day in (due - timedelta(days=n) for n in range(1, 7)):
        assert coverage_sections(reader, ("us-east-1",), day)(None) is None
    assert reader.coverage.call_count == 0
    assert coverage_sections(None, ("us-east-1",), due)(None) is None  # no coverage reader wired


def test_on_the_day_each_scope_is_read_once_over_the_thirty_days_to_the_end_of_the_digest_day() -> None:
    due = date(2027, 1, 3) + timedelta(days=(COVERAGE_WEEKDAY - date(2027, 1, 3).weekday()) % 7)
    reader = Mock(Recoverability)
    reader.coverage.return_value = read(3, 4, critical={3})
    sections = coverage_sections(reader, ("us-east-1", "eu-west-1"), due)
    first = sections(None)
    assert first is not None and first.informational and sections(None) is first
    scoped = sections(frozenset({A1}))
    assert scoped is not None and reader.coverage.call_count == 2
    (query, visible), options = reader.coverage.call_args_list[0]
    assert query == CoverageQuery(days=COVERAGE_DAYS, regions=("us-east-1", "eu-west-1")) and visible is None
    assert options == {"now": coverage_end(due)}
    assert reader.coverage.call_args_list[1][0][1] == frozenset({A1})


def test_a_read_that_raises_is_said_in_the_digest_never_raised() -> None:
    due = date(2027, 1, 3) + timedelta(days=(COVERAGE_WEEKDAY - date(2027, 1, 3).weekday()) % 7)
    reader = Mock(Recoverability)
    reader.coverage.side_effect = RuntimeError("boom <secret>")
    said = coverage_sections(reader, ("us-east-1",), due)(None)
    assert said is not None and said.informational
    text = json.dumps([b.to_dict() for b in said.blocks])
    assert "could not be read (RuntimeError)" in text and "secret" not in text


# ----------------------------------------------------------------- the words


def test_the_line_states_the_figures() -> None:
    assert line_of(read(41, 57, critical={50, 51, 52, 3})) == (
        "*Restore coverage (30 days):* 41 of 57 protected resources restored (validated where tested); "
        "3 restore-critical not restored — `/restores coverage`")
    assert line_of(read(1, 1, critical=set())) == (
        "*Restore coverage (30 days):* 1 of 1 protected resource restored (validated where tested) — "
        "`/restores coverage`")


def test_nothing_to_say_when_every_part_was_read_and_nothing_is_protected() -> None:
    assert line_of(read(0, 0, critical=set())) is None
    assert line_of(read(0, 0, critical=set(), not_read=("eu-west-1 (access denied)",))) is not None


def test_what_was_not_read_comes_first_in_words_and_every_figure_is_of_what_was_read() -> None:
    line = line_of(read(5, 8, critical={6}, not_read=("account 444455556666 (<role> refused)",)))
    assert line == (
        ":warning: *Restore coverage (30 days), incomplete:* not read: account 444455556666 (&lt;role&gt; refused). "
        "Of what was read, 5 of 8 protected resources restored (validated where tested); at least 1 restore-critical "
        "not restored — `/restores coverage`")


def test_tags_not_read_make_the_critical_count_a_lower_bound_or_unknown() -> None:
    assert "; restore-critical tags not read —" in str(line_of(read(2, 3)))
    partial = line_of(read(2, 4, critical={3}, tags_not_read=("eu-west-1",)))
    assert "; at least 1 restore-critical not restored (tags not read in eu-west-1) —" in str(partial)
    unknown = line_of(read(2, 4, critical=set(), tags_not_read=("eu-west-1",)))
    assert "; restore-critical not all known (tags not read in eu-west-1) —" in str(unknown)


def test_sections_join_under_one_divider_and_stay_informational_only_when_each_part_is() -> None:
    testing = DigestSection([section("*Restore testing*\nplan broke")], "1 plan failed")
    coverage = coverage_section("*Restore coverage (30 days):* 1 of 2", "restore coverage (30 days) 1 of 2")
    both = joined(testing, coverage)
    assert both is not None and not both.informational
    assert [b.type for b in both.blocks] == ["section", "section"]
    assert both.summary == "1 plan failed; restore coverage (30 days) 1 of 2"
    assert joined(None, coverage) == coverage and coverage.informational
    assert joined(None, None) is None


# ----------------------------------------------------------------- the all clear, unchanged


DAY = date(2027, 1, 10)


def summary(state: str, count: int) -> SummaryRow:
    start = datetime.combine(DAY, datetime.min.time(), UTC)
    return SummaryRow("us-east-1", A1, state, "EBS", count, start, start + timedelta(days=1))


def digest(*rows: SummaryRow, failures: tuple[RegionFailure, ...] = ()) -> DigestRows:
    return DigestRows(regions=("us-east-1", "eu-west-1"), totals=rows, by_type=(), by_account=None, failures=failures)


COVERAGE = coverage_section("*Restore coverage (30 days):* 5 of 8 protected resources", "restore coverage (30 days) 5 of 8")
LATE = RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer")


@pytest.mark.parametrize(("rows", "failures"), [
    ((summary("COMPLETED", 10),), ()),  # all clear
    ((summary("COMPLETED", 10), summary("FAILED", 2)), ()),  # failures
    ((summary("COMPLETED", 10),), (LATE,)),  # incomplete: never all clear
])
def test_the_coverage_line_neither_grants_nor_removes_the_all_clear(rows: tuple[SummaryRow, ...],
                                                                    failures: tuple[RegionFailure, ...]) -> None:
    data = build_digest(digest(*rows, failures=failures), day=DAY)
    without, with_line = render_digest(data), render_digest(data, extra=COVERAGE)
    blocks = with_line.block_dicts()
    line = [b for b in blocks if b.get("text", {}).get("text", "").startswith("*Restore coverage")]
    assert len(line) == 1
    assert [b for b in blocks if b is not line[0] and b != {"type": "divider"}] == \
        [b for b in without.block_dicts() if b != {"type": "divider"}]
    assert with_line.text == without.text + "; restore coverage (30 days) 5 of 8"
    # A section with something wrong (restore testing) still takes the all clear away, as before.
    testing = render_digest(data, extra=DigestSection([section("*Restore testing*\nbroke")], "1 plan failed"))
    assert "all clear" not in testing.text.lower()
    assert ("all clear" in without.text.lower()) is data.all_clear


def test_skip_all_clear_still_skips_a_clear_day_with_the_line(tmp_path: Path) -> None:
    """RESTORES_DIGEST_SKIP_ALL_CLEAR: the coverage line alone is no reason to post a clear day; a day with failures
    is posted with it."""
    ledger = Ledger.from_url(f"sqlite:///{tmp_path}/l.db")
    try:
        client = slack()
        options = {"backup": None, "client": client, "ledger": ledger, "regions": REGIONS, "channels": ("C1",),
                   "now": NOW, "charts": False, "skip_all_clear": True, "extra_for": lambda visible: COVERAGE}
        skipped = post_digest(**{**options, "backup": backup_with(CLEAR)})
        assert [o.status for o in skipped.outcomes] == ["skipped-all-clear"] and not client.chat_postMessage.called
        posted = post_digest(**{**options, "backup": backup_with(ROWS)})
        assert [o.status for o in posted.outcomes] == ["posted"]
        assert "*Restore coverage (30 days):*" in json.dumps(client.chat_postMessage.call_args.kwargs["blocks"])
    finally:
        ledger.engine.dispose()
