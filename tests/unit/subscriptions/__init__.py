"""Unit tests of bot/subscriptions: the subscribe grammar, the service and its renderer."""
