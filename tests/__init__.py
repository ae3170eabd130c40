"""The test suite: unit, handlers, scenario (in process), e2e (real processes), hardening, and the fakes."""

import pytest

# conftest imports the AWS fake before pytest_plugins loads it: keep pytest's assert rewriting in it anyway.
pytest.register_assert_rewrite("tests.fakes.aws")
