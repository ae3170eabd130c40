"""`ask`'s exit status, in process: ReadWatch counts the watched reads whose results name a failure or a cut, and
touches nothing else; a command the grammar refuses exits 2 before any AWS call."""

from __future__ import annotations

import argparse
from types import SimpleNamespace
from unittest.mock import patch

import pytest

from bot import __main__ as cli
from bot.answers.reads import ReadWatch


class Reader:
    def __init__(self, result: object) -> None:
        self.result = result

    def read(self) -> object:
        return self.result

    def other(self) -> object:
        return self.result


@pytest.mark.parametrize(("result", "incomplete"), [
    (SimpleNamespace(failures=(), truncated=()), 0),
    (SimpleNamespace(failures=("eu-west-1: denied",), truncated=()), 1),
    (SimpleNamespace(failures={}, truncated=True), 1),  # a cut is incomplete too
    (SimpleNamespace(failures={("us-east-1", ""): "denied"}, truncated=False), 1),
    (("a tuple", "names", "nothing"), 0),
])
def test_incomplete_results_are_counted(result: object, incomplete: int) -> None:
    watch, reader, untouched = ReadWatch(), Reader(result), Reader(result)
    watch.watch(reader, ("read", "missing"))
    assert reader.read() is result and reader.other() is result and untouched.read() is result
    assert (watch.reads, watch.incomplete) == (1, incomplete)  # only `read` of `reader` was watched


def test_a_command_the_grammar_refuses_exits_2_with_its_answer(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"RESTORES_REGIONS": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    with patch.dict("os.environ", env, clear=True):  # the unit tier forbids sockets: no AWS call may be tried
        status = cli.cmd_ask(argparse.Namespace(sample=False, json=False, text=["faild", "7d"]))
    assert status == 2
    assert "`faild` is not something I understand" in capsys.readouterr().out


@pytest.mark.parametrize("command", [None, "ask", "chart", "check"])
def test_the_exit_statuses_are_in_the_help(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args([command, "--help"] if command else ["--help"])
    help_text = capsys.readouterr().out
    assert "exit status:\n  0  done" in help_text and "\n  1  done, but incomplete" in help_text
    assert "\n  2  refused: bad input or configuration" in help_text
