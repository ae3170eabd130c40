"""The message kit, pure: line lists fitted within Slack's limits with an "and N more"."""

from __future__ import annotations

from bot.slack.blocks import fit_lines


def test_fit_lines_keeps_within_limits() -> None:
    lines = [f"line {i} " + "x" * 100 for i in range(100)]
    text = fit_lines(lines, limit=12)
    assert text.count("\n") == 12 and text.endswith("_…and 88 more_")
    text = fit_lines(lines, limit=100, max_chars=1000)
    assert len(text) <= 1000 and "more_" in text
    assert fit_lines(["a", "b"]) == "a\nb"
