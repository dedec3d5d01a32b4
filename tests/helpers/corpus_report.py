"""The real-program corpus's one-line result, recorded by its tests and printed at the end
of the run (tests/conftest.py) so CI output states it."""

from __future__ import annotations

import pytest

# {case name: accepted with figures identical to the openpyxl-filled original}
RESULTS = pytest.StashKey[dict[str, bool]]()


def summary_line(results: dict[str, bool]) -> str:
    ok = sum(results.values())
    return f"{ok} of {len(results)} returns saved by real programs accepted, figures identical"
