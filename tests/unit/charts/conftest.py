"""matplotlib builds its font list once per machine (in MPLCONFIGDIR), asking fontconfig through a subprocess
(`fc-list`). That is the machine's set-up, not what a chart test checks, and the unit tier refuses subprocesses in
its tests: so it is done here, once per session, before any test's guard is in place."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _font_cache() -> None:
    import matplotlib.font_manager  # noqa: F401  (importing it loads, or on a new machine builds, the font list)
