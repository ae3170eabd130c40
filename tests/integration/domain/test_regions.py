"""Using the region table (grammar, access policy, button encoding) loads no boto3: checked in a fresh interpreter,
the only place where what an import pulls in can be seen."""

from __future__ import annotations

import subprocess
import sys

from tests.support import REPO


def test_validating_regions_and_encoding_buttons_loads_no_boto3() -> None:
    code = (
        "import sys\n"
        "from bot.answers.grammar import parse_command\n"
        "from bot.answers.controls import ActionValue\n"
        "from bot.domain.query import RestoreFilter\n"
        "from bot.domain.regions import known_regions\n"
        "regions = tuple(sorted(r for r in known_regions() if r.startswith(('us-', 'eu-', 'ap-'))))\n"
        "parse_command('failed region:eu-west-1', regions)\n"
        "ActionValue(filter=RestoreFilter(regions=regions)).encode()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 's3transfer')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
