"""Hardening: the App Home dashboard of any organisation (up to 300 accounts, hostile names, types, reasons and plan
names) fits one Home view (Slack's 100 blocks), stays inert but for the bot's console links, and every button it
carries decodes. The examples live in tests/unit/home/test_render.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers.controls import ActionId, ActionValue
from bot.domain.results import TestingPlan
from bot.home.render import MAX_HOME_BLOCKS, TOP_PLANS, render_home
from bot.restore_testing.controls import TestJobsValue
from bot.slack.blocks import Message
from tests.fakes.slack import validate_blocks
from tests.hardening.examples import examples
from tests.unit.console_links import assert_inert_but_console_links, console_links
from tests.unit.home.test_render import HOSTILE, NOW, REGIONS, buttons, data, job, row

pytestmark = [pytest.mark.hardening, pytest.mark.dates]

TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=120))


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.too_slow])
@given(accounts=st.lists(st.one_of(st.sampled_from(HOSTILE), st.from_regex(r"\A[0-9]{12}\Z")), max_size=300),
       types=st.lists(TEXT, min_size=1, max_size=40), reasons=st.lists(TEXT, max_size=60),
       plans=st.lists(TEXT, max_size=40))
def test_any_organisation_fits_a_home_view_and_stays_inert(accounts: list[str], types: list[str], reasons: list[str],
                                                            plans: list[str]) -> None:
    rows = [row(REGIONS[n % 2], account, ("FAILED", "ABORTED", "COMPLETED")[n % 3], types[n % len(types)], 1 + n % 14,
                1 + n) for n, account in enumerate(accounts)]
    jobs = tuple(job(n, reason, rtype=types[n % len(types)]) for n, reason in enumerate(reasons))
    testing = tuple(TestingPlan("us-east-1", "111122223333", name, f"arn:aws:backup:us-east-1:111122223333:"
                                f"restore-testing-plan:p{n}-abc", "cron(0 5 ? * * *)", None, None,
                                NOW - timedelta(days=60), NOW - timedelta(days=5)) for n, name in enumerate(plans))
    view = render_home(data(rows, jobs=jobs, plans=testing))
    blocks = view.block_dicts()
    assert validate_blocks(blocks, max_blocks=MAX_HOME_BLOCKS) == []
    # Live only in the links the bot builds to a plan's console page (every name percent-encoded in them).
    assert_inert_but_console_links(Message(text="home", blocks=view.blocks))
    assert len(console_links(Message(text="home", blocks=view.blocks))) <= min(len(plans), TOP_PLANS)
    for element in buttons(blocks):
        if element["action_id"].startswith(ActionId.TEST_JOBS.value):
            TestJobsValue.decode(element["value"], now=NOW)
        elif element["action_id"] != ActionId.HOME_REFRESH:
            ActionValue.decode(element["value"], now=NOW)
