"""Programs and servers the tests need: present, skipped with the fix, or (under CI) a failure."""

from __future__ import annotations

import os

import pytest


def require_component(found: bool, hint: str) -> None:
    """Under CI a missing component is a failure; elsewhere the test is skipped with the fix."""
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required component missing under CI: {hint}")
    pytest.skip(hint)
