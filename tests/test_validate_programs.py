"""Returns saved by real spreadsheet programs (LibreOffice Calc through soffice, Gnumeric
through ssconvert) are accepted with the same figures, and tampering inside them is
still caught, with messages that show each side in its own spelling."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers.components import require_component
from helpers.libreoffice import INSTALL_HINT, convert, soffice
from openpyxl import load_workbook

from xl_ni179.intake.batch import validate_file

pytestmark = pytest.mark.real_component

GNUMERIC_HINT = "Gnumeric is not installed: run `apt-get install gnumeric` (scripts/setup.sh does)."
GAINS_PART = "xl/worksheets/sheet2.xml"  # both programs keep the sheet order
INVALID = {
    "gains_procurement_2008_09": "1,250",
    "costs_assets_2009_10": -5,
    "rag_2010_11": "Purple",
    "signoff_date": "next week",
    "signoff_email": "finance at melton",
}


def ssconvert(source: Path, out: Path) -> Path:
    exe = shutil.which("ssconvert")
    require_component(exe is not None, GNUMERIC_HINT)
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [exe, str(source), str(out)],
        check=True,
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return out


@pytest.fixture(scope="module")
def originals(
    tmp_path_factory, returns_dir, partnership, demo_round, templates_dir, demo_data
) -> dict:
    """Returns filled by openpyxl: two valid, one with invalid inputs, one tampered with."""
    from xl_ni179.template import template_filename
    from xl_ni179.template.fill import fill_workbook

    out = tmp_path_factory.mktemp("originals")
    files = {
        code: shutil.copyfile(
            returns_dir / template_filename(code, demo_round.id), out / f"{code}.xlsx"
        )
        for code in ("MELTON", "LCITY")
    }
    files["invalid"] = fill_workbook(
        partnership,
        templates_dir / template_filename("MELTON", demo_round.id),
        {**demo_data["MELTON"], **INVALID},
        out / "invalid.xlsx",
    )
    tampered = load_workbook(files["MELTON"])
    tampered["Gains"]["A8"] = "Procurement (all)"
    tampered["Gains"]["C15"] = "=SUM('Gains'!$C$8:$C$13)"
    tampered["Gains"]["B37"] = 9999
    tampered.save(out / "tampered.xlsx")
    files["tampered"] = out / "tampered.xlsx"
    # The sign-off date given as a date (a paste, or an older template), not typed as text.
    files["dated"] = fill_workbook(
        partnership,
        templates_dir / template_filename("MELTON", demo_round.id),
        {**demo_data["MELTON"], "signoff_date": 39945},
        out / "dated.xlsx",
    )
    return files


@pytest.fixture(scope="module")
def saved(tmp_path_factory, originals) -> dict[str, dict[str, Path]]:
    """{program: {case: the file as that program saved it}}."""
    require_component(soffice() is not None, INSTALL_HINT)
    out = tmp_path_factory.mktemp("saved")
    calc = convert(list(originals.values()), out / "calc")
    return {
        "calc": dict(zip(originals, calc, strict=True)),
        "gnumeric": {
            case: ssconvert(path, out / "gnumeric" / path.name) for case, path in originals.items()
        },
    }


def found(report) -> set[tuple[str, str]]:
    return {(f.code, f"{f.sheet}!{f.cell}") for f in report.findings}


def rewrite(path: Path, part: str, fn, out: Path) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, fn(data.decode()).encode() if item.filename == part else data)
    return out


def set_cell(xml: str, coord: str, inner: str, kind: str = "") -> str:
    """Replace the whole cell ``coord`` of a sheet's XML, whatever the program wrote there."""
    cell = re.compile(rf'<c r="{coord}"([^>]*?)(/>|>.*?</c>)', re.S)
    assert cell.search(xml), coord
    style = re.search(r's="\d+"', cell.search(xml).group(1))
    attrs = f" {style.group(0)}" if style else ""
    return cell.sub(lambda _m: f'<c r="{coord}"{attrs}{kind}>{inner}</c>', xml, count=1)


@pytest.mark.slow
@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_a_return_saved_by_a_program_is_accepted_with_the_same_figures(
    partnership, originals, saved, program
):
    for case in ("MELTON", "LCITY"):
        before = validate_file(partnership, originals[case])
        after = validate_file(partnership, saved[program][case])
        assert after.findings == [], (program, case, [f.message for f in after.findings])
        assert (
            after.values == before.values and after.values["signoff_date"] == "2009-05-12"
        )  # as typed


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_the_stored_fingerprint_is_of_the_meaning_not_the_spelling(
    partnership, demo_round, saved, program
):
    from xl_ni179.intake.reader import read_workbook
    from xl_ni179.spec.schema import META, build_schema
    from xl_ni179.template.builder import META_KEYS
    from xl_ni179.template.fingerprint import fingerprint, locked_cells

    raw = read_workbook(saved[program]["MELTON"])
    stored = raw.value(META, f"B{META_KEYS.index('fingerprint') + 1}")
    assert fingerprint(locked_cells(raw.cells, build_schema(partnership, demo_round))) == stored


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_invalid_inputs_give_the_same_findings_after_a_program_saved_them(
    partnership, originals, saved, program
):
    before = validate_file(partnership, originals["invalid"])
    after = validate_file(partnership, saved[program]["invalid"])
    assert found(after) == found(before)
    assert {
        "money-not-a-number",
        "money-negative",
        "rag-not-recognised",
        "signoff-date-invalid",
        "signoff-email-invalid",
    } <= {f.code for f in after.findings}
    assert after.values["gains_procurement_2008_09"] == "1,250"  # typed as text, still text


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_tampering_saved_by_a_program_is_caught_and_shown_in_each_spelling(
    partnership, saved, program
):
    report = validate_file(partnership, saved[program]["tampered"])
    assert not report.valid
    assert {
        ("locked-content-changed", "Gains!A8"),
        ("locked-content-changed", "Gains!C15"),
        ("total-mismatch", "Gains!C15"),
        ("locked-content-changed", "Gains!B37"),
        ("total-mismatch", "Gains!B37"),
    } <= found(report)
    messages = {
        f"{f.sheet}!{f.cell}": f.message
        for f in report.findings
        if f.code == "locked-content-changed"
    }
    assert messages["Gains!A8"] == (
        "Cell A8 on sheet Gains is locked, and holds 'Procurement (all)', but the "
        "template put 'Procurement' there."
    )
    # The template's own text against the program's spelling of the new formula: nothing upper-cased.
    assert "but the template put '=SUM('Gains'!$C$8:$C$14)' there" in messages["Gains!C15"]
    assert "holds '=SUM(Gains!$C$8:$C$13)'" in messages["Gains!C15"]
    assert messages["Gains!B37"].startswith("Cell B37 on sheet Gains is locked, and holds '9999'")
    assert len(report.errors) == 5  # nothing the program re-spelt is blamed on the partner


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_tampering_inside_a_file_a_program_wrote_is_caught(partnership, saved, program, tmp_path):
    source = saved[program]["MELTON"]
    cases = {
        "total overwritten": (
            lambda x: set_cell(x, "B15", "<v>9999</v>", ' t="n"'),
            {("locked-content-changed", "Gains!B15"), ("total-mismatch", "Gains!B15")},
        ),
        "label changed": (
            lambda x: set_cell(
                x, "A9", "<is><t>Back office (excluding IT)</t></is>", ' t="inlineStr"'
            ),
            {("locked-content-changed", "Gains!A9")},
        ),
        "formula pointed elsewhere": (
            lambda x: set_cell(x, "D26", "<f>SUM(Gains!$D$19:$D$24)</f><v>0</v>"),
            {("locked-content-changed", "Gains!D26"), ("total-mismatch", "Gains!D26")},
        ),
        "net gain formula changed": (
            lambda x: set_cell(x, "B30", "<f>N(gains_procurement_2008_09)</f><v>0</v>"),
            {("locked-content-changed", "Gains!B30"), ("net-not-gross-minus-costs", "Gains!B30")},
        ),
    }
    for name, (edit, expected) in cases.items():
        report = validate_file(
            partnership, rewrite(source, GAINS_PART, edit, tmp_path / f"{name}.xlsx")
        )
        assert found(report) == expected, (program, name)


def _workbook_xml(program: str, saved, tmp_path, fn) -> Path:
    return rewrite(
        saved[program]["MELTON"], "xl/workbook.xml", fn, tmp_path / f"{program}-names.xlsx"
    )


def _add_name(xml: str, name: str, text: str, attrs: str = "") -> str:
    return xml.replace(
        "</definedNames>", f'<definedName name="{name}"{attrs}>{text}</definedName></definedNames>'
    )


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_defined_names_in_any_spelling_and_names_nobody_created(
    partnership, saved, program, tmp_path
):
    def lower(xml):  # target spelt in lower case without quotes or $, name in upper case
        return xml.replace(">Gains!$B$8<", ">gains!b8<").replace(
            'name="gains_procurement_2008_09"', 'name="GAINS_PROCUREMENT_2008_09"'
        )

    assert validate_file(partnership, _workbook_xml(program, saved, tmp_path, lower)).findings == []
    moved = validate_file(
        partnership,
        _workbook_xml(
            program, saved, tmp_path, lambda x: x.replace(">Gains!$B$8<", ">'Gains'!B9<")
        ),
    )
    assert found(moved) == {("defined-name-moved", "Gains!B8")}

    programs_own = [
        ("_xlnm.Print_Area", "Gains!$A$1:$F$60", ' localSheetId="1"'),
        ("_xlnm._FilterDatabase", "Gains!$A$7:$E$14", ' localSheetId="1" hidden="1"'),
        ("_xlnm.Print_Titles", "Gains!$1:$3", ""),
        ("_xlfn.IFERROR", "#NAME?", ' hidden="1"'),
        ("Print_Titles", "Gains!$1:$3", ' localSheetId="1"'),
    ]  # as Gnumeric writes it
    hostile = [
        ("my_total", "Gains!$B$15", ""),
        ("gains_procurement_2008_09", "Gains!$B$9", ' localSheetId="1"'),  # hides ours on Gains
        ("Auto_Open", "Gains!$A$1", ""),
        ("_xlnm.Print_Area", "SUM(Gains!$B$8:$B$9)", ' localSheetId="2"'),
        ("Print_Area", "Gains!$B$8*2", ' localSheetId="3"'),
        ("Print_Titles", "Gains!$1:$3", ""),
    ]  # unprefixed is only Gnumeric's, and only on a sheet

    def add(xml):
        for name, text, attrs in programs_own + hostile:
            xml = _add_name(xml, name, text, attrs)
        return xml

    report = validate_file(partnership, _workbook_xml(program, saved, tmp_path, add))
    added = [f for f in report.findings if f.code == "name-added"]
    assert [f.severity for f in report.findings] == ["error"] * len(hostile) and len(added) == len(
        hostile
    ), [(f.code, f.message) for f in report.findings]
    assert "'my_total'" in added[0].message and "Delete the name 'my_total'" in added[0].fix
    assert (
        "on the sheet 'Gains'" in added[1].message
        and "hides the template's own name" in added[1].message
    )

    # A name reaching into another workbook, or out of it, is refused before any name is looked at.
    for name, text, code in (
        ("_xlfn.X", "[1]Sheet1!$A$1", "external-link"),
        ("_xlnm.Print_Area", 'WEBSERVICE("http://example.com/")', "outward-formula"),
        ("Print_Area", 'HYPERLINK("http://example.com/")', "outward-formula"),
    ):
        linked = validate_file(
            partnership,
            _workbook_xml(
                program,
                saved,
                tmp_path,
                lambda x, n=name, t=text: _add_name(x, n, t, ' localSheetId="2"'),
            ),
        )
        assert [f.code for f in linked.findings] == [code], (name, linked.findings)


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_protection_in_any_form_and_dropped_protection_is_never_an_error(
    partnership, saved, program, tmp_path
):
    def hashed(xml):
        return re.sub(
            r"<sheetProtection [^>]*/>",
            '<sheetProtection algorithmName="SHA-512" hashValue="aGFzaA==" saltValue="c2FsdA==" '
            'spinCount="100000" sheet="1" objects="1" scenarios="1"/>',
            xml,
        )

    def legacy(xml):
        return re.sub(
            r"<sheetProtection [^>]*/>", '<sheetProtection password="CC3D" sheet="true"/>', xml
        )

    for form in (hashed, legacy):
        path = rewrite(
            saved[program]["MELTON"], GAINS_PART, form, tmp_path / f"{form.__name__}.xlsx"
        )
        assert validate_file(partnership, path).findings == []
    dropped = rewrite(
        saved[program]["MELTON"],
        GAINS_PART,
        lambda x: re.sub(r"<sheetProtection [^>]*/>", "", x),
        tmp_path / "dropped.xlsx",
    )
    report = validate_file(partnership, dropped)
    assert report.valid and [(f.code, f.severity) for f in report.findings] == [
        ("protection-removed", "warning")
    ]


def test_a_date_saved_in_the_1904_date_system_is_the_same_date(partnership, originals, tmp_path):
    """Gnumeric switched to the 1904 date system (Mac Excel's old default), the sign-off
    date typed in it, and saved as .xlsx: the date read is the same day."""
    native = ssconvert(originals["dated"], tmp_path / "melton.gnumeric")
    xml = gzip.decompress(native.read_bytes()).decode()
    xml = xml.replace("<gnm:Calculation ", '<gnm:Calculation DateConvention="Apple:1904" ', 1)
    xml, typed = re.subn(r'(ValueType="40">)39945(<)', rf"\g<1>{39945 - 1462}\2", xml)
    assert typed == 1
    native.write_bytes(gzip.compress(xml.encode()))
    saved = ssconvert(native, tmp_path / "melton-1904.xlsx")
    with zipfile.ZipFile(saved) as z:
        assert 'date1904="1"' in z.read("xl/workbook.xml").decode()
    report = validate_file(partnership, saved)
    assert report.findings == [] and report.values["signoff_date"] == 39945


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_a_file_programs_would_read_differently_is_refused(partnership, saved, program, tmp_path):
    """Found in review: a shared formula defined twice bound C37 to one master in our reader
    and to another in Calc, so the totals printed and signed were not the ones recorded.
    Whatever the programs would disagree on is refused, named, not guessed at."""
    source = saved[program]["MELTON"]
    net = "N(gains_procurement_2008_09)-N(costs_procurement_2008_09)"
    cases = {
        "shared formula defined twice": lambda x: set_cell(
            set_cell(
                set_cell(x, "B30", f'<f t="shared" ref="B30:C37" si="9">{net}</f><v>59.7</v>'),
                "B37",
                '<f t="shared" ref="B37:C37" si="9">SUM(Gains!B30:B36)</f><v>229.4</v>',
            ),
            "C37",
            '<f t="shared" si="9"/><v>348.5</v>',
        ),
        "shared formula used outside its block": lambda x: set_cell(
            set_cell(x, "B37", '<f t="shared" ref="B37" si="9">SUM(Gains!B30:B36)</f><v>229.4</v>'),
            "C37",
            '<f t="shared" si="9"/><v>348.5</v>',
        ),
        "text index that is not a number": lambda x: set_cell(x, "A8", "<v>1_0</v>", ' t="s"'),
    }
    expected = {
        "shared formula defined twice": ("ambiguous-cell", "sheet Gains, cell B37"),
        "shared formula used outside its block": ("ambiguous-cell", "sheet Gains, cell C37"),
        "text index that is not a number": ("ambiguous-cell", "sheet Gains, cell A8"),
    }
    for name, edit in cases.items():
        report = validate_file(
            partnership, rewrite(source, GAINS_PART, edit, tmp_path / f"{name}.xlsx")
        )
        assert [(f.code, f.where) for f in report.findings] == [expected[name]], (
            program,
            name,
            report.findings,
        )
    # Python's float() reads these; Calc and Gnumeric read '6_3.5' as 6 and refuse the others.
    # Each is refused at its own cell.
    for cell, text in (("B8", " 6_3.5 "), ("B9", "nan"), ("B10", "Infinity"), ("B11", "1E+999")):
        report = validate_file(
            partnership,
            rewrite(
                source,
                GAINS_PART,
                lambda x, c=cell, t=text: set_cell(x, c, f"<v>{t}</v>"),
                tmp_path / f"{cell}.xlsx",
            ),
        )
        assert [(f.code, f.where) for f in report.findings] == [
            ("ambiguous-cell", f"sheet Gains, cell {cell}")
        ], (program, text)
    assert (
        validate_file(
            partnership,
            rewrite(
                source,
                GAINS_PART,
                lambda x: set_cell(x, "B8", "<v> 6.35E+1 </v>"),
                tmp_path / "spaced.xlsx",
            ),
        ).findings
        == []
    )


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_forged_saved_results_on_locked_totals_are_refused(partnership, saved, program, tmp_path):
    """Found in review: the totals kept the template's formulas but their saved results were
    set to 999,999. Calc and Gnumeric show the saved result when they open a file, so the
    return printed and signed differed from the figures recorded."""
    source = saved[program]["MELTON"]
    report = validate_file(partnership, source)
    assert report.findings == []  # what the program itself saved is never stale
    forged = rewrite(
        source,
        GAINS_PART,
        lambda x: set_cell(
            set_cell(x, "B15", "<f>SUM(Gains!$B$8:$B$14)</f><v>999999</v>", ' t="n"'),
            "B30",
            "<f>N(gains_procurement_2008_09)-N(costs_procurement_2008_09)</f><v>1E+3</v>",
            ' t="n"',
        ),
        tmp_path / "forged.xlsx",
    )
    report = validate_file(partnership, forged)
    assert not report.valid
    assert found(report) == {("stale-total", "Gains!B15"), ("stale-total", "Gains!B30")}
    message = next(f for f in report.findings if f.cell == "B15")
    assert message.message.startswith(
        "Cell B15 on sheet Gains (gross total 2008/09) shows 999,999 but its inputs add up to 244.1"
    )
    assert "Ctrl+Alt+F9 in Excel, Ctrl+Shift+F9 in LibreOffice Calc" in message.fix
    # A result as text is shown as text; an error result and a result within rounding pass.
    for inner, kind, stale in (
        ("<v>lots</v>", ' t="str"', True),
        ("<v>#VALUE!</v>", ' t="e"', False),
        ("<v>244.14</v>", ' t="n"', False),
        ("<v>244.2</v>", ' t="n"', True),
    ):
        path = rewrite(
            source,
            GAINS_PART,
            lambda x, i=inner, k=kind: set_cell(x, "B15", f"<f>SUM(Gains!$B$8:$B$14)</f>{i}", k),
            tmp_path / "one.xlsx",
        )
        assert found(validate_file(partnership, path)) == (
            {("stale-total", "Gains!B15")} if stale else set()
        ), inner


@pytest.mark.parametrize("program", ["calc", "gnumeric"])
def test_amounts_beyond_any_real_one_are_refused_and_never_infinity(
    partnership, saved, program, tmp_path
):
    """Found in review: 9.9e307 in two gross-gains cells was accepted with warnings; the
    partnership totals became infinite, summary.json held Infinity and the paper '£infm'."""
    source = saved[program]["MELTON"]
    huge = rewrite(
        source,
        GAINS_PART,
        lambda x: set_cell(
            set_cell(x, "B8", "<v>9.9e307</v>", ' t="n"'), "B9", "<v>9.9E+307</v>", ' t="n"'
        ),
        tmp_path / "huge.xlsx",
    )
    report = validate_file(partnership, huge)
    assert not report.valid
    assert {("money-out-of-range", "Gains!B8"), ("money-out-of-range", "Gains!B9")} <= found(report)
    assert {f.code for f in report.findings} == {"money-out-of-range"}
    first = next(f for f in report.findings if f.cell == "B8")
    assert "is 9.9e+307, beyond any real amount" in first.message and "10,000,000" in first.fix
    assert not any(re.search(r"\binf(inity)?\b|nan\b", f.message.lower()) for f in report.findings)
