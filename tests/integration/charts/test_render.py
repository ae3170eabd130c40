"""matplotlib is loaded only when a chart is drawn: checked in a fresh interpreter, the only place where what an
import pulls in can be seen."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_the_web_process_does_not_load_matplotlib_until_a_chart_is_drawn() -> None:
    code = ("import sys, bot.web.app, bot.answers.service, handlers.commands, handlers.actions, bot.charts.render\n"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
