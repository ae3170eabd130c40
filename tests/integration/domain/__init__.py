"""Integration tests of bot/domain: what a fresh interpreter loads for the pure layers."""
