"""What `python -m bot check` says of the organisation directory: read it now and say what it holds, or why it could
not be read and which IAM actions to grant."""

from __future__ import annotations

from bot.organization.directory import OrganizationDirectory

HEADING = "AWS Organizations directory (account names and OUs):"


def directory_probe(directory: OrganizationDirectory) -> list[tuple[bool, str]]:
    """(fine, words) lines for CheckReport.ok / .problem. No organisation at all is fine (ids are shown); a refusal is
    a problem naming the actions."""
    organization = directory.refresh()
    problem = directory.problem
    if problem is not None:
        if not problem.in_use:
            return [(True, problem.reason)]
        lines = [(False, f"{problem.describe()}; until then accounts are shown by id and OU scopes are refused")]
        if organization is not None:
            lines.append((True, f"an earlier read is still used: {_held(directory)}"))
        return lines
    return [(True, _held(directory))]


def _held(directory: OrganizationDirectory) -> str:
    organization = directory.current()
    if organization is None:
        return "nothing read"
    inactive = len(organization.accounts) - len(organization.active_accounts())
    units = len(organization.units) - len(organization.roots)
    when = f" at {organization.read_at:%Y-%m-%d %H:%M} UTC (AWS's clock)" if organization.read_at is not None else ""
    return (f"organisation {organization.id}: {len(organization.accounts)} account(s), {inactive} suspended or closed "
            f"(never polled), {units} OU(s); read{when} in {directory.kept_calls} call(s)")
