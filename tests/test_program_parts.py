"""Parts that real spreadsheet programs add are accepted; the same places holding
something dangerous are not.

Each accepted part is added, as Excel writes it, to a filled demo return, and
`ni179 validate` must accept the file with exactly the findings of the return it came
from. Each dangerous twin must be rejected with its file rule, both by the package
inspection alone and by the whole validation a return goes through on receipt. What
LibreOffice and Gnumeric write when they save a return is listed part by part.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import base_package, excel_book_parts, program_parts
from helpers.components import require_component
from helpers.libreoffice import convert

from xl_ni179.cli import main
from xl_ni179.intake.batch import validate_files
from xl_ni179.intake.screen import inspect_file

BASE = "NI179_MELTON_2008-09-review.xlsx"
ACCEPTED = [name for name, _ in program_parts.ACCEPTED]
DANGEROUS = {name: code for name, code, _ in program_parts.DANGEROUS}


@pytest.fixture(scope="module")
def base(returns_dir: Path) -> Path:
    return returns_dir / BASE


@pytest.fixture(scope="module")
def accepted(base: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("program-parts")
    files = {}
    for name, builder in program_parts.ACCEPTED:
        path = out / name
        path.write_bytes(builder(base_package.Pkg(base)).zip())
        files[name] = path
    return files


@pytest.fixture(scope="module")
def dangerous(base: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dangerous-twins")
    files = {}
    for name, _, builder in program_parts.DANGEROUS:
        path = out / name
        path.write_bytes(builder(base_package.Pkg(base)))
        files[name] = path
    return files


def _findings(report: dict) -> list[tuple]:
    return sorted(
        (f["code"], f["severity"], f.get("sheet") or "", f.get("cell") or "")
        for f in report["findings"]
    )


def test_the_parts_are_really_in_the_files(accepted: dict[str, Path]) -> None:
    """Guards the builders: each file holds what its name says, as Excel lays it out."""
    with zipfile.ZipFile(accepted["everything.xlsx"]) as zf:
        names = set(zf.namelist())
        types = zf.read("[Content_Types].xml").decode()
        gains_rels = zf.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
        forecast = zf.read("xl/worksheets/sheet3.xml").decode()
    assert {
        "xl/calcChain.xml",
        "xl/printerSettings/printerSettings1.bin",
        "docProps/custom.xml",
        "docMetadata/LabelInfo.xml",
        "customXml/item1.xml",
        "customXml/itemProps1.xml",
        "xl/threadedComments/threadedComment1.xml",
        "xl/persons/person.xml",
        "xl/comments1.xml",
        "xl/drawings/vmlDrawing1.vml",
        "xl/metadata.xml",
        "xl/richData/rdrichvalue.xml",
        "xl/sharedStrings.xml",
    } <= names
    assert (
        'Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'printerSettings"' in types
    )
    assert "relationships/printerSettings" in gains_rels and "threadedComment" in gains_rels
    assert "<x14:dataValidations" in forecast and "<xm:f>Cover!$A$4:$A$11</xm:f>" in forecast
    with zipfile.ZipFile(accepted["shared-strings.xlsx"]) as zf:
        sheets = "".join(
            zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/sheet")
        )
        strings = zf.read("xl/sharedStrings.xml").decode()
    assert 't="inlineStr"' not in sheets and 't="s"' in sheets
    assert "<r><rPr><b/>" in strings and "<rPh " in strings


@pytest.mark.parametrize("name", ACCEPTED)
def test_package_inspection_accepts_what_programs_add(name: str, accepted: dict[str, Path]) -> None:
    assert inspect_file(accepted[name]) == [], name


def test_ni179_validate_accepts_each_with_the_original_findings(
    base: Path, accepted: dict[str, Path], tmp_path: Path
) -> None:
    files = [base, *accepted.values()]
    result = CliRunner().invoke(
        main, ["--workspace", str(tmp_path), "validate", "--json", *map(str, files)]
    )
    assert result.exit_code == 0, result.output[-3000:]
    reports = json.loads(result.output)
    original = _findings(reports[0])
    assert reports[0]["valid"] and reports[0]["organisation"] == "MELTON"
    for path, report in zip(files[1:], reports[1:], strict=True):
        assert report["valid"], (path.name, report["findings"])
        assert report["organisation"] == "MELTON", path.name
        assert _findings(report) == original, path.name


def test_every_dangerous_twin_has_a_case() -> None:
    assert len(DANGEROUS) >= 20
    assert set(DANGEROUS.values()) == {
        "embedded-object",
        "too-large",
        "xml-dtd",
        "macros",
        "external-link",
        "dde-link",
    }


@pytest.mark.parametrize("name", [name for name in DANGEROUS if name not in program_parts.IN_CELLS])
def test_dangerous_twin_is_rejected_by_the_package_inspection(
    name: str, dangerous: dict[str, Path]
) -> None:
    codes = [f.code for f in inspect_file(dangerous[name])]
    assert DANGEROUS[name] in codes, (name, codes)


def test_dangerous_twins_are_rejected_on_receipt(partnership, dangerous: dict[str, Path]) -> None:
    """The way a return is really checked: the package inspection leaves cell formulas to
    the reader, which must still catch DDE and other files in Excel 2010's validations."""
    reports = list(validate_files(partnership, list(dangerous.values())))
    for (name, path), report in zip(dangerous.items(), reports, strict=True):
        codes = [f.code for f in report.findings]
        assert not report.valid and DANGEROUS[name] in codes, (name, codes)
        assert all(f.message and f.fix for f in report.findings)
        assert path.name in report.file


def test_a_dde_validation_names_its_sheet(partnership, dangerous: dict[str, Path]) -> None:
    (report,) = validate_files(partnership, [dangerous["x14-validation-dde.xlsx"]])
    (finding,) = [f for f in report.findings if f.code == "dde-link"]
    assert finding.sheet == "Forecast" and "Forecast" in finding.message


# --- what LibreOffice and Gnumeric write -----------------------------------------------------------

# Every content type the programs give a part when they save a return; a new one shows up here.
KNOWN_TYPES = {
    "application/vnd.openxmlformats-package.relationships+xml",
    "application/vnd.openxmlformats-package.core-properties+xml",
    "application/vnd.openxmlformats-officedocument.extended-properties+xml",
    "application/vnd.openxmlformats-officedocument.custom-properties+xml",
    "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
    "application/vnd.openxmlformats-officedocument.theme+xml",
    "application/vnd.openxmlformats-officedocument.vmlDrawing",
    "application/vnd.openxmlformats-officedocument.drawing+xml",
    "application/vnd.ms-excel.threadedcomments+xml",
    "application/vnd.ms-excel.person+xml",
    "application/xml",
    "image/png",
    "image/jpeg",
}


def _parts_and_types(path: Path) -> dict[str, str]:
    """{part: content type} as [Content_Types].xml declares it."""
    with zipfile.ZipFile(path) as zf:
        types = zf.read("[Content_Types].xml").decode()
        names = [n for n in zf.namelist() if not n.endswith("/")]
    overrides = dict(re.findall(r'PartName="/([^"]+)"\s+ContentType="([^"]+)"', types))
    defaults = dict(re.findall(r'Extension="([^"]+)"\s+ContentType="([^"]+)"', types))
    return {
        n: overrides.get(n, defaults.get(n.rsplit(".", 1)[-1].lower(), ""))
        for n in names
        if n != "[Content_Types].xml"
    }


@pytest.fixture(scope="module")
def resaved(
    libreoffice, base: Path, accepted: dict[str, Path], tmp_path_factory
) -> dict[str, Path]:
    """A filled return, and one with every part Excel adds, saved by Calc and by Gnumeric."""
    out = tmp_path_factory.mktemp("resaved")
    everything = accepted["everything.xlsx"]
    calc = convert([base, everything], out / "calc")
    files = {"calc-" + base.name: calc[0], "calc-everything.xlsx": calc[1]}
    require_component(
        subprocess.run(["which", "ssconvert"], capture_output=True).returncode == 0,
        "Gnumeric is not installed: run `apt-get install gnumeric` (scripts/setup.sh does).",
    )
    for source in (base, everything):
        target = out / f"gnumeric-{source.name}"
        subprocess.run(
            ["ssconvert", "--export-type=Gnumeric_Excel:xlsx2", str(source), str(target)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        files[target.name] = target
    return files


@pytest.mark.real_component
@pytest.mark.slow
def test_what_calc_and_gnumeric_write_is_accepted_and_known(resaved: dict[str, Path]) -> None:
    for name, path in resaved.items():
        assert inspect_file(path) == [], name
        parts = _parts_and_types(path)
        unknown = {part: kind for part, kind in parts.items() if kind not in KNOWN_TYPES}
        assert not unknown, (name, unknown)
        assert "docProps/custom.xml" in parts, name  # both keep (or add) custom properties


@pytest.mark.real_component
def test_calc_keeps_the_sensitivity_label_it_was_given(resaved: dict[str, Path]) -> None:
    with zipfile.ZipFile(resaved["calc-everything.xlsx"]) as zf:
        custom = zf.read("docProps/custom.xml").decode()
    assert f"MSIP_Label_{excel_book_parts.LABEL}_Enabled" in custom


@pytest.mark.parametrize(
    "formula, external",
    [
        ("[1]Lists!$A$1:$A$3", True),
        ("'[1]My lists'!$A$1", True),
        ("[1]!RagList", True),
        ("SUM('C:\\Finance\\[budget.xlsx]2009'!B2:B9)", True),
        ("Cover!$A$4:$A$11", False),
        ("'Sign-off'!B5", False),
        ("SUM(Table1[[#This Row],[Gains]])", False),
        ("Table1[@Gains]+Gains!B8", False),
        ('"[1]x!"&A1', False),
        ("Table1['[x]", False),
    ],
)
def test_external_reference_detection(formula: str, external: bool) -> None:
    from xl_ni179.intake.safety.formulas import has_external_ref

    assert has_external_ref(formula) is external
