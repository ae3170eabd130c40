"""The App Home dashboard: who may see it and which accounts, the reads behind it, the user's channels' subscriptions;
Slack-agnostic, like RestoresService whose policy, AWS client and restore testing reader it uses."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import KW_ONLY, dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.aws.cache import TtlCache
from bot.aws.client import BackupService
from bot.charts.render import DailySeries
from bot.config import Settings
from bot.domain.access import Access, AccessPolicy, NoScope
from bot.domain.accounts import NO_NAMES, AccountNames
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.query import ANY, Period, RestoreFilter, State
from bot.domain.regions import RegionCatalog
from bot.domain.results import JobsResult
from bot.domain.subscriptions import AlertSubscription, DigestSubscription
from bot.home.render import (
    HOME_DAYS,
    HomeChannel,
    HomeData,
    HomeView,
    TrendImage,
    render_home,
    render_home_error,
    render_home_not_enabled,
    render_home_refusal,
)
from bot.logs import handling
from bot.restore_testing.grammar import TestsQuery
from bot.restore_testing.service import RestoreTests
from bot.restore_testing.verdicts import Scoreboard
from bot.slack.channels import MemberChannels
from bot.store.subscriptions import SubscriptionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomeReads:
    """What the dashboard reads besides the summaries: the failed jobs behind the reasons, and restore testing."""

    failed_jobs: JobsResult
    tests: Scoreboard

    @property
    def complete(self) -> bool:
        """Nothing failed to read. A cap reached is kept (it would be reached again); a region or an account that did
        not answer, or accounts a drill-down left unlisted (`incomplete`: time ran out, or the summaries could not name
        them), are not, so the next opening asks again instead of showing the gap for the whole TTL."""
        jobs = self.failed_jobs
        return not jobs.failures and not jobs.incomplete and not self.tests.result.failures


@dataclass(eq=False)
class HomeDashboard:
    """Publishing is cheap: the numbers come through the process's shared summary cache (the same chains as
    `/restores 1d account:ANY`), and the jobs and restore testing reads are kept as long (RESTORES_CACHE_TTL) per
    scope, with single flight: a user opening the tab twice, or a hundred users at once, cost AWS one read."""

    settings: Settings
    _: KW_ONLY
    backup: BackupService
    regions: RegionCatalog
    policy: AccessPolicy
    tests: RestoreTests
    list_jobs: Callable[[RestoreFilter, tuple[datetime, datetime]], JobsResult]  # the answers' drill-down, same bounds
    subscription_store: Callable[[], SubscriptionStore]  # opens the store on first use
    sample: bool = False
    # The accounts' names (bot.organization.names, best effort: ids when the directory is not readable).
    account_names: Callable[[Iterable[str]], AccountNames] = lambda _accounts: NO_NAMES

    def __post_init__(self) -> None:
        ttl = self.settings.cache_ttl
        self._reads: TtlCache[HomeReads] = TtlCache(ttl, max_entries=64)
        # Per user: users.conversations is one Slack call (or a few pages) a user; a failed lookup is not kept.
        self._members: TtlCache[frozenset[str] | None] = TtlCache(ttl, max_entries=4096)
        # The summaries and the other reads run side by side (a pool of its own: BackupService's pools run the
        # regions' chains, and a task waiting there on work queued behind it could deadlock).
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="home")

    def view(
        self,
        *,
        user_id: str,
        teams: tuple[str, ...],
        member_channels: MemberChannels | None = None,
        now: datetime | None = None,
        chart: Callable[[DailySeries], str | None] | None = None,
    ) -> HomeView:
        """The view to publish for this user: the dashboard, or a refusal, a "not enabled", an error with a reference.
        `chart` uploads the trend and gives its file id (None: the text trend stays); it is asked only for complete
        numbers, so no average line is drawn from partial data."""
        with handling("home", log, user=user_id) as rid:
            try:
                access = self.policy.check_home(user_id=user_id, teams=teams)
                if not access.allowed:
                    log.info("refused home", extra={"user": user_id, "reason": access.reason})
                    if access.reason == "no-scope":
                        return render_home_not_enabled()
                    return render_home_refusal(other_team=access.reason == "other-team")
                data = self.data(access, user_id=user_id, member_channels=member_channels, now=now)
                summary = data.summary
                if chart is not None and not summary.failures and not summary.truncated and not summary.only_account:
                    file_id = chart(data.series)
                    if file_id:
                        data = replace(data, trend_image=TrendImage(slack_file_id=file_id))
                return render_home(data)
            except Exception:
                log.exception("failed to build the home tab")
                return render_home_error(rid)

    def data(
        self, access: Access, *, user_id: str, member_channels: MemberChannels | None, now: datetime | None = None
    ) -> HomeData:
        now = now or datetime.now(UTC)
        regions = self.regions.current()
        flt = self.policy.scope(
            RestoreFilter(state=State.ANY, period=Period.ONE_DAY, account=ANY, regions=regions), access
        )
        today = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
        window = (today - timedelta(days=HOME_DAYS), today)
        # Only leaf reads go to the pool (none of them waits on the pool): the cached reads run on this thread.
        summary = self._pool.submit(self.backup.restore_job_summaries, flt)
        key = (flt.account, flt.visible_accounts, regions, window)
        reads = self._reads.get_or_compute(key, lambda: self._read(flt, window, access, now), lambda r: r.complete)
        subscriptions = self.subscriptions(user_id, member_channels)
        shown = {r.account_id for r in summary.result().by_account_rows}
        shown |= {p.account_id for p in reads.tests.result.plans} | {f.account_id for f in reads.tests.result.failures}
        return HomeData(
            names=self.account_names({a for a in shown if ACCOUNT_ID_RE.match(a)}),
            now=now,
            flt=flt,
            summary=summary.result(),
            failed_jobs=reads.failed_jobs,
            tests=reads.tests,
            subscriptions=subscriptions,
            cache_ttl=self.settings.cache_ttl,
            sample=self.sample,
        )

    def _read(
        self, flt: RestoreFilter, window: tuple[datetime, datetime], access: Access, now: datetime
    ) -> HomeReads:
        """The failed jobs of the dashboard's days (bounded as every drill-down: MAX_JOBS a region, accounts with the
        most failures first, half the deadline) and the restore testing scoreboard of the same days."""
        failed = RestoreFilter(state=State.FAILED, period=Period.FOURTEEN_DAYS, account=flt.account,
                               regions=flt.regions, visible_accounts=flt.visible_accounts)
        jobs = self._pool.submit(self.list_jobs, failed, window)
        tests = self.tests.scoreboard(TestsQuery(days=HOME_DAYS, regions=flt.regions), access.accounts, now)
        return HomeReads(jobs.result(), tests)

    def subscriptions(self, user_id: str, member_channels: MemberChannels | None) -> tuple[HomeChannel, ...] | None:
        """The subscriptions of the channels this user is in; () when no channel has any; None when it cannot be told
        which channels are the user's (nothing is listed rather than channels the user may not know of)."""
        settings = self.settings
        try:
            store = self.subscription_store()
            digests = store.digest_subscriptions(settings)
            alerts = store.alert_subscriptions(settings)
        except Exception as error:  # the database is down: the dashboard's numbers are still worth publishing
            log.warning("home: subscriptions not read: %s", type(error).__name__)
            return None
        by_channel: dict[str, tuple[list[DigestSubscription], list[AlertSubscription]]] = defaultdict(lambda: ([], []))
        for digest in digests:
            by_channel[digest.channel][0].append(digest)
        for alert in alerts:
            by_channel[alert.channel][1].append(alert)
        if not by_channel:
            return ()
        if member_channels is None:
            return None
        mine = self._members.get_or_compute(user_id, lambda: member_channels(user_id), lambda found: found is not None)
        if mine is None:
            return None
        listed = []
        for channel in sorted(c for c in by_channel if c in mine):
            try:
                scope = self.policy.accounts_for(channel)
            except NoScope:
                scope = frozenset()
            channel_digests, channel_alerts = by_channel[channel]
            listed.append(HomeChannel(channel, tuple(channel_digests), tuple(channel_alerts), scope))
        return tuple(listed)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
