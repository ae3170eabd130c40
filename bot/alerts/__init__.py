"""Alerts within minutes: poll ListRestoreJobs for jobs that failed or were aborted, post each once per channel."""
