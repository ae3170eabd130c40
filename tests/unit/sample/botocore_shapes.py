"""What the sample API unit tests hold the emulator's answers to: botocore's own service models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from bot.sample.api_model import ApiError

SESSION = botocore.session.get_session()
BACKUP = SESSION.get_service_model("backup")


def conforms(body: dict[str, Any], operation: str, model: Any = BACKUP) -> None:
    """The answer has the operation's output shape: no unknown member, none missing that is required, right types."""
    report = ParamValidator().validate(body, model.operation_model(operation).output_shape)
    assert not report.has_errors(), report.generate_report()


def refused(call_it: Callable[[], object]) -> ApiError:
    """The ApiError `call_it()` raises (the test fails if it answers)."""
    with pytest.raises(ApiError) as caught:
        call_it()
    return caught.value
