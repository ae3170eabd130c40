"""Unit tests of bot/domain: the query words, ids, regions, access."""
