"""AWS Backup's restore job and restore testing reads as pure functions of loaded data and a clock (no HTTP).

The operations are ListRestoreJobSummaries (api_summaries), ListRestoreJobs (api_jobs), ListRestoreTestingPlans,
GetRestoreTestingPlan and ListRestoreTestingSelections (api_testing), ListProtectedResources, DescribeProtectedResource
and ListRestoreJobsByProtectedResource (api_resources); each takes the calling account, which the HTTP shell
(emulator) reads from the access key.  Parameters arrive as the service receives them, querystring names and
string values, and are validated the way the service validates them (api_model); answers are the operations'
rest-json bodies.
"""

from __future__ import annotations

from bot.sample.api_jobs import RestoreJobs
from bot.sample.api_resources import ProtectedResources
from bot.sample.api_summaries import RestoreJobSummaries
from bot.sample.api_testing import RestoreTesting

__all__ = ["BackupApi"]


class BackupApi(RestoreJobSummaries, RestoreJobs, RestoreTesting, ProtectedResources):
    """The read-only operations over one data set, for every region at once.

    Each operation takes the calling account (``caller``); None means ``caller_account``, the default
    identity.  ``org_admin`` says whether ``caller_account`` is the organisation's management (or delegated
    administrator) account, which may count every member account's jobs (other callers never may);
    ``page_size`` caps every page below MaxResults; ``now`` is the clock the summary windows are relative to
    (a callable, a fixed datetime, or None for the wall clock).  Safe to call from many threads; ``load``
    swaps the data atomically.
    """
