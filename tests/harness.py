"""Runs the real bot (`python -m bot serve`) as a subprocess wired to the loopback fakes, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakes.signing import command_body, post_signed
from tests.fakes.slack import FakeSlack, ResponsePost

SIGNING_SECRET = "e2e-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"
REPO = Path(__file__).resolve().parent.parent

# Proxies would send loopback traffic elsewhere (slack_sdk ignores NO_PROXY).
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment of a new user's shell: no AWS, Slack or proxy settings leaking in from this machine."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "SLACK_", "RESTORES_")) and k not in PROXY_VARS}
    env.update(overrides)
    return env


def bot_environment(aws_endpoint: str, slack_api_url: str, aws_dir: Path, **overrides: str) -> dict[str, str]:
    """`python -m bot serve`'s environment wired to the loopback fakes, with throwaway credentials and empty
    AWS config files (nothing from this machine's AWS set-up leaks in)."""
    (aws_dir / "config").write_text("")
    (aws_dir / "credentials").write_text("")
    env = clean_env(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api_url,
        AWS_ENDPOINT_URL_BACKUP=aws_endpoint,
        AWS_ACCESS_KEY_ID="AKIDE2ETESTING",
        AWS_SECRET_ACCESS_KEY="e2e-aws-secret-key-do-not-log",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(aws_dir / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(aws_dir / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(overrides)
    return env


@dataclass
class BotProcess:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    slack: FakeSlack
    secret: str = SIGNING_SECRET
    _keys: int = field(default=0)

    @property
    def events_url(self) -> str:
        return self.url + "/slack/events"

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def post_command(self, text: str, *, user_id: str = "U0USER", channel_id: str = "C0CHAN",
                     key: str | None = None, timestamp: int | None = None) -> tuple[int, str]:
        """Send a signed slash command; returns the ack status and the response_url key."""
        self._keys += 1
        key = key or f"cmd-{self._keys}-{time.monotonic_ns()}"
        body = command_body(text, response_url=self.slack.response_url(key), user_id=user_id, channel_id=channel_id)
        status, _, _ = post_signed(self.events_url, self.secret, body, timestamp=timestamp)
        return status, key

    def ask(self, text: str, **kwargs: str) -> ResponsePost:
        """Send a command and wait for its one answer through response_url."""
        status, key = self.post_command(text, **kwargs)
        assert status == 200, f"ack status {status}"
        (answer,) = self.slack.wait_for_responses(1, key=key, timeout=30)
        return answer

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_bot(env: dict[str, str], slack: FakeSlack, log_dir: Path, *, timeout: float = 20.0) -> BotProcess:
    port = free_port()
    env = dict(env, PORT=str(port))
    log_path = log_dir / f"bot-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"],
        cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    bot = BotProcess(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, slack=slack)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"bot exited with {process.returncode}:\n{bot.log_text()}")
        try:
            with urllib.request.urlopen(bot.url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return bot
        except OSError:
            time.sleep(0.1)
    bot.stop()
    raise AssertionError(f"bot did not become healthy in {timeout} s:\n{bot.log_text()}")
