"""Programs and servers the tests need: present, skipped with the fix, or (under CI) a failure.

``require_component`` is the one place that decides. It also keeps the ``real_component``
marker honest: a test that asks for a real program or server must carry it (by a fixture
conftest marks, or by ``pytestmark``), so that ``pytest -m "not real_component"`` never
starts one. conftest tells this module which test is running.
"""

from __future__ import annotations

import os

import pytest

MARKER = "real_component"
current_test: pytest.Item | None = None  # set by conftest for each test it runs


def require_component(found: bool, hint: str) -> None:
    """Under CI a missing component is a failure; elsewhere the test is skipped with the fix."""
    if current_test is not None and current_test.get_closest_marker(MARKER) is None:
        pytest.fail(
            f"{current_test.nodeid} needs a real component ({hint.split(':')[0]}) but is not marked "
            f"{MARKER}: mark it (pytestmark = pytest.mark.{MARKER}) or use a fixture conftest marks",
            pytrace=False,
        )
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required component missing under CI: {hint}")
    pytest.skip(hint)
