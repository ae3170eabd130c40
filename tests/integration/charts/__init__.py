"""Integration tests of bot/charts: what a fresh interpreter loads, the renderer child process."""
