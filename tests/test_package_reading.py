"""The figure we record is the figure the partner's program shows (issue 17).

Each of the issue's examples 1-7, and variants of its class, is built from a real filled
return (``helpers.reading_cases``) and goes through the commands a consolidator runs,
``ni179 validate`` and ``ni179 receive``: every one is refused with its named finding, at its
cell where it has one, and nothing of it is recorded. The returns they were made from pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.reading_case_edits import Case
from helpers.reading_cases import CASES

from xl_ni179.cli import main
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import template_filename

ROUND = "2008-09-review"
BY_NAME = {c.name: c for c in CASES}


@pytest.fixture(scope="module")
def built(tmp_path_factory, returns_dir) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reading")
    return {
        c.name: c.build(returns_dir / template_filename(c.base, ROUND), out / f"{c.name}.xlsx")
        for c in CASES
    }


@pytest.fixture(scope="module")
def validated(built, returns_dir) -> dict[str, dict]:
    """`ni179 validate --json` of every case and of the two returns they were made from."""
    bases = [returns_dir / template_filename(code, ROUND) for code in ("MELTON", "LCC")]
    files = [*bases, *built.values()]
    result = CliRunner().invoke(main, ["validate", "--json", *map(str, files)])
    assert result.exit_code == 1, result.output
    reports = json.loads(result.output)
    assert len(reports) == len(files)
    return {
        **{"MELTON": reports[0], "LCC": reports[1]},
        **dict(zip(built, reports[2:], strict=True)),
    }


@pytest.fixture(scope="module")
def received(built, tmp_path_factory, partnership) -> tuple[dict[str, str], Workspace]:
    """`ni179 receive` of every case, from the address of the organisation whose return it was
    made from: the text each file got back, and the store afterwards."""
    path = tmp_path_factory.mktemp("store") / "ws"
    assert CliRunner().invoke(main, ["--workspace", str(path), "init"]).exit_code == 0
    texts: dict[str, str] = {}
    for base in ("MELTON", "LCC"):
        names = [c.name for c in CASES if c.base == base]
        sender = partnership.organisation(base).emails[0]
        result = CliRunner().invoke(
            main,
            [
                "--workspace",
                str(path),
                "receive",
                "--sender",
                sender,
                *(str(built[n]) for n in names),
            ],
        )
        assert result.exit_code == 1, result.output
        blocks = re.split(r"^(?=\S)", result.output, flags=re.MULTILINE)
        for name in names:
            texts[name] = next(b for b in blocks if b.startswith(str(built[name])))
    return texts, Workspace(path)


@pytest.mark.slow
def test_the_returns_the_cases_are_made_from_are_accepted(validated):
    for code in ("MELTON", "LCC"):
        assert validated[code]["findings"] == [], code


def test_every_example_of_the_issue_has_cases():
    assert {c.example for c in CASES} == set(range(1, 8))


def _found(report: dict) -> set[tuple[str, str, str]]:
    return {(f["code"], f["sheet"], f["cell"]) for f in report["findings"]}


@pytest.mark.parametrize("name", list(BY_NAME))
def test_ni179_validate_refuses_the_case_by_name(name, validated):
    case: Case = BY_NAME[name]
    report = validated[name]
    codes = {f["code"] for f in report["findings"] if f["severity"] == "error"}
    assert case.code in codes, (name, [(f["code"], f["message"]) for f in report["findings"]])
    if case.where is not None:
        assert (case.code, *case.where) in _found(report), (name, _found(report))
    finding = next(f for f in report["findings"] if f["code"] == case.code)
    assert finding["message"] and finding["fix"] and not report["valid"]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BY_NAME))
def test_ni179_receive_refuses_the_case_and_records_nothing(name, received):
    texts, ws = received
    assert "NOT ACCEPTED" in texts[name].splitlines()[0], texts[name]
    assert f"[{BY_NAME[name].code}]" in texts[name]
    assert ws.accepted_returns(ROUND) == {}


def test_the_messages_say_what_is_wrong_in_the_officers_terms(validated):
    date = next(
        f
        for f in validated["date-in-a-money-cell"]["findings"]
        if f["code"] == "input-format-changed"
    )
    assert date["message"].startswith(
        "Procurement: gross ongoing cash-releasing gains, 2008/09 (actual) in "
        "sheet Gains, cell B8 shows a date, 12/05/2009, but the figure we would "
        "record there is 39945"
    )
    assert "enter the amount in £000 as a number in sheet Gains, cell B8" in date["fix"]
    hidden = next(
        f for f in validated["hidden-by-format"]["findings"] if f["code"] == "input-format-changed"
    )
    assert "shows nothing, but the figure we would record there is 2790.2" in hidden["message"]
    web = next(f for f in validated["webservice-in-conditional-format"]["findings"])
    assert (
        "a conditional format on the sheet 'Gains'" in web["message"]
        and "WEBSERVICE" in web["message"]
    )
    meta = next(f for f in validated["rtd-in-meta"]["findings"])
    assert (meta["code"], meta["sheet"], meta["cell"]) == ("outward-formula", "_meta", "A40")
    second = validated["second-workbook-part"]["findings"]
    assert [f["code"] for f in second] == ["ambiguous-package"]
    assert "xl/workbook.xml" in second[0]["message"]


SHOWN_IN_CALC = (
    "date-in-a-money-cell",
    "hidden-by-format",
    "scaled-by-format",
    "literal-figure-in-format",
    "percent-format",
)


@pytest.fixture(scope="module")
def calc_view(built, returns_dir, tmp_path_factory, partnership) -> tuple[dict, dict, dict]:
    """The accepted spellings and example 7's formats, opened in LibreOffice Calc through UNO:
    (files, {file: what Calc holds and shows}, {name: report})."""
    from helpers.components import require_component
    from helpers.reading_cases_accepted import build_accepted
    from helpers.realprograms import UNO_HINT, cells_in_calc, system_uno

    from xl_ni179.intake.batch import validate_files

    require_component(system_uno(), UNO_HINT)
    out = tmp_path_factory.mktemp("calc-view")
    base = returns_dir / template_filename("MELTON", ROUND)
    files = {
        "original": base,
        **build_accepted(base, out / "accepted"),
        **{n: built[n] for n in SHOWN_IN_CALC},
    }
    reports = dict(zip(files, validate_files(partnership, list(files.values())), strict=True))
    return files, cells_in_calc(list(files.values()), out / "calc"), reports


@pytest.mark.real_component
@pytest.mark.slow
def test_accepted_spellings_record_what_calc_shows(calc_view, partnership, demo_round):
    """Unusual but unambiguous spellings are accepted, with the figures the return was made
    with; LibreOffice Calc, through UNO, shows exactly those figures and texts in every input."""
    from helpers.reading_cases_accepted import ACCEPTED, UNESCAPED_TEXT

    from xl_ni179.spec.schema import build_schema

    files, calc, reports = calc_view
    schema = build_schema(partnership, demo_round)
    for name in ACCEPTED:
        report = reports[name]
        assert report.valid and report.findings == [], (
            name,
            [(f.code, f.message) for f in report.findings],
        )
        expected = dict(reports["original"].values)
        if name == "text-in-other-spellings":
            expected["rag_commentary_2009_10"] = UNESCAPED_TEXT
        if name == "numbers-and-dates-in-other-spellings":
            expected["signoff_date"] = (
                39945  # a date cell (t="d"), not the text the template's cell takes
            )
        assert report.values == expected, name
        sheets = calc[files[name]]
        for f in schema.fields:
            recorded = report.values[f.name]
            shown = sheets[f.sheet]
            if recorded is None:
                assert f.cell not in shown["text"] and f.cell not in shown["numbers"], (
                    name,
                    f.name,
                )
            elif isinstance(recorded, str):
                assert shown["text"].get(f.cell) == recorded, (
                    name,
                    f.name,
                    shown["text"].get(f.cell),
                    recorded,
                )
            else:
                value, _text = shown["numbers"][f.cell]
                assert abs(value - recorded) < 1e-9, (name, f.name, value, recorded)


@pytest.mark.real_component
@pytest.mark.parametrize("name", SHOWN_IN_CALC)
def test_a_changed_format_shows_in_calc_what_the_finding_says(name, calc_view):
    """Example 7's class: what the finding tells the officer the cell shows is what Calc shows."""
    files, calc, reports = calc_view
    finding = next(f for f in reports[name].findings if f.code == "input-format-changed")
    value, shown = calc[files[name]]["Gains"]["numbers"]["B8"]
    described = (
        "nothing"
        if shown == ""
        else f"a date, {shown}"
        if name.startswith("date")
        else f"a percentage, {shown}"
        if shown.endswith("%")
        else f"'{shown}'"
    )
    assert f" shows {described}, but the figure we would record there is " in finding.message, (
        shown,
        finding.message,
    )
    assert shown != f"{value:,.1f}"  # the cell does not show the figure recorded


def test_a_sheet_read_before_is_only_read_from_memory_when_it_is_the_very_same(
    returns_dir, partnership, tmp_path, monkeypatch
):
    """A worker keeps the sheets it has read (a template's unchanged Checks sheet comes back in
    every return): a sheet that differs by one formula, or a limit changed since, is read again."""
    from helpers.ooxml import Package

    from xl_ni179.intake.safety import limits
    from xl_ni179.intake.validate import validate_in_process

    base = returns_dir / template_filename("MELTON", ROUND)
    assert validate_in_process(partnership, base).valid
    assert validate_in_process(partnership, base).valid  # the second time from memory
    changed = Package(base)
    part = changed.sheet_parts()["Checks"]
    changed.parts[part] = changed.parts[part].replace(
        b"</conditionalFormatting>",
        b'<cfRule type="expression" priority="99" dxfId="0"><formula>LEN(WEBSERVICE('
        b'"https://collect.example/"))</formula></cfRule></conditionalFormatting>',
        1,
    )
    report = validate_in_process(partnership, changed.save(tmp_path / "changed.xlsx"))
    assert [(f.code, f.sheet) for f in report.findings] == [("outward-formula", "Checks")]
    monkeypatch.setattr(limits, "MAX_ROWS", 20)
    assert "sheet-too-large" in {f.code for f in validate_in_process(partnership, base).findings}


def test_the_reader_gives_each_sheets_links_and_where_they_go(tmp_path):
    """As xl_ni179.checks.hyperlinks reads them: the external relationship's address, or #place."""
    from helpers.base_package import make_base
    from helpers.ooxml import Package

    from xl_ni179.intake.reader import read_workbook

    base = make_base(tmp_path / "base.xlsx")
    assert read_workbook(base).hyperlinks == {"Savings": {"A8": "https://www.example.org/ni179"}}
    pkg = Package(base)
    part = pkg.sheet_parts()["Notes"]
    pkg.parts[part] = pkg.parts[part].replace(
        b"</sheetData>",
        b'</sheetData><hyperlinks><hyperlink ref="A1" location="\'Savings\'!B2"/></hyperlinks>',
    )
    assert read_workbook(pkg.save(tmp_path / "inside.xlsx")).hyperlinks["Notes"] == {
        "A1": "#'Savings'!B2"
    }


def test_a_sheet_read_from_memory_never_shows_another_files_text(returns_dir, tmp_path):
    """A worker keeps the sheets it has read, by their bytes, for the next return. Two files
    whose Forecast sheets are the very same bytes, with t="s" spelt as a character reference
    (which no scan of the bytes sees), but whose shared strings differ, must each show their
    own text, as Calc shows it: the second partner's ratings, not the first's."""
    from helpers.excel_respelling import shared_strings
    from helpers.ooxml import Package

    from xl_ni179.intake.reader import read_package

    pkg = Package(returns_dir / template_filename("MELTON", ROUND))
    shared_strings(pkg)  # text in the shared-strings table, as Excel writes it
    part = pkg.sheet_parts()["Forecast"]
    pkg.parts[part] = pkg.parts[part].replace(b' t="s"', b' t="&#115;"')
    assert b't="&#115;"' in pkg.parts[part]
    first = pkg.save(tmp_path / "first.xlsx")
    pkg.parts["xl/sharedStrings.xml"] = pkg.parts["xl/sharedStrings.xml"].replace(
        b">Green<", b">Red<"
    )
    second = pkg.save(tmp_path / "second.xlsx")

    def ratings(path: Path) -> list[str]:
        book = read_package(path).workbook
        assert book is not None
        return [v for v in book.cells["Forecast"].values() if v in ("Green", "Amber", "Red")]

    assert "Green" in ratings(first)
    assert "Green" not in ratings(second) and "Red" in ratings(second)
    assert "Green" in ratings(first)  # and the first is still read as its own


@pytest.mark.parametrize("spelling", ["inline", "shared"])
def test_a_text_is_measured_as_excel_measures_it_in_utf16_units(spelling, tmp_path):
    """Excel's 32,767-character limit counts UTF-16 units, an emoji being two; so does
    XlsxWriter, which silently cut the master's copy of a longer text. A text of 20,000 emoji
    (40,000 units) is refused with too-much-text; 16,000 emoji (32,000 units) are read whole."""
    from helpers.base_package import Pkg, make_base, sst_xml, strings_part

    from xl_ni179.intake.reader import read_package

    def read(count: int) -> tuple[list[str], list[str]]:
        pkg = Pkg(make_base(tmp_path / "base.xlsx"))
        text = "\U0001f600" * count
        if spelling == "inline":
            pkg.cells(f'<row r="1999"><c r="A1999" t="inlineStr"><is><t>{text}</t></is></c></row>')
        else:
            pkg.parts[strings_part(pkg)] = sst_xml(f"<si><t>{text}</t></si>")
            pkg.cells('<row r="1999"><c r="A1999" t="s"><v>0</v></c></row>')
        out = tmp_path / f"{count}.xlsx"
        out.write_bytes(pkg.zip())
        reading = read_package(out)
        texts = [
            v
            for c in (reading.workbook.cells.values() if reading.workbook else ())
            for v in c.values()
            if isinstance(v, str) and v.startswith("\U0001f600")
        ]
        return [p.code for p in reading.problems], texts

    assert read(20_000) == (["too-much-text"], [])
    assert read(16_000) == ([], ["\U0001f600" * 16_000])
