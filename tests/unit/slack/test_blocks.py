"""The message kit, pure: line lists fitted within Slack's limits with an "and N more"."""

from __future__ import annotations

from bot.domain.query import RestoreFilter, State
from bot.domain.words import scope_text
from bot.slack.blocks import describe_scope, fit_lines


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
    assert plain(forged, 30) == "ok :white_chec…re&gt; `x` evilend"  # the middle goes: the end is kept
    assert quoted("ab" * 250, 10) == "`abab…babab`"


def test_long_aws_text_loses_its_middle_never_its_end() -> None:
    """Issue 23, item 7: the end of AWS's message names the missing IAM action; shortening keeps it."""
    from bot.slack.blocks import clip_middle, code, quoted

    message = ("Deletion of the restored file system failed: IAM role arn:aws:iam::111122223333:role/service-role/"
               "AWSBackupDefaultServiceRole is not authorized to perform elasticfilesystem:DeleteFileSystem")
    shown = quoted(message, 80)
    assert shown == "`Deletion of the restored file system fa…rform elasticfilesystem:DeleteFileSystem`"
    assert len(shown) == 80 + 2 and shown.endswith("elasticfilesystem:DeleteFileSystem`")
    assert clip_middle("abcdefghij", 5) == "ab…ij" and clip_middle("abc", 5) == "abc" and clip_middle("abcdef", 2) == "ab"
    assert len(clip_middle("x" * 1000, 101)) == 101
    # Escaping comes after the cut, so an entity is never cut in half.
    assert code("<" * 20 + ">" * 20, 9) == "`&lt;&lt;&lt;&lt;…&gt;&gt;&gt;&gt;`"


def test_a_link_is_the_bots_url_with_an_escaped_label_or_nothing() -> None:
    from bot.slack.blocks import link

    assert link("https://console.aws.amazon.com/backup/home?region=eu-west-1#/x", "job <1>") == (
        "<https://console.aws.amazon.com/backup/home?region=eu-west-1#/x|job &lt;1&gt;>"
    )
    assert link(None, "job") == "" and link("http://evil", "x") == ""
    assert link("https://a/b|<!here>", "x") == "" and link("https://a/b c", "x") == ""


def test_describe_scope_names_the_bots_own_account_by_its_id() -> None:
    """The digest's and Home's scope line: one form with every surface (words.scope_text)."""
    flt = RestoreFilter(state=State.FAILED, regions=("eu-west-1",))
    assert "account 111122223333 (the bot's own)" in describe_scope(flt, "111122223333")
    assert "the bot's own account (id not known)" in describe_scope(flt)
    assert describe_scope(flt, "111122223333") == scope_text(flt, "111122223333")
