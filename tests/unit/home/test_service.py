"""HomeDashboard with the real policy and regions and mocked reads: who sees a refusal or a "not enabled" view and no
AWS call, a fault as an error view with a reference, what is asked of AWS for the Home's accounts and days, complete
reads kept for the TTL and incomplete ones asked again, the chart only for complete numbers, and the user's channels'
subscriptions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from unittest.mock import Mock

import pytest

from bot.aws.client import BackupService
from bot.config import load_settings
from bot.domain.access import Access
from bot.domain.query import ANY, Period, RestoreFilter, State
from bot.domain.results import (
    AccountFailure,
    FailureKind,
    JobsQuery,
    JobsResult,
    RegionFailure,
    SummaryResult,
    SummaryRow,
    TestingResult,
)
from bot.domain.subscriptions import AlertSubscription, DigestSubscription
from bot.home.render import HOME_DAYS, HomeChannel, HomeView
from bot.home.service import HomeDashboard, HomeReads
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.service import RestoreTests
from bot.restore_testing.verdicts import Scoreboard, judge
from bot.store.subscriptions import SubscriptionStore
from bot.wiring import Wiring

pytestmark = pytest.mark.dates

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
TODAY = datetime.combine(NOW.date(), time.min, UTC)
WINDOW = (TODAY - timedelta(days=HOME_DAYS), TODAY)
REGIONS = ("us-east-1", "eu-west-1")
A, B = "111122223333", "444455556666"
TEAM = "T0TEAM"
BASE_ENV = {"RESTORES_REGIONS": ",".join(REGIONS), "SLACK_TEAM_ID": TEAM}
REFERENCE = re.compile(r"this reference: `([0-9a-f]{12})`")


class Home:
    """A dashboard and its mocked reads."""

    def __init__(self, env: dict[str, str]) -> None:
        settings = load_settings({**BASE_ENV, **env}, "local")
        self.backup = Mock(BackupService)
        self.backup.restore_job_summaries.side_effect = lambda flt: summary(flt, [])
        self.tests = Mock(RestoreTests)
        self.tests.scoreboard.return_value = board()
        self.list_jobs = Mock(side_effect=lambda flt, window: failed_jobs(window))
        self.store = Mock(SubscriptionStore)
        self.store.digest_subscriptions.return_value = []
        self.store.alert_subscriptions.return_value = []
        self.wiring = Wiring(settings, backup=self.backup)
        self.dashboard = HomeDashboard(settings, backup=self.backup, regions=self.wiring.regions,
                                       policy=self.wiring.policy, tests=self.tests, list_jobs=self.list_jobs,
                                       subscription_store=lambda: self.store)

    def view(self, user: str = "U0ALICE", teams: tuple[str, ...] = (TEAM,), **kwargs: object) -> HomeView:
        return self.dashboard.view(user_id=user, teams=teams, now=NOW, **kwargs)  # type: ignore[arg-type]

    def aws_reads(self) -> int:
        return len(self.backup.mock_calls) + len(self.tests.mock_calls) + len(self.list_jobs.mock_calls)


@pytest.fixture
def make() -> Iterator[Callable[..., Home]]:
    made: list[Home] = []

    def build(**env: str) -> Home:
        made.append(Home(env))
        return made[-1]

    yield build
    for home in made:
        home.dashboard.close()
        home.wiring.close()


def row(state: str, count: int, *, region: str = "us-east-1", account: str = A, days_ago: int = 1) -> SummaryRow:
    start = TODAY - timedelta(days=days_ago)
    return SummaryRow(region, account, state, "EBS", count, start, start + timedelta(days=1))


def summary(flt: RestoreFilter, rows: list[SummaryRow], failures: tuple[RegionFailure, ...] = (),
            truncated: tuple[str, ...] = ()) -> SummaryResult:
    return SummaryResult(flt, Period.ONE_DAY, tuple(rows), failures, truncated, type_rows=tuple(rows),
                         account_rows=tuple(rows))


def failed_jobs(window: tuple[datetime, datetime], failures: tuple[RegionFailure, ...] = (),
                truncated: tuple[str, ...] = ()) -> JobsResult:
    query = JobsQuery(regions=REGIONS, created_after=window[0], created_before=window[1], status=State.FAILED)
    return JobsResult(query, (), failures, truncated)


def board(failures: tuple[AccountFailure, ...] = ()) -> Scoreboard:
    result = TestingResult(REGIONS, ("",), (NOW - timedelta(days=HOME_DAYS), NOW), (), (), (), failures)
    return judge(result, now=NOW, days=HOME_DAYS)


def text_of(view: HomeView) -> str:
    return json.dumps(view.block_dicts(), ensure_ascii=False)


def first_section(view: HomeView) -> str:
    return next(b["text"]["text"] for b in view.block_dicts() if b["type"] == "section")


# --------------------------------------------------------------------------- refusals and faults


def test_a_user_of_another_workspace_is_refused_without_a_read(make: Callable[..., Home]) -> None:
    home = make()
    view = home.view(teams=("T0OTHER",))
    assert first_section(view).startswith(":lock: Sorry, this dashboard only shows restore health to people of the "
                                          "workspace the bot is installed in.")
    assert home.aws_reads() == 0


def test_a_user_not_on_the_allow_list_is_refused_without_a_read(make: Callable[..., Home]) -> None:
    home = make(RESTORES_ALLOWED_USERS="U0ALICE")
    view = home.view(user="U0MALLORY")
    assert first_section(view).startswith(":lock: Sorry, the restore health dashboard is not enabled for you.")
    assert "RESTORES_ALLOWED_USERS" in first_section(view)
    assert home.aws_reads() == 0


@pytest.mark.parametrize("env", [{"RESTORES_CHANNEL_ACCOUNTS": f"C0TEAM={A}"}, {"RESTORES_ALLOWED_CHANNELS": "C0OPS"}],
                         ids=["channels-scoped", "channels-allow-listed"])
def test_a_restricted_bot_without_home_accounts_shows_no_numbers(make: Callable[..., Home], env: dict[str, str]) -> None:
    home = make(**env)
    view = home.view()
    assert first_section(view).startswith(":lock: The restore health dashboard shows no numbers yet")
    assert "`RESTORES_HOME_ACCOUNTS`" in first_section(view)
    assert home.aws_reads() == 0


@pytest.mark.parametrize("broken", ["summaries", "jobs", "tests"])
def test_a_fault_in_any_read_is_an_error_view_with_a_reference_and_a_refresh_button(
    make: Callable[..., Home], broken: str
) -> None:
    home = make()
    fault = RuntimeError("secret internals")
    {"summaries": home.backup.restore_job_summaries, "jobs": home.list_jobs,
     "tests": home.tests.scoreboard}[broken].side_effect = fault
    view = home.view()
    assert first_section(view).startswith(":boom: Something went wrong while reading restore health.")
    assert REFERENCE.search(first_section(view))
    assert "secret internals" not in text_of(view)
    assert [e["action_id"] for b in view.block_dicts() if b["type"] == "actions" for e in b["elements"]] == [
        "restores_home_refresh"]


def test_a_failed_read_is_not_kept(make: Callable[..., Home]) -> None:
    home = make()
    home.list_jobs.side_effect = [RuntimeError("throttled"), failed_jobs(WINDOW)]
    assert REFERENCE.search(first_section(home.view()))
    assert "restore jobs* in the last 14 days" in text_of(home.view())
    assert home.list_jobs.call_count == 2


# --------------------------------------------------------------------------- what is read


def test_the_home_reads_its_accounts_over_its_days(make: Callable[..., Home]) -> None:
    home = make(RESTORES_CHANNEL_ACCOUNTS=f"C0TEAM={A}", RESTORES_HOME_ACCOUNTS=f"{A},{B}")
    home.backup.restore_job_summaries.side_effect = lambda flt: summary(
        flt, [row("FAILED", 7), row("COMPLETED", 93, region="eu-west-1", account=B)])
    view = home.view()
    scoped = RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account=ANY, regions=REGIONS,
                           visible_accounts=frozenset({A, B}))
    home.backup.restore_job_summaries.assert_called_once_with(scoped)
    home.list_jobs.assert_called_once_with(
        RestoreFilter(state=State.FAILED, period=Period.FOURTEEN_DAYS, account=ANY, regions=REGIONS,
                      visible_accounts=frozenset({A, B})), WINDOW)
    home.tests.scoreboard.assert_called_once_with(TestsQuery(days=HOME_DAYS, regions=REGIONS), frozenset({A, B}), NOW)
    text = text_of(view)
    assert "*100 restore jobs* in the last 14 days in 2 regions" in text
    assert "93.0% of finished restores" in text


def test_one_home_account_is_asked_for_directly(make: Callable[..., Home]) -> None:
    home = make(RESTORES_HOME_ACCOUNTS=A)
    home.view()
    asked = home.backup.restore_job_summaries.call_args.args[0]
    assert (asked.account, asked.visible_accounts) == (A, frozenset({A}))


def test_numbers_with_a_region_missing_say_at_least(make: Callable[..., Home]) -> None:
    home = make()
    failure = RegionFailure("eu-west-1", FailureKind.ACCESS_DENIED, "access denied")
    home.backup.restore_job_summaries.side_effect = lambda flt: summary(flt, [row("FAILED", 4)], (failure,))
    text = text_of(home.view())
    assert "*4 restore jobs* in the last 14 days in 1 region (at least: part of it could not be read, below)" in text
    assert "eu-west-1" in text


# --------------------------------------------------------------------------- the cache


def test_complete_reads_are_kept_and_the_summaries_asked_each_time(make: Callable[..., Home]) -> None:
    home = make()
    home.view()
    home.view(user="U0BOB")
    assert (home.list_jobs.call_count, home.tests.scoreboard.call_count) == (1, 1)
    # The summaries have their own shared cache in BackupService: the dashboard asks it every time.
    assert home.backup.restore_job_summaries.call_count == 2


def test_a_reached_cap_is_kept_as_it_would_be_reached_again(make: Callable[..., Home]) -> None:
    home = make()
    home.list_jobs.side_effect = lambda flt, window: failed_jobs(window, truncated=("us-east-1",))
    home.view()
    home.view()
    assert home.list_jobs.call_count == 1


@pytest.mark.parametrize("incomplete", ["jobs", "tests"])
def test_incomplete_reads_are_asked_again_at_the_next_opening(make: Callable[..., Home], incomplete: str) -> None:
    home = make()
    if incomplete == "jobs":
        missing = (RegionFailure("eu-west-1", FailureKind.THROTTLED, "throttled"),)
        home.list_jobs.side_effect = lambda flt, window: failed_jobs(window, missing)
    else:
        home.tests.scoreboard.return_value = board((AccountFailure(B, None, FailureKind.ACCESS_DENIED, "denied"),))
    home.view()
    home.view()
    assert (home.list_jobs.call_count, home.tests.scoreboard.call_count) == (2, 2)


def test_no_ttl_keeps_nothing(make: Callable[..., Home]) -> None:
    home = make(RESTORES_CACHE_TTL="0")
    home.view()
    home.view()
    assert home.list_jobs.call_count == 2


def test_reads_are_complete_only_when_nothing_failed_to_read() -> None:
    failure = RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer")
    denied = AccountFailure(B, "us-east-1", FailureKind.ACCESS_DENIED, "denied")
    assert HomeReads(failed_jobs(WINDOW), board()).complete
    assert HomeReads(failed_jobs(WINDOW, truncated=("us-east-1",)), board()).complete
    assert not HomeReads(failed_jobs(WINDOW, (failure,)), board()).complete
    assert not HomeReads(failed_jobs(WINDOW), board((denied,))).complete


def test_a_jobs_read_with_accounts_not_listed_is_incomplete_and_asked_again(make: Callable[..., Home]) -> None:
    # No region failed, but accounts were left unlisted (the deadline, or accounts the summaries could not name):
    # an incomplete read, not to be served for the whole TTL.
    unlisted = "3 accounts in us-east-1 not listed"
    assert not HomeReads(replace(failed_jobs(WINDOW), incomplete=(unlisted,)), board()).complete
    home = make()
    home.list_jobs.side_effect = lambda flt, window: replace(failed_jobs(window), incomplete=(unlisted,))
    home.view()
    home.view()
    assert home.list_jobs.call_count == 2


# --------------------------------------------------------------------------- the chart


def test_complete_numbers_are_charted_and_the_image_shown(make: Callable[..., Home]) -> None:
    home = make()
    home.backup.restore_job_summaries.side_effect = lambda flt: summary(flt, [row("FAILED", 3), row("COMPLETED", 5)])
    chart = Mock(return_value="F0CHART")
    view = home.view(chart=chart)
    series = chart.call_args.args[0]
    assert (series.days[-1], series.failed[-1], series.completed[-1]) == (NOW.date() - timedelta(days=1), 3, 5)
    images = [b for b in view.block_dicts() if b["type"] == "image"]
    assert len(images) == 1 and images[0]["slack_file"] == {"id": "F0CHART"}


def test_no_upload_keeps_the_text_trend(make: Callable[..., Home]) -> None:
    home = make()
    view = home.view(chart=Mock(return_value=None))
    assert not [b for b in view.block_dicts() if b["type"] == "image"]
    assert "failed + aborted per day" in text_of(view)


@pytest.mark.parametrize("partial", ["failed", "truncated"])
def test_partial_numbers_are_never_charted(make: Callable[..., Home], partial: str) -> None:
    home = make()
    missing = (RegionFailure("eu-west-1", FailureKind.TIMEOUT, "no answer"),) if partial == "failed" else ()
    cut = ("us-east-1",) if partial == "truncated" else ()
    home.backup.restore_job_summaries.side_effect = lambda flt: summary(flt, [row("FAILED", 3)], missing, cut)
    chart = Mock(return_value="F0CHART")
    view = home.view(chart=chart)
    chart.assert_not_called()
    assert not [b for b in view.block_dicts() if b["type"] == "image"]


# --------------------------------------------------------------------------- the user's channels


DIGEST = DigestSubscription("C0TEAM", 7, 30, "UTC", static=False)
ALERTS = AlertSubscription("C0TEAM", None, None, ("FAILED",), static=False)
OTHER = DigestSubscription("C0OTHER", 9, 0, "UTC", static=True)
UNSCOPED = AlertSubscription("C0NOSCOPE", None, None, ("FAILED",), static=True)


def test_only_the_users_channels_are_listed_each_with_its_scope(make: Callable[..., Home]) -> None:
    home = make(RESTORES_CHANNEL_ACCOUNTS=f"C0TEAM={A}", RESTORES_HOME_ACCOUNTS="ANY")
    home.store.digest_subscriptions.return_value = [DIGEST, OTHER]
    home.store.alert_subscriptions.return_value = [ALERTS, UNSCOPED]
    members = Mock(return_value=frozenset({"C0TEAM", "C0NOSCOPE", "C0EMPTY"}))
    listed = home.dashboard.subscriptions("U0ALICE", members)
    assert listed == (
        HomeChannel("C0NOSCOPE", (), (UNSCOPED,), frozenset()),  # no scope configured for it: no accounts
        HomeChannel("C0TEAM", (DIGEST,), (ALERTS,), frozenset({A})),
    )
    members.assert_called_once_with("U0ALICE")


def test_the_users_channels_are_asked_of_slack_once_per_ttl(make: Callable[..., Home]) -> None:
    home = make()
    home.store.digest_subscriptions.return_value = [DIGEST]
    members = Mock(return_value=frozenset({"C0TEAM"}))
    for _ in range(2):
        assert [c.channel for c in home.dashboard.subscriptions("U0ALICE", members) or ()] == ["C0TEAM"]
    assert members.call_count == 1


def test_when_the_users_channels_cannot_be_told_none_are_listed_and_slack_is_asked_again(
    make: Callable[..., Home],
) -> None:
    home = make()
    home.store.digest_subscriptions.return_value = [DIGEST]
    assert home.dashboard.subscriptions("U0ALICE", None) is None
    members = Mock(return_value=None)
    assert home.dashboard.subscriptions("U0ALICE", members) is None
    assert home.dashboard.subscriptions("U0ALICE", members) is None
    assert members.call_count == 2  # a failed lookup is not kept


def test_no_subscriptions_anywhere_is_an_empty_list_without_asking_slack(make: Callable[..., Home]) -> None:
    home = make()
    members = Mock(return_value=frozenset({"C0TEAM"}))
    assert home.dashboard.subscriptions("U0ALICE", members) == ()
    members.assert_not_called()


def test_a_database_down_leaves_the_numbers_published(make: Callable[..., Home]) -> None:
    home = make()
    home.store.digest_subscriptions.side_effect = RuntimeError("connection refused")
    home.backup.restore_job_summaries.side_effect = lambda flt: summary(flt, [row("FAILED", 2)])
    assert home.dashboard.subscriptions("U0ALICE", Mock()) is None
    view = home.view(member_channels=Mock(return_value=frozenset()))
    assert "*2 restore jobs* in the last 14 days" in text_of(view)
    assert not REFERENCE.search(text_of(view))


def test_data_carries_the_settings_ttl_and_the_scoped_filter(make: Callable[..., Home]) -> None:
    home = make(RESTORES_CACHE_TTL="120")
    data = home.dashboard.data(Access(allowed=True, accounts=frozenset({B})), user_id="U0ALICE", member_channels=None,
                               now=NOW)
    assert data.cache_ttl == 120
    assert (data.flt.account, data.flt.visible_accounts, data.flt.regions) == (B, frozenset({B}), REGIONS)
    assert data.now == NOW and data.subscriptions == ()
