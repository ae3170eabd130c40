"""Unit tests of bot/recoverability: the grammar, the verdicts, the rendering and the service's account choice."""
