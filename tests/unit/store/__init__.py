"""Unit tests of bot/store on SQLite: each table's repository."""
