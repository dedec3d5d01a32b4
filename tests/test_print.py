"""The partner workbook prints as a finance officer needs it for sign-off: every visible
sheet on A4 landscape, one page wide, its title rows on every page.

Rendered by LibreOffice to PDF (the real print path we have here) and read back page by
page: the footer names the sheet, and a page that held columns spilled across from the
page before would lack the sheet's title, which sits in column A.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from xl_ni179.excel.libreoffice import convert
from xl_ni179.template import template_filename
from xl_ni179.template.builder import PRINT_TITLE_ROWS

A4_LANDSCAPE = (841.89, 595.28)  # points
TOLERANCE = 2.0


def _pages(pdf: Path) -> list[tuple[float, float, str]]:
    reader = PdfReader(pdf)
    out = []
    for page in reader.pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        if (page.get("/Rotate") or 0) % 180:
            width, height = height, width
        out.append((width, height, page.extract_text()))
    return out


def _visible_titles(path: Path) -> dict[str, str]:
    wb = load_workbook(path)
    return {ws.title: str(ws["A1"].value) for ws in wb.worksheets if ws.sheet_state == "visible"}


@pytest.fixture(scope="module")
def printed(libreoffice, templates_dir, returns_dir, demo_round, tmp_path_factory):
    """(workbook, its pages) for a blank template and a filled return of another partner."""
    files = [templates_dir / template_filename("LCITY", demo_round.id),
             returns_dir / template_filename("POLICE", demo_round.id)]
    pdfs = convert(files, tmp_path_factory.mktemp("pdf"), fmt="pdf")
    return [(path, _pages(pdf)) for path, pdf in zip(files, pdfs, strict=True)]


def test_every_page_is_a4_landscape(printed):
    for path, pages in printed:
        assert pages, path.name
        for number, (width, height, _) in enumerate(pages, start=1):
            assert abs(width - A4_LANDSCAPE[0]) < TOLERANCE and abs(height - A4_LANDSCAPE[1]) < TOLERANCE, (
                f"{path.name} page {number} is {width:.0f} x {height:.0f} points")


def test_each_visible_sheet_prints_one_page_wide_with_its_titles_repeated(printed):
    for path, pages in printed:
        titles = _visible_titles(path)
        assert set(titles) == set(PRINT_TITLE_ROWS)
        by_sheet: dict[str, list[str]] = {}
        for number, (_, _, text) in enumerate(pages, start=1):
            # The footer reads "<sheet> ... Page n of N"; it is the page's first line here.
            sheet = next((name for name in titles if text.startswith(name + " ")), None)
            assert sheet is not None, f"{path.name} page {number} names no visible sheet: {text[:60]!r}"
            by_sheet.setdefault(sheet, []).append(text)
        assert list(by_sheet) == list(titles), "every visible sheet prints, in order, and nothing else"
        for sheet, texts in by_sheet.items():
            for i, text in enumerate(texts, start=1):
                assert titles[sheet] in text, (
                    f"{path.name}: page {i} of sheet {sheet} lacks its title: columns spilled across")
        assert len(by_sheet["Checks"]) > 1, "the long Checks sheet runs down several pages"


def test_column_headings_repeat_on_every_page_of_a_long_table(printed):
    """The Checks sheet runs over several pages; each carries the headings of its summary
    table, including the last column's, so no column was cut off the right."""
    for path, pages in printed:
        checks = [text for _, _, text in pages if text.startswith("Checks ")]
        for text in checks:
            for heading in ("What is checked", "Explanation (warnings)", "Blocking"):
                assert heading in text, (path.name, heading)


def test_hidden_metadata_never_prints(printed):
    for path, pages in printed:
        assert not any("template_id" in text for _, _, text in pages), path.name


def test_print_settings_keep_the_template_deterministic(partnership, demo_round):
    import io
    import zipfile

    from xl_ni179.template.builder import build_template

    def parts() -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(build_template(partnership, "LCITY", demo_round))) as zf:
            return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}  # core: the time

    first = parts()
    assert first == parts()
    sheets = b"".join(data for name, data in first.items() if name.startswith("xl/worksheets/"))
    assert sheets.count(b'fitToWidth="1"') == len(PRINT_TITLE_ROWS)
