"""The real-program corpus's and the differential test's one-line results, recorded by their
tests and printed at the end of the run (tests/conftest.py) so CI output states them."""

from __future__ import annotations

import pytest

# {case name: accepted with figures identical to the openpyxl-filled original}
RESULTS = pytest.StashKey[dict[str, bool]]()
# The differential test's one line: how many mutated files were accepted, and Calc agreed on.
DIFFERENTIAL = pytest.StashKey[str]()


def summary_line(results: dict[str, bool]) -> str:
    ok = sum(results.values())
    return f"{ok} of {len(results)} returns saved by real programs accepted, figures identical"
