"""Whether the AWS reads behind one CLI answer were complete, for `ask`'s exit status: every result of the reads the
answers make (summaries, summary chains, restore jobs, restore testing) says what failed or was cut short, and is
looked at as it passes. The answer itself already says so in words; this turns it into 0 or 1 for scripts."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

# The reads whose results carry `failures` and `truncated` (bot.domain.results, bot.aws.client.ChainsAnswer).
BACKUP_READS = ("restore_job_summaries", "summary_chains", "list_restore_jobs", "completed_restore_jobs")
TESTING_READS = ("read",)
RECOVERABILITY_READS = ("coverage",)  # bot.recoverability.service.Recoverability: the accounts asked, read or not


class ReadWatch:
    """Counts the results of watched reads that name a failure or a cut. `watch(obj, names)` wraps those methods of
    that one object (not its class): nothing else in the process is touched."""

    def __init__(self) -> None:
        self.reads = 0
        self.incomplete = 0
        self._lock = threading.Lock()  # the answers may read from several threads at once

    def watch(self, obj: Any, names: tuple[str, ...]) -> None:
        for name in names:
            method = getattr(obj, name, None)
            if callable(method):
                setattr(obj, name, self._wrap(method))

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def watched(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            with self._lock:
                self.reads += 1
                # `not_read`: what a coverage read (bot.domain.recoverability.CoverageRead) could not read, in words.
                if any(getattr(result, part, None) for part in ("failures", "truncated", "not_read")):
                    self.incomplete += 1
            return result

        return watched
