"""The partner workbook as openpyxl sees it: names, locking, protection, drop-downs."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from xl_ni179.spec.schema import CHOICE, META, MONEY, SHEETS, build_schema
from xl_ni179.template import template_filename


def test_one_workbook_per_partner_named_by_code_and_round(templates_dir, partnership, demo_round):
    names = sorted(p.name for p in templates_dir.iterdir())
    assert names == sorted(
        template_filename(o.code, demo_round.id) for o in partnership.organisations
    )
    assert len(names) == 13


@pytest.fixture(scope="module")
def book(templates_dir, demo_round):
    return load_workbook(templates_dir / template_filename("HINCK", demo_round.id))


@pytest.fixture(scope="module")
def schema(partnership, demo_round):
    return build_schema(partnership, demo_round)


def test_every_input_is_a_defined_name_on_an_unlocked_cell(book, schema):
    for f in schema.fields:
        assert f.name in book.defined_names, f.name
        ((sheet, coord),) = list(book.defined_names[f.name].destinations)
        assert (sheet, coord.replace("$", "")) == (f.sheet, f.cell)
        assert book[sheet][f.cell].protection.locked is False, f.name


def test_every_other_cell_is_locked(book, schema):
    inputs = {(f.sheet, f.cell) for f in schema.fields}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (ws.title, cell.coordinate) not in inputs:
                    assert cell.protection.locked is not False, f"{ws.title}!{cell.coordinate}"


def test_sheets_and_structure_are_protected_and_metadata_hidden(book):
    assert book.sheetnames == list(SHEETS)
    assert all(ws.protection.sheet for ws in book.worksheets)
    assert book.security.lockStructure
    assert book[META].sheet_state == "veryHidden"
    meta = {book[META].cell(r, 1).value: book[META].cell(r, 2).value for r in range(1, 8)}
    assert meta["organisation"] == "HINCK" and meta["round"] == "2008-09-review"
    assert len(meta["fingerprint"]) == 64


def test_rag_cells_have_a_drop_down_and_money_cells_a_hint_and_nothing_stops_typing(book, schema):
    def validations_of(sheet, cell):
        return [dv for dv in book[sheet].data_validations.dataValidation if cell in dv.sqref]

    for f in schema.fields:
        if f.type == CHOICE:
            (dv,) = validations_of(f.sheet, f.cell)
            assert dv.type == "list" and dv.formula1 == '"Green,Amber,Red"'
        if f.type == MONEY:
            (dv,) = validations_of(f.sheet, f.cell)
            assert dv.type == "decimal" and dv.showInputMessage and "£" in dv.promptTitle
    # A message box that refuses an entry takes the keys typed while it is open (issue 19):
    # nothing is refused as it is typed; the Checks sheet says what is wrong.
    boxes = [
        (ws.title, str(dv.sqref))
        for ws in book.worksheets
        for dv in ws.data_validations.dataValidation
        if dv.showErrorMessage
    ]
    assert boxes == []


@pytest.mark.parametrize("round_id", ["2008-09-review", "2009-10-outturn"])
def test_no_input_column_holds_text_a_typed_number_could_be_completed_to(partnership, round_id):
    """Calc's AutoInput and Excel's AutoComplete complete what is typed from the text in the
    same column: a year heading "2008/09" turned a typed 2 into it. Above and below every
    input, a column holds no text that starts as a number can (issue 19)."""
    from xl_ni179.template.builder import build_workbook

    rnd = partnership.round(round_id)
    wb, schema, _ = build_workbook(partnership, "MELTON", rnd)
    inputs = {(f.sheet, f.cell) for f in schema.fields}
    completable = []
    for sheet, column in {(f.sheet, f.cell.rstrip("0123456789")) for f in schema.fields}:
        for (cell,) in wb[sheet][f"{column}1:{column}{wb[sheet].max_row}"]:
            if (
                (sheet, cell.coordinate) in inputs
                or not isinstance(cell.value, str)
                or cell.data_type == "f"
            ):
                continue
            if cell.value[:1] in "0123456789.+-£":
                completable.append((sheet, cell.coordinate, cell.value))
    assert completable == []
    headings = [wb["Gains"][f"{schema.year_column(y)}6"] for y in rnd.years]
    assert [(c.value, c.number_format) for c in headings][0] == (
        int(rnd.years[0][:4]),
        f'0"{rnd.years[0][4:]}"',
    )


def test_every_input_stays_editable_whatever_a_paste_does_to_its_protection(
    templates_dir, demo_round, schema
):
    """A plain paste locks the cells it pastes into; each input is also in the sheet's range
    anyone may edit while it is protected (issue 19)."""
    import zipfile

    from lxml import etree

    from xl_ni179.template.editable import MAIN, _sheet_parts

    package = zipfile.ZipFile(templates_dir / template_filename("HINCK", demo_round.id))
    parts = _sheet_parts(package)
    for sheet in {f.sheet for f in schema.fields}:
        root = etree.fromstring(package.read(parts[sheet]))
        (rng,) = root.iterfind(f"{{{MAIN}}}protectedRanges/{{{MAIN}}}protectedRange")
        assert rng.get("password") is None and rng.get("securityDescriptor") is None
        assert set(rng.get("sqref").split()) == {f.cell for f in schema.fields if f.sheet == sheet}


def test_cover_names_the_organisation_sector_guidance_and_deadline(templates_dir, demo_round):
    wb = load_workbook(templates_dir / template_filename("CITYPCT", demo_round.id))
    cover = [str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value]
    text = "\n".join(cover)
    assert "Leicester City Primary Care Trust" in text
    assert "Department of Health Value for Money Agreement" in text
    assert "15 May 2009" in text


def test_a_template_carries_only_the_agreements_its_organisation_signed(templates_dir, demo_round):
    city = load_workbook(templates_dir / template_filename("LCITY", demo_round.id))
    fire = load_workbook(templates_dir / template_filename("FIRE", demo_round.id))
    assert "target_cumulative_city_laa_2010_11" in city.defined_names
    assert "target_cumulative_county_laa_2010_11" not in city.defined_names
    # Fire sits in both LAAs and the MAA.
    for code in ("county_laa", "city_laa", "maa"):
        assert f"target_annual_{code}_2009_10" in fire.defined_names
