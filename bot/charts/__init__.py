"""The 14-day trend chart: the series, its drawing (in a renderer process of its own) and its upload to Slack."""
