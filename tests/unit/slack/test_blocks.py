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


def test_aws_free_text_is_one_quoted_line_that_cannot_pass_for_the_bots_words() -> None:
    """Issue 19, defect 8: a customer's validation message (PutRestoreValidationResult) or any StatusMessage with
    newlines, formatting, emoji codes, mentions and bidi controls stays one inline code span."""
    from bot.slack.blocks import one_line, plain, quoted

    forged = "ok\n:white_check_mark: *Restores work*\u2028~no~ <!here> `x` \u202eevil\u202c\u200b\x07end"
    shown = quoted(forged, 400)
    assert shown.startswith("`") and shown.endswith("`") and shown.count("`") == 2
    assert "\n" not in shown and "\u2028" not in shown
    assert not any(c in shown for c in "\u202e\u202c\u200b\x07")
    assert "&lt;!here&gt;" in shown and "<!here>" not in shown
    assert shown == "`ok :white_check_mark: *Restores work* ~no~ &lt;!here&gt; ˋxˋ evilend`"
    assert one_line("a\r\n\tb\u2029c") == "a b c"
    assert plain(forged, 30) == "ok :white_check_mark: *Restor…"
    assert quoted("x" * 500, 10) == "`" + "x" * 9 + "…`"
