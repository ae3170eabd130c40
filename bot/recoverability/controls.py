"""What a resource answer's buttons carry: the restore history button names the resource (its ARN, account and
region), versioned and re-validated on every click like the answers' ActionValue; the console button is a link."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from bot.answers.controls import VALUE_VERSION, StaleAction, load_value, text_field
from bot.domain.ids import ACCOUNT_ID_RE
from bot.domain.recoverability import ARN_RE
from bot.domain.regions import known_regions, region_partitions


class ResourceAction(StrEnum):
    """The action_ids of a resource answer's buttons."""

    HISTORY = "restores_resource_history"  # its restores, newest first, each with status and reason
    CONSOLE = "restores_resource_console"  # a link: Slack still sends the click, which is only acknowledged


@dataclass(frozen=True)
class HistoryValue:
    """The resource whose restore history a button lists. Its region signs the calls, so it goes through the access
    policy (partition) and its account through the channel's scope on every click."""

    arn: str
    account: str
    region: str

    def encode(self) -> str:
        data = {"v": VALUE_VERSION, "a": self.arn, "c": self.account, "r": self.region}
        return json.dumps(data, separators=(",", ":"), ensure_ascii=True)

    @classmethod
    def decode(cls, raw: object) -> HistoryValue:
        data = load_value(raw)
        if set(data) != {"v", "a", "c", "r"}:
            raise StaleAction("unknown fields")
        arn, account, region = text_field(data, "a"), text_field(data, "c"), text_field(data, "r")
        match = ARN_RE.match(arn)
        if match is None or not ACCOUNT_ID_RE.match(account) or region not in known_regions():
            raise StaleAction("bad resource")
        if match["partition"] != region_partitions()[region] or match["region"] not in ("", region) \
                or match["account"] not in ("", account):
            raise StaleAction("resource and place disagree")
        return cls(arn, account, region)
