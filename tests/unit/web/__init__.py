"""Unit tests of bot/web: the WSGI front door and admission."""
