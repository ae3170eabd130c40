"""Short answers that are not about numbers: help, usage errors, refusals, stale buttons, internal errors."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from bot.domain import words
from bot.domain.query import COMMAND, ParseError
from bot.slack.blocks import MAX_FALLBACK_TEXT, Message, clip, context, escape, header, section

# Every example here is typed by tests/scenario/test_documented_examples.py, which checks the window its answer
# states: keep each one a command the bot answers.
HELP_EXAMPLES = (
    (f"`{COMMAND}`", "everything in the last 7 days, in the default regions"),
    (f"`{COMMAND} failed 1d`", "failed restores of the last full UTC day (yesterday)"),
    (f"`{COMMAND} failed 7d`", "failed restores in the last 7 days"),
    (f"`{COMMAND} aborted daily type:EBS`", "aborted EBS restores per day, 14 days, one line a day"),
    (f"`{COMMAND} completed 14d rds eu-west-1`", "completed RDS restores in eu-west-1"),
    (f"`{COMMAND} failed account:ANY`", "every account of the organization (management or delegated admin only)"),
    (f"`{COMMAND} failed 7d ou:Production`", "every account of the Production OU, nested OUs included, a row each"),
    (f"`{COMMAND} failed region:us-east-1,eu-west-1 share`", "post the answer to the channel"),
    (f"`{COMMAND} jobs failed 1d type:EBS`", "which EBS restores failed in the last 24 hours (today's too), and why"),
    (f"`{COMMAND} tests 30d`", "restore tests of the last 30 days"),
    (f"`{COMMAND} tests share`", "post the restore tests of the last 7 days to the channel"),
    (f"`{COMMAND} resource orders-db`", "can we restore orders-db? Its last backup, latest restores and a verdict"),
    (f"`{COMMAND} coverage 90d type:RDS`", "which protected RDS resources had a good restore in 90 days, which never"),
    (f"`{COMMAND} export 7d`", "every restore job of the last 7 days as a CSV file in the channel, for an auditor"),
)


def render_help(command: str = COMMAND, default_regions: Sequence[str] = (), own_account: str | None = None) -> Message:
    regions = ", ".join(default_regions) or "the AWS default region"
    grammar = (
        "*State* — `failed` `aborted` `completed` `running` `pending` `created`, or `state:ANY` (a row per state, "
        "the default) / `state:AGGREGATE_ALL` (summed)\n"
        "*Window* — `1d` (or `24h`): the last day; `7d` (default); `14d`; `daily`: per day over 14 days. "
        "Counts are of whole UTC days AWS has counted, up to yesterday: `1d` is yesterday, and today's jobs are not in "
        "them yet (`jobs failed 1d` lists them). `jobs` and `tests` read the last 24 h, 7 or 14 days up to now; "
        "`tests` also takes `30d`. In the API's terms: `period:ONE_DAY` (= `daily`), `period:SEVEN_DAYS`, "
        "`period:FOURTEEN_DAYS`\n"
        '*Resource type* — `type:EBS`, `type:"Storage Gateway"`, or just `ebs`, `rds`, `dynamodb`, `efs`, ... '
        "(`type:ANY` default, `type:AGGREGATE_ALL` summed)\n"
        "*Account* — `123456789012`, a name: `account:prod-payments` (as AWS Organizations names it, any case), or "
        "`account:ANY` / `account:AGGREGATE_ALL` (org-wide: needs the Organizations management or delegated-admin "
        f"account). Default: {_own(own_account)}\n"
        "*OU* — `ou:Production` or `ou:ou-ab12-cd34ef56`: every account of an organisational unit, nested OUs "
        "included, with a row per account (types summed)\n"
        f"*Region* — `eu-west-1` or `region:us-east-1,eu-west-1`. Default: {regions}\n"
        "*share* — post the answer in the channel instead of only to you (or click *Share to channel*); "
        "`tests share` too\n"
        "*jobs* — list the jobs themselves, grouped by failure reason, with restore tests told apart: "
        "`jobs failed 1d type:EBS` (created in the last 24 h; `7d`, `14d` likewise; default state failed)\n"
        "*tests* — do restores work? Every restore testing plan: did it run on schedule, its restores, validation, "
        "clean-up, restore time and coverage, worst first: `tests`, `tests 30d eu-west-1`, `tests account:ANY`\n"
        "*subscribe* — this channel gets the daily digest at its own time, or alerts within minutes of a failed "
        "restore: `subscribe digest 07:30 Europe/Berlin`, `subscribe alerts type:EBS state:failed`; "
        "`unsubscribe digest|alerts`; `subscriptions` shows what the channel gets and when"
    )
    recoverability = (
        "*resource* — can we restore it? One protected resource by its ARN or a part of its name or id: last backup, "
        "latest restores, restore testing and a verdict: `resource orders-db`, `resource arn:aws:rds:…`\n"
        "*coverage* — of the protected resources you may see, how many had a successful restore (validated where "
        "tested) in `30d` (default), `90d` or `180d`, by type and account, and which never did: "
        "`coverage 90d type:RDS account:123456789012`\n"
        "*export* — every restore job of `7d`, `30d` (default) or `90d` as a CSV file posted to the channel, with "
        "`account:` and regions as above; `python -m bot export` writes the same file"
    )
    examples = "\n".join(f"{cmd} — {what}" for cmd, what in HELP_EXAMPLES).replace(COMMAND, command)
    blocks: list[Block] = [
        header("restores bot — is our AWS Backup restore working?"),
        section(f"Type `{command}` with filters in any order, any case."),
        section(grammar),
        section(recoverability),
        section("*Examples*\n" + examples),
        context(
            "Answers carry buttons: open the jobs behind a count, switch the window or state in place, share to the "
            "channel. Counts come from AWS Backup `ListRestoreJobSummaries` (whole UTC days, the last 14), jobs "
            "from `ListRestoreJobs`."
        ),
    ]
    usage = f"{command} usage: [state] [1d|7d|14d|daily] [type:TYPE] [account:ID|NAME] [ou:NAME|ID] [region] [share]"
    return Message(text=usage, blocks=blocks)


def _own(own_account: str | None) -> str:
    if own_account:
        return words.account_text(None, own_account)
    return "the account the bot runs in (every answer names it; `python -m bot check` too)"


def render_parse_error(error: ParseError, command: str = COMMAND) -> Message:
    # The message quotes the user's own token: escaped, so a typed `<!channel>` stays text.
    text = f":thinking_face: {escape(error.user_message())}\nSee `{command} help` for examples."
    return Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=(section(text),))


def render_refusal(
    command: str = COMMAND, *, no_scope: bool = False, other_team: bool = False, home: bool = False,
    directory: str = "",
) -> Message:
    """`directory`: why the organisation could not be read, when the scope is defined by organisational units."""
    if directory:
        where = "the Home tab's" if home else "this conversation's"
        text = clip(
            f":lock: Sorry, {where} AWS accounts are defined by organisational units, and the organisation cannot be "
            f"read now, so `{command}` shows nothing rather than more than it may. {escape(directory)}",
            MAX_FALLBACK_TEXT,
        )
    elif home and no_scope:  # a button of the Home tab, whose accounts are no longer configured
        text = (
            ":lock: Sorry, the Home tab shows no AWS accounts any more: the bot's admins name them in "
            f"`RESTORES_HOME_ACCOUNTS`. `{command}` still answers in your channels."
        )
    elif other_team:
        text = (
            f":lock: Sorry, `{command}` only answers people of the workspace it is installed in. "
            "Ask your own workspace's admins about AWS Backup restores."
        )
    elif no_scope:
        text = (
            f":lock: Sorry, `{command}` has no AWS accounts to show in this conversation: the bot limits each "
            "channel to its own accounts, and this one has none yet. Ask the bot's admins to add it to "
            "`RESTORES_CHANNEL_ACCOUNTS` (or set a default for unlisted conversations with `*=`)."
        )
    else:
        text = (
            f":lock: Sorry, `{command}` is not enabled for you in this channel. "
            "Ask the bot's admins to add you or this channel to its allow-list."
        )
    return Message(text=text, blocks=(section(text),))


def render_out_of_scope(reason: str, *, unresolved: bool = False) -> Message:
    """`unresolved`: not a refusal but a name or OU the organisation does not hold (or cannot say now)."""
    text = f"{':thinking_face:' if unresolved else ':lock:'} {escape(reason)}"
    return Message(text=clip(text, MAX_FALLBACK_TEXT), blocks=(section(text),))


def render_busy(limit: int, command: str = COMMAND, *, everyone: bool = False) -> Message:
    """An answer not started: this user already has `limit` in flight, or (`everyone`) the bot has as many as it
    queues at all."""
    if everyone:
        text = (
            f":hourglass_flowing_sand: I am answering {limit} requests right now, as many as I take at once; this one "
            f"was not started. Try `{command}` again in a minute."
        )
    else:
        text = (
            f":hourglass_flowing_sand: You have {limit} answers in flight already; this one was not started, so "
            f"everyone else's answers stay fast. Try `{command}` again when those have arrived."
        )
    return Message(text=text, blocks=(section(text),))


def render_stale_action() -> Message:
    text = (
        ":hourglass: That button is from an older or unknown message, so I can't act on it. "
        f"Run `{COMMAND}` again for a fresh answer."
    )
    return Message(text=text, blocks=(section(text),))


def render_internal_error(reference: str) -> Message:
    text = (
        ":boom: Something went wrong while answering; nothing was shown to others. "
        f"Try again in a minute. If it keeps happening, give the bot's admins this reference: `{reference}`."
    )
    return Message(text=text, blocks=(section(text),))
