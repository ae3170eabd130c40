"""Buttons keep working with every region: region lists too long to write out travel as a bit mask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.answers.controls import MAX_OPTION_VALUE_CHARS, ActionValue, StaleAction
from bot.answers.render import render_summary
from bot.domain.query import Period, RestoreFilter, State
from bot.domain.regions import region_partitions
from bot.domain.results import SummaryResult, SummaryRow

pytestmark = pytest.mark.dates

AWS_REGIONS = tuple(sorted(r for r, p in region_partitions().items() if p == "aws"))
NOW = datetime.now(UTC).replace(microsecond=0)


def test_seventeen_regions_keep_their_drill_down_options_and_round_trip() -> None:
    regions = AWS_REGIONS[:17][::-1]  # not in sorted order: the order travels too
    start = datetime.combine(NOW.date() - timedelta(days=7), datetime.min.time(), UTC)
    rows = tuple(SummaryRow(r, "111122223333", "FAILED", t, 2, start, start + timedelta(days=7))
                 for r in regions for t in ("EBS", "RDS", "Storage Gateway"))
    flt = RestoreFilter(state=State.FAILED, period=Period.SEVEN_DAYS, account="ANY", regions=regions)
    message = render_summary(SummaryResult(filter=flt, period=Period.SEVEN_DAYS, rows=rows, failures=()))
    elements = [e for b in message.block_dicts() if b["type"] == "actions" for e in b["elements"]]
    select = next(e for e in elements if e["type"] == "static_select")
    labels = [g["label"]["text"] for g in select["option_groups"]]
    assert "By resource type" in labels  # used to vanish from 8 regions on (values over 150 characters)
    for group in select["option_groups"]:
        for option in group["options"]:
            assert len(option["value"]) <= MAX_OPTION_VALUE_CHARS
            ActionValue.decode(option["value"])
    buttons = [e for e in elements if e["type"] == "button"]
    decoded = ActionValue.decode(buttons[0]["value"])
    assert decoded.filter.regions == regions


def test_every_region_at_once_fits_a_button() -> None:
    value = ActionValue(RestoreFilter(state=State.ABORTED, resource_type="Storage Gateway", account="123456789012",
                                      regions=AWS_REGIONS), (NOW - timedelta(days=1), NOW))
    encoded = value.encode()
    assert len(encoded) <= MAX_OPTION_VALUE_CHARS
    assert ActionValue.decode(encoded) == value


def test_a_mask_from_another_region_list_is_stale() -> None:
    encoded = ActionValue(RestoreFilter(regions=AWS_REGIONS[:10])).encode()
    assert '"m":' in encoded
    with pytest.raises(StaleAction):
        ActionValue.decode(encoded.replace('"h":"', '"h":"0'))


@pytest.mark.parametrize(("period", "last_day", "word"), [(Period.ONE_DAY, True, "1d"), (Period.ONE_DAY, False, "daily"),
                                                          (Period.SEVEN_DAYS, False, "7d")])
def test_a_button_keeps_the_window_word_the_last_day_apart_from_the_series(
    period: Period, last_day: bool, word: str
) -> None:
    flt = RestoreFilter(state=State.FAILED, period=period, last_day=last_day, regions=("us-east-1",))
    encoded = ActionValue(flt).encode()
    assert f'"p":"{word}"' in encoded
    assert ActionValue.decode(encoded).filter == flt
