"""restores bot: tells a team in Slack whether its AWS Backup restores work (CONTRIBUTING.md: "How it fits together")."""
