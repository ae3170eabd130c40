"""The emulator's sample organisation as the directory would read it, for unit tests that need names and OUs without a
socket (the real read of it, over signed requests, is tested in tests/unit/organization/test_read.py and e2e)."""

from __future__ import annotations

from bot.domain.organization import OrgAccount, Organization, OrgUnit
from bot.sample.api_organizations import SAMPLE_ORGANIZATION, SampleOrganization


def organization_of(sample: SampleOrganization = SAMPLE_ORGANIZATION) -> Organization:
    units = {sample.root: OrgUnit(sample.root, "Root", None)}
    units.update({ou: OrgUnit(ou, name, parent) for ou, name, parent in sample.units})
    accounts = {a: OrgAccount(a, name, state, parent) for a, name, state, parent in sample.members}
    return Organization(sample.id, sample.members[0][0], accounts, units)
