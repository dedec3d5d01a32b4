"""Every workbook we write prints well on A4 and shows its text whole (issue 19): the return
(blank, filled, prefilled), the checked copy sent back, the master workbook `ni179
consolidate` writes and the consolidator's ribbon workbook.

Rendered by LibreOffice to PDF (the real print path we have here) and read back page by
page: the footer names the sheet; a page that held columns spilled across from the page
before would lack the sheet's title, which sits in column A; the size of the smallest text
says how far fit-to-width shrank the sheet. Then Calc itself measures every cell's text
(helpers/calc_clipped.py): none may be cut off.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.components import require_component
from helpers.libreoffice import convert
from helpers.realprograms import UNO_HINT, system_uno
from helpers.rendering import Page, clipped_in_calc, printed_pages
from openpyxl import load_workbook

from xl_ni179.cli import main
from xl_ni179.consolidate.sheet import SECTION
from xl_ni179.demo.data import DEMO_ROUND, OUTTURN_ROUND, demo_returns
from xl_ni179.excel.master_book import write_master_book
from xl_ni179.intake.annotate import annotate
from xl_ni179.intake.batch import validate_file
from xl_ni179.spec.schema import CHECK_DETAILS, CHECKS, COVER, FORECAST, GAINS, PROJECTS, SIGNOFF
from xl_ni179.template import template_filename
from xl_ni179.template.builder import PAGES, build_template
from xl_ni179.template.fill import fill_workbook

A4_LANDSCAPE = (841.89, 595.28)  # points
TOLERANCE = 2.0
SMALLEST_TEXT = 7.0  # points: fit-to-width may shrink a wide sheet, never below this
RETURN_PAGES = {COVER: 1, GAINS: 3, FORECAST: 1, PROJECTS: 1, SIGNOFF: 1, CHECKS: 1}  # at most


@pytest.fixture(scope="module")
def books(tmp_path_factory, libreoffice, partnership) -> dict[str, Path]:
    """Both demo rounds run as the consolidator runs them, a checked copy of a return with
    errors, and the ribbon's master workbook."""
    out = tmp_path_factory.mktemp("print")
    demo = out / "demo"
    result = CliRunner().invoke(
        main,
        ["--workspace", str(out / "ws"), "demo", "--round", OUTTURN_ROUND, "--out", str(demo)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    review = partnership.round(DEMO_ROUND)
    wrong = {
        **demo_returns(partnership, review)["OADBY"],
        "gains_procurement_2008_09": "N/A",
        "costs_other_2008_09": -4,
        "rag_2010_11": "Purple",
        "signoff_email": "finance at oadby",
    }
    filled = fill_workbook(
        partnership,
        demo / "templates" / template_filename("OADBY", review.id),
        wrong,
        out / "oadby-wrong.xlsx",
    )
    checked = annotate(
        partnership, validate_file(partnership, filled), out / "checked" / "OADBY-checked.xlsx"
    )
    assert checked is not None
    return {
        "blank review template": demo / "templates" / template_filename("MELTON", DEMO_ROUND),
        "blank outturn template": demo / "templates" / template_filename("LCITY", OUTTURN_ROUND),
        "review return": demo / "returns" / template_filename("POLICE", DEMO_ROUND),
        "outturn return": demo
        / "returns"
        / template_filename("MELTON", OUTTURN_ROUND),  # prefilled, restated
        "checked copy": checked,
        "master": demo / "master.xlsx",
        "ribbon master": write_master_book(out / "NI179_master.xlsx"),
    }


@pytest.fixture(scope="module")
def printed(books, tmp_path_factory) -> dict[str, list[Page]]:
    pdfs = convert(list(books.values()), tmp_path_factory.mktemp("pdf"), fmt="pdf")
    return {key: printed_pages(pdf) for key, pdf in zip(books, pdfs, strict=True)}


def _visible_titles(path: Path) -> dict[str, str]:
    wb = load_workbook(path)
    return {ws.title: str(ws["A1"].value) for ws in wb.worksheets if ws.sheet_state == "visible"}


def _by_sheet(path: Path, pages: list[Page]) -> dict[str, list[str]]:
    titles = _visible_titles(path)
    found: dict[str, list[str]] = {}
    for number, page in enumerate(pages, start=1):
        sheet = next((name for name in titles if page.sheet_line.startswith(name + " Page")), None)
        assert sheet is not None, (
            f"{path.name} page {number} names no visible sheet: {page.sheet_line!r}"
        )
        found.setdefault(sheet, []).append(page.text)
    return found


@pytest.mark.slow
def test_every_page_is_a4_landscape(printed):
    for key, pages in printed.items():
        assert pages, key
        for number, page in enumerate(pages, start=1):
            assert (
                abs(page.width - A4_LANDSCAPE[0]) < TOLERANCE
                and abs(page.height - A4_LANDSCAPE[1]) < TOLERANCE
            ), f"{key} page {number} is {page.width:.0f} x {page.height:.0f} points"


@pytest.mark.slow
def test_each_visible_sheet_prints_one_page_wide_with_its_title_on_every_page(books, printed):
    for key, path in books.items():
        titles = _visible_titles(path)
        by_sheet = _by_sheet(path, printed[key])
        assert list(by_sheet) == list(titles), (
            f"{key}: every visible sheet prints, in order, and nothing else"
        )
        for sheet, texts in by_sheet.items():
            for i, text in enumerate(texts, start=1):
                # The title sits in A1 and repeats on every page: a page without it held
                # columns spilled across from the page before.
                assert titles[sheet] in text, f"{key}: page {i} of sheet {sheet} lacks its title"


def test_the_text_is_never_shrunk_below_a_readable_size(printed):
    for key, pages in printed.items():
        for number, page in enumerate(pages, start=1):
            assert page.smallest >= SMALLEST_TEXT, (
                f"{key} page {number} ({page.sheet_line}) prints text at {page.smallest:.1f} pt"
            )


@pytest.mark.slow
def test_each_sheet_of_the_return_prints_on_the_fewest_pages(books, printed):
    for key in (
        "blank review template",
        "blank outturn template",
        "review return",
        "outturn return",
    ):
        by_sheet = _by_sheet(books[key], printed[key])
        for sheet, most in RETURN_PAGES.items():
            assert 1 <= len(by_sheet[sheet]) <= most, (key, sheet, len(by_sheet[sheet]))
    by_sheet = _by_sheet(books["checked copy"], printed["checked copy"])
    assert len(by_sheet["Validation results"]) == 1
    master = _by_sheet(books["master"], printed["master"])
    assert sum(len(p) for p in master.values()) <= 32, {
        k: len(v) for k, v in master.items()
    }  # 56 before
    book = _by_sheet(books["ribbon master"], printed["ribbon master"])
    assert all(len(p) <= 2 for p in book.values()), {k: len(v) for k, v in book.items()}


@pytest.mark.slow
def test_gains_pages_repeat_the_year_headings_and_keep_each_block_whole(
    books, printed, partnership
):
    blocks = {
        "A. Gross ongoing cash-releasing gains": "Total",
        "B. Costs of achieving the gains": "Total",
        "C. Net gains (NI 179)": "Total",
        "Memo: do not count towards NI 179": "Non-cashable gains",
        "Baseline and targets (£000)": "Progress as a share of baseline",
    }
    for key, round_id in (("blank review template", DEMO_ROUND), ("outturn return", OUTTURN_ROUND)):
        pages = _by_sheet(books[key], printed[key])[GAINS]
        years = partnership.round(round_id).years
        for text in pages:
            heading = text[text.index("Workstream (£000)") :]
            assert all(year in heading.split("\n")[0] + heading for year in years), key
        for block, last_line in blocks.items():
            (page,) = [text for text in pages if block in text]
            assert last_line in page[page.index(block) :], (
                f"{key}: {block} runs over onto another page"
            )


def test_long_tables_carry_their_headings_on_every_page(books, printed):
    for key in ("outturn return", "checked copy"):
        details = _by_sheet(books[key], printed[key])[CHECK_DETAILS]
        assert len(details) > 1
        for text in details:
            assert all(h in text for h in ("Code", "Where", "What", "Result")), key


def test_a_table_of_the_master_never_starts_at_the_foot_of_a_page(books, printed):
    """A section's title is printed on the same page as its table's headings and first lines."""
    wb = load_workbook(books["master"])
    by_sheet = _by_sheet(books["master"], printed["master"])
    checked = 0
    for ws in wb.worksheets:
        for cell in ws["A"]:
            if (
                isinstance(cell.value, str)
                and cell.font is not None
                and cell.font.sz == SECTION.size
                and cell.font.b
                and cell.row > 3
            ):
                (page,) = [t for t in by_sheet[ws.title] if cell.value in t.split("\n")]
                lines = page.split("\n")
                after = lines[lines.index(cell.value) + 1 :]
                assert len(after) >= 3, f"{ws.title}: '{cell.value}' ends its page"
                checked += 1
    assert checked >= 15


def test_hidden_metadata_never_prints(printed):
    for key, pages in printed.items():
        assert not any("template_id" in page.text for page in pages), key


@pytest.mark.slow
def test_no_text_is_cut_off_in_calc(books, tmp_path):
    require_component(system_uno(), UNO_HINT)
    clipped = clipped_in_calc(list(books.values()), tmp_path)
    for key, path in books.items():
        assert clipped[path] == [], f"{key}: " + "; ".join(
            f"{sheet}!{cell} '{text}' {why}" for sheet, cell, text, why in clipped[path][:10]
        )


def test_print_settings_keep_the_template_deterministic(partnership, demo_round):
    def parts() -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(build_template(partnership, "LCITY", demo_round))) as zf:
            return {
                n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"
            }  # core: the time

    first = parts()
    assert first == parts()
    sheets = b"".join(data for name, data in first.items() if name.startswith("xl/worksheets/"))
    assert sheets.count(b'fitToWidth="1"') == len(PAGES)
