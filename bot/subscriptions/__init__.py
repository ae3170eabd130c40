"""Subscriptions made from Slack: the service behind `subscribe`/`unsubscribe`/`subscriptions` and its rendering."""
