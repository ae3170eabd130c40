"""Restore testing: its schedule, the verdicts of the scoreboard, the service listeners call and its rendering."""
