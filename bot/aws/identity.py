"""Who the bot is to AWS: its account (sts:GetCallerIdentity) and its organisation's management account
(organizations:DescribeOrganization), read once a process and kept, failing soft; and what an organisation-wide answer
means from there (`only_account`).

A member account may call DescribeOrganization but not list the delegated administrators, and a delegated administrator
for AWS Backup is not the management account either: "not the management account" proves nothing alone. What AWS
answers does: an AccountId=ANY answer naming another account shows the bot more than its own."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from bot.domain.coverage import OnlyAccount
from bot.domain.query import AGGREGATE_ALL, ANY

log = logging.getLogger(__name__)

ORGANIZATIONS_ACTION = "organizations:DescribeOrganization"
KEEP_SECONDS = 6 * 3600.0  # an account rarely changes organisation or delegation: asked again a few times a day
RETRY_SECONDS = 300.0  # what could not be read is asked again sooner
IDENTITY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=5,
                         user_agent_extra="restores-bot")


@dataclass(frozen=True)
class CallerIdentity:
    """What the bot knows of its place in AWS Organizations. Nothing known: every field None."""

    account: str | None = None  # None: STS did not answer
    management: str | None = None  # the organisation's management account; None: not told, or no organisation
    organization: bool | None = None  # False: the account belongs to no organisation; None: could not be told
    problem: str = ""  # what could not be read, and what to grant
    sees_others: bool = False  # an AccountId=ANY answer of this process named another account
    arn: str | None = None  # the caller's ARN, as sts:GetCallerIdentity said it

    def principal(self) -> str:
        """Who the bot runs as, for `check`: "role NAME" (an assumed role's session is left out), "user NAME", or the
        ARN as AWS gave it."""
        if not self.arn:
            return "an unknown principal"
        parts = self.arn.split(":", 5)  # arn:partition:service:region:account:resource
        kind, _, rest = (parts[5] if len(parts) == 6 else "").partition("/")
        if kind == "assumed-role":
            return f"role {rest.split('/')[0]}"
        if kind in ("role", "user"):
            return f"{kind} {rest.rsplit('/', 1)[-1]}"
        if kind == "root":
            return "the account's root user"
        return self.arn

    @property
    def is_management(self) -> bool | None:
        if self.account is None or self.management is None:
            return None
        return self.account == self.management

    def describe(self) -> tuple[bool, str]:
        """For `check`: (fine, the words)."""
        if self.account is None:
            return False, f"the bot's account could not be told: {self.problem}"
        if self.organization is False:
            return True, f"account {self.account} belongs to no AWS organisation: account:ANY is this account alone"
        if self.management is None:
            return False, (f"account {self.account}: whether it is the organisation's management account could not be "
                           f"told: {self.problem}")
        if self.is_management:
            return True, f"account {self.account} is the organisation's management account: account:ANY covers it"
        return True, (f"account {self.account} is not the organisation's management account ({self.management}): "
                      "account:ANY covers the organisation only if it is a delegated administrator for AWS Backup; "
                      f"otherwise every org-wide answer says AWS shows only account {self.account} to this bot")


def only_account(identity: CallerIdentity, asked: str | None, seen: frozenset[str]) -> OnlyAccount | None:
    """Whether an answer that asked AccountId `asked` (None: not sent, the bot's own account) and whose rows named the
    accounts `seen` may show the bot's account alone. ANY with rows naming only the bot's account, or none, from a
    caller not known to see more: shown. AGGREGATE_ALL (sums name no account) or another named account with no rows:
    "may", and only when Organizations said the bot is not the management account. An unknown caller: nothing said
    (check says why)."""
    caller = identity.account
    if asked is None or caller is None or identity.organization is False:
        return None
    if identity.is_management or identity.sees_others or seen - {caller}:
        return None
    if asked == ANY:
        shown = True
    elif identity.management is None or asked == caller or seen:
        return None  # the rows cannot tell, and Organizations did not either (or the bot asked for itself)
    else:
        shown = False  # AGGREGATE_ALL, or another account AWS showed nothing of
    return OnlyAccount(caller, shown=shown, management=identity.management,
                       grant=ORGANIZATIONS_ACTION if identity.management is None else "")


def asked_account(accounts: set[str | None]) -> str | None:
    """The AccountId that says what a set of chains covers: a wildcard if any chain has one, else the one named."""
    for wildcard in (ANY, AGGREGATE_ALL):
        if wildcard in accounts:
            return wildcard
    named = accounts - {None}
    return next(iter(named)) if len(named) == 1 else None


class IdentityReader:
    """The bot's CallerIdentity, read on first use and kept KEEP_SECONDS (RETRY_SECONDS when part of it could not be
    read); thread-safe, one read at a time. Never raises: what it could not read is in `problem`."""

    def __init__(
        self,
        session_factory: Callable[[], boto3.session.Session] = boto3.session.Session,
        *,
        endpoint_url: str | None = None,
        config: Config = IDENTITY_CONFIG,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session_factory = session_factory
        self._endpoint_url = endpoint_url
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._known: CallerIdentity | None = None
        self._until = 0.0

    def current(self) -> CallerIdentity:
        with self._lock:
            now = self._clock()
            if self._known is None or now >= self._until:
                self._known = self._read()
                self._until = now + (RETRY_SECONDS if self._known.problem else KEEP_SECONDS)
            return self._known

    def saw_others(self) -> None:
        """An AccountId=ANY answer named another account: the bot sees beyond its own, until the next read."""
        with self._lock:
            if self._known is not None and not self._known.sees_others:
                self._known = replace(self._known, sees_others=True)

    def _client(self, session: boto3.session.Session, service: str) -> object:
        kwargs: dict[str, object] = {"region_name": session.region_name or "us-east-1", "config": self._config}
        if self._endpoint_url:
            kwargs["endpoint_url"] = self._endpoint_url
        return session.client(service, **kwargs)

    def _read(self) -> CallerIdentity:
        try:
            session = self._session_factory()
            caller = self._client(session, "sts").get_caller_identity()  # type: ignore[attr-defined]
            account, arn = str(caller["Account"]), (str(caller["Arn"]) if caller.get("Arn") else None)
        except Exception as error:  # failing soft: the answers say nothing of it, check names it
            log.warning("sts:GetCallerIdentity failed: %s", type(error).__name__)
            return CallerIdentity(problem=f"sts:GetCallerIdentity failed ({_code(error)})")
        try:
            organization = self._client(session, "organizations").describe_organization()  # type: ignore[attr-defined]
        except Exception as error:
            code = _code(error)
            if code == "AWSOrganizationsNotInUseException":
                return CallerIdentity(account=account, organization=False, arn=arn)
            log.warning("%s failed: %s", ORGANIZATIONS_ACTION, code)
            grant = f"grant {ORGANIZATIONS_ACTION}" if code == "AccessDeniedException" else f"{ORGANIZATIONS_ACTION} failed"
            return CallerIdentity(account=account, problem=f"{grant} ({code})", arn=arn)
        management = organization.get("Organization", {}).get("MasterAccountId")
        return CallerIdentity(account=account, management=str(management) if management else None, organization=True,
                              problem="" if management else f"{ORGANIZATIONS_ACTION} named no management account",
                              arn=arn)


def _code(error: BaseException) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or type(error).__name__)
    return type(error).__name__
