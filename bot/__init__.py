"""restores bot: tells a team in Slack whether its AWS Backup restores work (README: "How it fits together")."""
