"""The differential test: LibreOffice Calc, through UNO, is the oracle of what a return shows.

A few hundred package mutations of real returns (filled by openpyxl, saved by Calc,
converted by Gnumeric, re-spelt as Excel writes) are validated as ``ni179 validate`` does
(the batch API, in the bounded worker pool). Every file we accept is opened in one Calc
and each input it shows is compared with the figure we recorded; every file we reject
must be rejected with a named finding (helpers.differential says exactly what counts).
Each mutation class of issue 17's items 1-7 is made in every variant, on each base in turn
(helpers.mutations), and the rest are seeded random edits: ``NI179_DIFFERENTIAL_SEED`` and
``NI179_DIFFERENTIAL_COUNT`` change the seed (17) and the number of files (300).

The run's one-line result is printed at the end of the test session. Where Excel and Calc
are known to read a construct differently, the reader must reject the construct: an
acceptance there is a failure whichever program's reading we took.
"""

from __future__ import annotations

import os

import pytest
from helpers.components import require_component
from helpers.corpus_report import DIFFERENTIAL
from helpers.differential import judge
from helpers.mutations import generate
from helpers.realprograms import (
    GNUMERIC_HINT,
    UNO_HINT,
    convert_with_gnumeric,
    resave_in_calc,
    respell_as_excel,
    ssconvert,
    system_uno,
)

from xl_ni179.spec.schema import build_schema
from xl_ni179.template import template_filename
from xl_ni179.template.fill import fill_workbook

pytestmark = [pytest.mark.slow, pytest.mark.real_component]

SEED = int(os.environ.get("NI179_DIFFERENTIAL_SEED", "17"))
COUNT = int(os.environ.get("NI179_DIFFERENTIAL_COUNT", "300"))


@pytest.fixture(scope="module")
def bases(tmp_path_factory, partnership, demo_round, templates_dir, demo_data, libreoffice) -> dict:
    """Real returns: a district's and the County Council's, as four programs write them."""
    require_component(system_uno(), UNO_HINT)
    require_component(ssconvert() is not None, GNUMERIC_HINT)
    root = tmp_path_factory.mktemp("differential-bases")
    filled = {
        code: fill_workbook(
            partnership,
            templates_dir / template_filename(code, demo_round.id),
            demo_data[code],
            root / "openpyxl" / f"{code}.xlsx",
        )
        for code in ("MELTON", "LCC")
    }
    (calc,) = resave_in_calc([filled["MELTON"]], root / "calc")
    return {
        "openpyxl MELTON": filled["MELTON"],
        "openpyxl LCC": filled["LCC"],
        "Calc MELTON": calc,
        "Gnumeric LCC": convert_with_gnumeric(filled["LCC"], root / "gnumeric" / "LCC.xlsx"),
        "Excel-respelt MELTON": respell_as_excel(filled["MELTON"], root / "excel" / "MELTON.xlsx"),
    }


def test_calc_shows_every_input_we_record_in_every_file_we_accept(
    bases, partnership, demo_round, tmp_path, request
):
    mutants = generate(
        bases, tmp_path / "mutants", build_schema(partnership, demo_round), seed=SEED, count=COUNT
    )
    assert len(mutants) >= 250
    result = judge(partnership, mutants, tmp_path / "calc")
    request.config.stash[DIFFERENTIAL] = result.summary()
    if result.failures:
        pytest.fail(f"{result.summary()}\n{result.by_class()}", pytrace=False)


def test_the_unmutated_bases_are_accepted_and_calc_agrees(bases, partnership, tmp_path):
    """The oracle itself: on the real returns, unchanged, we and Calc agree on every input."""
    from helpers.mutations import Mutant

    result = judge(
        partnership,
        [Mutant(path, label, "none", "unchanged") for label, path in bases.items()],
        tmp_path / "calc",
    )
    if [v.outcome for v in result.verdicts] != ["agreed"] * len(bases):
        pytest.fail(result.by_class(), pytrace=False)
