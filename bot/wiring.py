"""The composition root: every long-lived object of a process, built once from the validated Settings and handed
down. Each is built on first use (`ask` never opens the database, `poll` never builds the answers), at most once
per process even when threads ask together; one database engine serves every table of DATABASE_URL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from slack_sdk import WebClient
    from sqlalchemy import Engine

    from bot.alerts.poll import AlertPoller
    from bot.answers.service import RestoresService
    from bot.aws.client import BackupService
    from bot.aws.testing import RestoreTestingReader
    from bot.digest.run import DigestRunner
    from bot.domain.access import AccessPolicy
    from bot.domain.regions import RegionCatalog
    from bot.export.service import ExportService
    from bot.home.service import HomeDashboard
    from bot.organization.directory import OrganizationDirectory
    from bot.organization.names import NameSource
    from bot.recoverability.service import Recoverability
    from bot.restore_testing.service import RestoreTests
    from bot.store.alerts import AlertStore
    from bot.store.lease import LeaseStore
    from bot.store.ledger import Ledger
    from bot.store.migrate import Migration
    from bot.store.replay import ReplayGuard
    from bot.store.subscriptions import SubscriptionStore
    from bot.subscriptions.service import SubscriptionCommands

T = TypeVar("T")


def _usable(open_database: Callable[[], T], url: str) -> T:
    """What `open_database` returns; a schema this release may not use, or a database it cannot reach, as a ConfigError."""
    from bot.store.migrate import SchemaError

    try:
        return open_database()
    except SchemaError as error:
        raise ConfigError(str(error)) from None
    except Exception as error:
        raise ConfigError(database_problem(url, error)) from None


def database_problem(url: str, error: BaseException) -> str:
    """How every process and `check` name a database they cannot use: the variable, its URL with the password masked,
    and the first line of the error (secrets masked there too): one line, never the driver's traceback."""
    from bot.logs import SecretsFilter, mask_url, secrets_from_env

    first_line = (str(error).splitlines() or [""])[0][:200]
    masked = SecretsFilter(secrets_from_env({"DATABASE_URL": url})).mask(first_line)
    return f"DATABASE_URL {mask_url(url)} is not usable ({type(error).__name__}: {masked})"


class Wiring:
    """What one process runs on. `backup`: the AWS client module, when the caller made it (the CLI's `--sample`
    points it at the bundled emulator); else one is built with the answers' cache. `serving`: a process that
    answers Slack learns its workspace from auth.test when SLACK_TEAM_ID is unset (the CLI has no workspace).
    `web_client`, `regions`, `directory`: given by a caller that made its own (tests, a region catalog with another
    session)."""

    def __init__(
        self,
        settings: Settings,
        *,
        backup: BackupService | None = None,
        sample: bool = False,
        serving: bool = False,
        web_client: WebClient | None = None,
        regions: RegionCatalog | None = None,
        directory: OrganizationDirectory | None = None,
    ) -> None:
        self.settings = settings
        self.sample = sample
        self.serving = serving
        self._built: dict[str, Any] = {}
        if backup is not None:
            self._built["backup"] = backup
        for name, given in (("web_client", web_client), ("regions", regions), ("directory", directory)):
            if given is not None:
                self._built[name] = given
        self._lock = threading.RLock()

    def _once(self, name: str, build: Callable[[], T]) -> T:
        # functools.cached_property does not lock (3.12+): two threads could build two engines or two pools.
        with self._lock:
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ AWS, regions, access

    @property
    def backup(self) -> BackupService:
        def build() -> BackupService:
            from bot.aws.client import BackupService
            from bot.aws.identity import IdentityReader

            return BackupService(deadline_seconds=self.settings.aws_deadline_seconds, cache_ttl=self.settings.cache_ttl,
                                 identity=IdentityReader())

        return self._once("backup", build)

    @property
    def regions(self) -> RegionCatalog:
        from bot.domain.regions import RegionCatalog

        return self._once("regions", lambda: RegionCatalog(self.settings.regions, discover=self.settings.all_regions))

    @property
    def policy(self) -> AccessPolicy:
        def build() -> AccessPolicy:
            from bot.domain.access import AccessPolicy
            from bot.slack.client import InstallationTeam

            team = InstallationTeam(self.settings, self.web_client) if self.serving else None
            # The directory resolves account:<name>, ou:<…> and OU scopes (built, not read: read on first use).
            return AccessPolicy(self.settings, team, directory=self.directory)

        return self._once("policy", build)

    @property
    def testing_reader(self) -> RestoreTestingReader:
        def build() -> RestoreTestingReader:
            from bot.aws.testing import RestoreTestingReader

            return RestoreTestingReader(self.backup, role=self.settings.testing_role,
                                        home_region=self.settings.regions[0])

        return self._once("testing_reader", build)

    @property
    def directory(self) -> OrganizationDirectory:
        """The organisation directory on the bot's own session (the emulator's sample organisation with --sample);
        read on first use (the first answer that shows an account, an alert poll, `check`), not at start."""
        from bot.organization.directory import directory_for

        return self._once("directory", lambda: directory_for(self.backup))

    @property
    def names(self) -> NameSource:
        """Account names for every rendering, best effort: a slow or refused directory shows ids, never delays an answer
        in Slack more than a moment (a terminal waits for the one read)."""
        from bot.organization.names import CLI_WAIT, SERVING_WAIT, NameSource

        return self._once("names", lambda: NameSource(self.directory, wait=SERVING_WAIT if self.serving else CLI_WAIT))

    def _account_name(self, account: str) -> str:
        """An account's name for the export's CSV column; "" when the directory does not know it."""
        return self.names((account,)).name(account) or ""

    # ------------------------------------------------------------------ Slack

    @property
    def web_client(self) -> WebClient:
        from bot.slack.client import create_web_client

        return self._once("web_client", lambda: create_web_client(self.settings))

    # ------------------------------------------------------------------ the database

    @property
    def engine(self) -> Engine:
        def build() -> Engine:
            from bot.store.db import create_store_engine

            return create_store_engine(self.settings.database_url)

        return self._once("engine", build)

    def upgrade_schema(self, to: str | None = None) -> Migration:
        """DATABASE_URL brought to this release's newest revision (or to `to`), under the migrations' lock: what every
        process does at start, before any repository (bot.store.migrate). A database newer than this release, or one
        that cannot be reached, is a ConfigError naming why."""
        from bot.store.migrate import migrate

        return _usable(lambda: migrate(self.engine, to), self.settings.database_url)

    def _table(self, name: str, build: Callable[[Engine], T]) -> T:
        """A table's repository on the one engine, its schema current; an unusable DATABASE_URL is a ConfigError."""
        return self._once(name, lambda: _usable(lambda: build(self.engine), self.settings.database_url))

    @property
    def ledger(self) -> Ledger:
        from bot.store.ledger import Ledger

        return self._table("ledger", Ledger)

    @property
    def subscription_store(self) -> SubscriptionStore:
        from bot.store.subscriptions import SubscriptionStore

        return self._table("subscription_store", SubscriptionStore)

    @property
    def alert_store(self) -> AlertStore:
        from bot.store.alerts import AlertStore

        return self._table("alert_store", AlertStore)

    @property
    def lease_store(self) -> LeaseStore:
        from bot.store.lease import LeaseStore

        return self._table("lease_store", LeaseStore)

    @property
    def replays(self) -> ReplayGuard:
        from bot.store.replay import ReplayGuard

        return self._table("replays", ReplayGuard)

    # ------------------------------------------------------------------ the features

    @property
    def tests(self) -> RestoreTests:
        from bot.restore_testing.service import RestoreTests

        return self._once("tests", lambda: RestoreTests(self.settings, self.testing_reader, sample=self.sample,
                                                        own_account=self._own_account, account_names=self.names,
                                                        testing_accounts=self.policy.testing_accounts))

    def _own_account(self) -> str | None:
        """The bot's own account id, when AWS said it (sts:GetCallerIdentity, read once and kept: bot.aws.identity)."""
        identity = self.backup.identity
        return identity.current().account if identity is not None else None

    @property
    def recoverability(self) -> Recoverability:
        """`resource` and `coverage`: protected resources read through the restore testing reads' sessions (the same
        assumed roles, their credentials kept once)."""

        def build() -> Recoverability:
            from bot.aws.resources import ResourceReader
            from bot.recoverability.service import Recoverability

            reader = ResourceReader(self.testing_reader.sessions, deadline_seconds=self.settings.aws_deadline_seconds,
                                    own_account=self._own_account)
            return Recoverability(self.settings, reader, sample=self.sample, account_names=self.names,
                                  testing_accounts=self.policy.testing_accounts, organisation=self._organisation)

        return self._once("recoverability", build)

    @property
    def subscriptions(self) -> SubscriptionCommands:
        from bot.subscriptions.service import SubscriptionCommands

        return self._once("subscriptions",
                          lambda: SubscriptionCommands(self.settings, lambda: self.subscription_store))

    @property
    def answers(self) -> RestoresService:
        def build() -> RestoresService:
            from bot.answers.service import RestoresService

            return RestoresService(self.settings, self.backup, regions=self.regions, policy=self.policy,
                                   tests=self.tests, subscriptions=self.subscriptions,
                                   recoverability=self.recoverability, exports=self.exports, sample=self.sample,
                                   account_names=self.names)

        return self._once("answers", build)

    @property
    def exports(self) -> ExportService:
        """`export`: the CSV's account-name column and `account:ANY` over the organisation's accounts, from the
        directory (names best effort; without a directory, the accounts AWS's summaries name)."""
        from bot.export.service import ExportService

        return self._once("exports", lambda: ExportService(self.backup, self.policy, account_name=self._account_name,
                                                           organisation=self._organisation, sample=self.sample))

    def _organisation(self) -> frozenset[str] | None:
        """The organisation's active accounts; None when the directory cannot be read (never raises)."""
        try:
            return self.directory.active_accounts()
        except Exception:  # the directory fails soft already; this is the last guard of an export or a poll
            return None

    @property
    def home(self) -> HomeDashboard:
        def build() -> HomeDashboard:
            from bot.home.service import HomeDashboard

            return HomeDashboard(self.settings, backup=self.backup, regions=self.regions, policy=self.policy,
                                 tests=self.tests, list_jobs=self.answers.list_jobs,
                                 subscription_store=lambda: self.subscription_store, sample=self.sample,
                                 account_names=self.names)

        return self._once("home", build)

    def digest(self, *, posting: bool = True) -> DigestRunner:
        """The digest runner; `posting=False` (a dry run): no Slack client, no ledger, no subscriptions."""

        def build() -> DigestRunner:
            from bot.digest.run import DigestRunner

            if not posting:
                return DigestRunner(self.settings, self.backup, None, None, regions=self.regions, tests=self.tests,
                                    policy=self.policy, account_names=self.names, recoverability=self.recoverability)
            return DigestRunner(self.settings, self.backup, self.web_client, self.ledger, regions=self.regions,
                                tests=self.tests, policy=self.policy, subscriptions=self.subscription_store,
                                account_names=self.names, recoverability=self.recoverability)

        return self._once(f"digest-{posting}", build)

    @property
    def alerts(self) -> AlertPoller:
        """The alert poller over every channel that gets alerts: RESTORES_ALERT_CHANNELS and subscriptions (read at
        each poll, so a channel subscribing from Slack gets the next poll's alerts without a restart)."""

        def build() -> AlertPoller:
            from bot.alerts.poll import AlertPoller
            from bot.alerts.targets import AlertTarget
            from bot.domain.subscriptions import ALERTS

            subscriptions = self.subscription_store

            def targets() -> list[AlertTarget]:
                return [AlertTarget(s.channel, s.resource_type, s.account, s.states, s.static)
                        for s in subscriptions.alert_subscriptions(self.settings)]

            def outcome(channel: str, error: str | None) -> None:
                # A subscription whose channel is gone (deleted, archived, bot removed) is dropped after a few polls.
                if error is None:
                    subscriptions.record_delivery_success(channel, ALERTS)
                else:
                    subscriptions.record_delivery_failure(channel, ALERTS, error)

            return AlertPoller(self.settings, self.backup, self.web_client, self.alert_store, targets,
                               regions=self.regions, policy=self.policy, on_outcome=outcome,
                               organization=self.directory.active_accounts, account_names=self.names)

        return self._once("alerts", build)

    def close(self) -> None:
        """Let go of the pools this process built (the answers' drain calls it last)."""
        with self._lock:
            for name in ("home", "recoverability", "testing_reader", "backup"):
                part = self._built.get(name)
                if part is not None:
                    part.close()
