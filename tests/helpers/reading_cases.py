"""Returns that two programs (or a program and our reader) could read two ways, made from a
real filled return by editing its package part by part (issue 17, examples 1-7).

Each case is a class of the issue's examples and a way to build it: ``build(source, out)``
writes the file. ``CASES`` lists (name, example, expected finding code, (sheet, cell) or
None, builder). The cells are those of Melton's return (Gains!B8 holds 63.5, the Forecast
ratings are Red); example 7's cases change the County Council's Gains!B8.

The cases are built in reading_cases_parts, reading_cases_cells, reading_cases_formulas
and reading_cases_shown; this module puts them together in the issue's order. The
unusual spellings that must be accepted are in reading_cases_accepted.
"""

from __future__ import annotations

from helpers.reading_case_edits import Case
from helpers.reading_cases_cells import CELL_CASES, INPUT_FORMULA_CASES
from helpers.reading_cases_formulas import OUTWARD_CASES
from helpers.reading_cases_parts import PART_CASES, RELATIONSHIP_CASES
from helpers.reading_cases_shown import SHOWN_CASES

CASES: list[Case] = (
    PART_CASES + CELL_CASES + RELATIONSHIP_CASES + INPUT_FORMULA_CASES + OUTWARD_CASES + SHOWN_CASES
)
assert len({c.name for c in CASES}) == len(CASES)
