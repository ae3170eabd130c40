"""Logging set-up: plain or JSON lines, a request id per command, and secrets masked before anything is written."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


@contextlib.contextmanager
def handling(what: str, log: logging.Logger, **extra: str) -> Iterator[str]:
    """One request's frame, for every surface that answers one: a request id in every log line inside it (given to
    the block, for the "reference" a user can quote), and a "handled" line with its duration at the end."""
    rid = uuid.uuid4().hex[:12]
    token = request_id.set(rid)
    started = time.monotonic()
    try:
        yield rid
    finally:
        log.info("handled %s", what, extra={**extra, "duration_ms": round((time.monotonic() - started) * 1000, 1)})
        request_id.reset(token)

# Attributes every LogRecord has; anything else came in through `extra=` and is a structured field.
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime", "request_id"}


class ContextFilter(logging.Filter):
    """Stamps the current request id on every record logged while a command is being answered."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


# A URL's path and query can be a bearer capability: a response_url (hooks.slack.com/commands/…, /actions/…) lets
# anyone who has it post into the conversation for 30 minutes. Only Slack Web API method URLs (…/api/chat.postMessage)
# are kept whole; every other URL keeps its host and loses the rest.
_URL = re.compile(r"(?P<base>https?://[^/\s'\"<>]+)(?P<path>/[^\s'\"<>]*)")


def _mask_url(match: re.Match[str]) -> str:
    path = match["path"]
    if path.startswith("/api/") and "?" not in path:
        return match.group(0)
    return match["base"] + "/****"


# Any URL's secret-looking parts, whatever its scheme: the password of its userinfo, and the value of a query parameter
# whose name says secret (a database URL may carry `?password=…`). Masked by shape, so a short password is caught too.
SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|credential|signature|auth", re.I)
_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s'\"<>]*):(?P<password>[^@/\s'\"<>]+)@", re.I)
_PARAM = re.compile(r"(?P<name>[?&;][^=&;#\s'\"<>]+)=(?P<value>[^&;#\s'\"<>]*)")


def mask_url_secrets(text: str) -> str:
    """Text with every URL's userinfo password and secret-looking query values replaced by ****."""
    if "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda m: m.group(0) if m["password"].strip("*") == "" else f"{m['head']}:****@", text)
    return _PARAM.sub(lambda m: f"{m['name']}=****" if SECRET_NAME.search(m["name"]) else m.group(0), text)


class SecretsFilter(logging.Filter):
    """Replaces known secret values and capability URLs wherever they would appear: the message, its `extra=`
    fields and exception text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Short values would mask ordinary words; real tokens and keys are long.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """`text` with every known secret and capability URL replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "****")
        text = mask_url_secrets(text)
        return _URL.sub(_mask_url, text) if "://" in text else text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        for key, value in _fields(record).items():
            if isinstance(value, (int, float, bool)) or value is None:
                continue
            text = str(value)
            if self.mask(text) != text:
                setattr(record, key, self.mask(text))
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.mask(text) != text:
                record.exc_info, record.exc_text = None, self.mask(text)
        return True


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            entry["request_id"] = rid
        entry.update(_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def one_line(value: object) -> str:
    """Control characters escaped, so text from a user (a command with a newline) cannot forge a log line."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(value))


class TextFormatter(logging.Formatter):
    """One line per record (a traceback follows on its own lines); message and fields have control characters
    escaped. JSON lines need no such care: json.dumps escapes them."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = _fields(record)
        rid = getattr(record, "request_id", None)
        if rid:
            extras = {"request_id": rid, **extras}
        if extras:
            first, _, rest = text.partition("\n")
            fields = " ".join(f"{one_line(k)}={one_line(v)}" for k, v in extras.items())
            text = first + " " + fields + (("\n" + rest) if rest else "")
        return text


def configure_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(SecretsFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # botocore at DEBUG logs request headers (signatures): keep it and its HTTP stack quieter than us.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # A role that cannot be assumed makes botocore log a traceback on every refresh attempt; the bot names the
    # account and the reason itself (bot.aws.testing), once per answer, and check reports it.
    logging.getLogger("botocore.credentials").setLevel(max(logging.ERROR, root.level))
    # APScheduler logs "Running job" and "executed successfully" at INFO for every run: two lines a minute from the
    # alert poll alone. The bot logs what each run did itself; the scheduler's warnings (a missed run) stay.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    quiet_bolt_token_warning()


# Bolt's words (slack_bolt.logger.messages.warning_token_skipped; tests/unit/test_logs_noise.py keeps them in step).
BOLT_TOKEN_WARNING = "`token` (or SLACK_BOT_TOKEN env variable) will be ignored"  # noqa: S105 (words, not a secret)


class _DropBoltTokenWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return BOLT_TOKEN_WARNING not in record.getMessage()


def quiet_bolt_token_warning() -> None:
    """Drop Bolt's warning that "`token` ... will be ignored", and only that, logged at every start: the bot gives its
    App both an `authorize` function (no auth.test inside a request's 3 seconds) and its Slack client, token included
    (the readiness probe and the posts outside a request use it), so the token is ignored for requests by design."""
    bolt = logging.getLogger("slack_bolt.App")
    if not any(isinstance(f, _DropBoltTokenWarning) for f in bolt.filters):
        bolt.addFilter(_DropBoltTokenWarning())


def gunicorn_logconfig(level: str, secrets: Iterable[str], fmt: str = "json") -> dict[str, object]:
    """gunicorn's own log lines in the bot's format (plain text or JSON), through the same filters; it replaces the root
    set-up of configure_logging in the arbiter and its workers."""
    formatter = {"()": "bot.logs.JsonFormatter"} if fmt == "json" else {"()": "bot.logs.TextFormatter"}
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "bot",
        "filters": ["context", "secrets"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"bot": formatter},
        "filters": {
            "context": {"()": "bot.logs.ContextFilter"},
            "secrets": {"()": "bot.logs.SecretsFilter", "secrets": list(secrets)},
        },
        "handlers": {"bot": handler},
        "root": {"level": level, "handlers": ["bot"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["bot"], "propagate": False, "qualname": "gunicorn.error"},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False, "qualname": "gunicorn.access"},
        },
    }


def secrets_from_env(env: dict[str, str]) -> list[str]:
    """Every value in the environment that must never reach a log line."""
    names = (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    )
    found = [env.get(name, "") for name in names]
    url = env.get("DATABASE_URL", "")
    if url:
        from sqlalchemy.engine import make_url

        # An unparseable URL is reported by configuration validation, not here.
        with contextlib.suppress(Exception):
            found.append(make_url(url).password or "")
    return [value for value in found if value]


def mask(secret: str) -> str:
    if not secret:
        return "(unset)"
    # Show only the token family prefix (xoxb-, xapp-) so an operator can tell which kind is set.
    prefix = secret.split("-", 1)[0] + "-" if secret.startswith(("xox", "xapp")) else ""
    return f"{prefix}****"


def mask_url(url: str) -> str:
    """A database URL with every secret-looking part hidden: the password, and query parameters such as `?password=`."""
    try:
        from sqlalchemy.engine import make_url

        return mask_url_secrets(make_url(url).render_as_string(hide_password=True))
    except Exception:
        return "(unparseable)"
