"""The shapes of the identifiers the bot accepts from users, Slack and its configuration."""

from __future__ import annotations

import re

# ASCII only and anchored with \Z: `\d` would take any Unicode digit and `$` a trailing newline.
REGION_RE = re.compile(r"\A[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]\Z")
ACCOUNT_ID_RE = re.compile(r"\A[0-9]{12}\Z")
# At most 32 characters: the ledger keeps channel ids in a 32-character column (bot/store/ledger.py).
CHANNEL_RE = re.compile(r"\A[CGD][A-Z0-9]{2,31}\Z")
USER_RE = re.compile(r"\A[UW][A-Z0-9]{2,}\Z")
TEAM_RE = re.compile(r"\A[TE][A-Z0-9]{2,}\Z")
# Slack user group ids (what `<!subteam^ID>` mentions): S followed by letters and digits.
USERGROUP_RE = re.compile(r"\AS[A-Z0-9]{2,31}\Z")
