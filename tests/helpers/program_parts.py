"""Parts that spreadsheet programs add to a workbook, written as Excel writes them, and
their dangerous twins: the same place in the package holding something else.

``ACCEPTED`` builders add real programs' parts to a filled return (a zip rewrite through
``base_package.Pkg``); such a return must still be accepted with exactly its original
findings. ``DANGEROUS`` builders each make one twin that must be rejected with the named
file rule. The builders themselves are in excel_book_parts and excel_sheet_parts.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from helpers.base_package import OFFICE_RELS, Pkg
from helpers.excel_book_parts import (
    PRINTER_CT,
    calc_chain,
    custom_xml,
    devmode,
    doc_props,
    printer_settings,
    sensitivity_label,
    without_doc_props,
)
from helpers.excel_sheet_parts import (
    THREADED,
    rich_data,
    shared_strings,
    theme_and_styles,
    threaded_comment,
    x14_validation,
)
from helpers.hostile_active_content import DDE
from helpers.hostile_xml import LAUGHS
from helpers.raw_files import Entry, ole_file, raw_zip
from helpers.return_part_edits import declare, default_type, relate


def everything(pkg: Pkg) -> Pkg:
    """Every part excel_book_parts and excel_sheet_parts build, in one file, as a long-lived
    workbook in a Microsoft 365 tenancy ends up."""
    for builder in (
        calc_chain,
        printer_settings,
        sensitivity_label,
        custom_xml,
        doc_props,
        theme_and_styles,
        x14_validation,
        threaded_comment,
        rich_data,
        shared_strings,
    ):
        builder(pkg)
    return pkg


Builder = Callable[[Pkg], Pkg]
ACCEPTED: list[tuple[str, Builder]] = [
    ("calc-chain.xlsx", calc_chain),
    ("printer-settings.xlsx", printer_settings),
    (
        "printer-settings-every-sheet.xlsx",
        lambda pkg: printer_settings(
            pkg, sheets=("Cover", "Gains", "Forecast", "Projects", "Sign-off", "Checks")
        ),
    ),
    ("sensitivity-label.xlsx", sensitivity_label),
    ("custom-xml.xlsx", custom_xml),
    ("doc-props.xlsx", doc_props),
    ("no-doc-props.xlsx", without_doc_props),
    ("theme-and-styles.xlsx", theme_and_styles),
    ("x14-validation.xlsx", x14_validation),
    ("threaded-comment.xlsx", threaded_comment),
    ("rich-data.xlsx", rich_data),
    ("picture-in-cell.xlsx", lambda pkg: rich_data(pkg, "../media/image1.png")),
    ("shared-strings.xlsx", shared_strings),
    ("everything.xlsx", everything),
]

_DTD = LAUGHS.decode()
DANGEROUS: list[tuple[str, str, Callable[[Pkg], bytes]]] = [
    # Printer settings that are something else, or not where or what Excel puts them.
    (
        "printer-settings-ole.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(
            pkg, ole_file({"Ole10Native": b"\x00" * 64, "\x01Ole": b""})
        ).zip(),
    ),
    (
        "printer-settings-vba.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(pkg, ole_file({"VBA": b"Attribute VB_Name"})).zip(),
    ),
    (
        "printer-settings-zip.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(
            pkg, raw_zip([Entry("payload.exe", b"MZ" + bytes(500))])
        ).zip(),
    ),
    (
        "printer-settings-program.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(pkg, b"MZ\x90\x00\x03" + bytes(4000)).zip(),
    ),
    (
        "printer-settings-too-large.xlsx",
        "too-large",
        lambda pkg: printer_settings(
            pkg, devmode(extra=65_535) + random.Random(1).randbytes(150_000)
        ).zip(),
    ),
    (
        "printer-settings-declared-ole.xlsx",
        "embedded-object",
        lambda pkg: declare(
            printer_settings(pkg, sheets=("Gains",)),
            "xl/printerSettings/printerSettings1.bin",
            "application/vnd.openxmlformats-officedocument.oleObject",
        ).zip(),
    ),
    (
        "printer-settings-undeclared.xlsx",
        "embedded-object",
        lambda pkg: declare(
            printer_settings(pkg, sheets=("Gains",)),
            "xl/printerSettings/printerSettings1.bin",
            "application/octet-stream",
        ).zip(),
    ),
    (
        "printer-settings-unused.xlsx",
        "embedded-object",
        lambda pkg: (
            default_type(pkg, "bin", PRINTER_CT)
            .add("xl/printerSettings/printerSettings1.bin", devmode())
            .zip()
        ),
    ),
    (
        "printer-settings-renamed.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(pkg, sheets=("Gains",), name="driver{n}.bin").zip(),
    ),
    (
        "calc-chain-ole.xlsx",
        "embedded-object",
        lambda pkg: calc_chain(pkg).add("xl/calcChain.xml", ole_file({"Package": b"x"})).zip(),
    ),
    (
        "program-in-odd-part.xlsx",
        "embedded-object",
        lambda pkg: pkg.add("xl/tools/update.dat", b"MZ\x90\x00" + bytes(2000)).zip(),
    ),
    (
        "picture-holding-ole.xlsx",
        "embedded-object",
        lambda pkg: (
            rich_data(pkg, "../media/image1.png")
            .add("xl/media/image1.png", ole_file({"x": b"y"}))
            .zip()
        ),
    ),
    # XML parts with a DTD, or that are not XML at all.
    (
        "calc-chain-dtd.xlsx",
        "xml-dtd",
        lambda pkg: calc_chain(pkg).with_prolog("xl/calcChain.xml", LAUGHS).zip(),
    ),
    (
        "calc-chain-as-macro-sheet.xlsx",
        "macros",
        lambda pkg: declare(
            calc_chain(pkg), "xl/calcChain.xml", "application/vnd.ms-excel.macrosheet+xml"
        ).zip(),
    ),
    (
        "custom-properties-dtd.xlsx",
        "xml-dtd",
        lambda pkg: sensitivity_label(pkg).with_prolog("docProps/custom.xml", LAUGHS).zip(),
    ),
    (
        "label-info-dtd.xlsx",
        "xml-dtd",
        lambda pkg: sensitivity_label(pkg).with_prolog("docMetadata/LabelInfo.xml", LAUGHS).zip(),
    ),
    (
        "custom-xml-ole.xlsx",
        "embedded-object",
        lambda pkg: custom_xml(pkg, item=ole_file({"Package": b"PK"})).zip(),
    ),
    ("custom-xml-external.xlsx", "external-link", lambda pkg: custom_xml(pkg, external=True).zip()),
    (
        "persons-dtd.xlsx",
        "xml-dtd",
        lambda pkg: threaded_comment(
            pkg, person=f'{_DTD}<personList xmlns="{THREADED}">&lol9;</personList>'
        ).zip(),
    ),
    (
        "metadata-dtd.xlsx",
        "xml-dtd",
        lambda pkg: rich_data(pkg).with_prolog("xl/metadata.xml", LAUGHS).zip(),
    ),
    (
        "rich-data-linked-picture.xlsx",
        "external-link",
        lambda pkg: rich_data(pkg, "https://attacker.example.net/p.png", "External").zip(),
    ),
    (
        "theme-linked-picture.xlsx",
        "external-link",
        lambda pkg: relate(
            pkg,
            next(n for n in pkg.parts if n.startswith("xl/theme/")),
            "rId1",
            f"{OFFICE_RELS}/image",
            "file://attacker/share/a.png",
            "External",
        ).zip(),
    ),
    # Formulas in Excel 2010's own data validations.
    ("x14-validation-dde.xlsx", "dde-link", lambda pkg: x14_validation(pkg, DDE).zip()),
    (
        "x14-validation-external.xlsx",
        "external-link",
        lambda pkg: x14_validation(pkg, "[1]Lists!$A$1:$A$3").zip(),
    ),
    (
        "x14-validation-external-path.xlsx",
        "external-link",
        lambda pkg: x14_validation(pkg, "'C:\\Finance\\[lists.xlsx]Lists'!$A$1:$A$3").zip(),
    ),
]

# In a sheet's cells (its Excel 2010 validations): found by the reader as it reads them; the
# package inspection leaves cells to it.
IN_CELLS = frozenset(
    {"x14-validation-dde.xlsx", "x14-validation-external.xlsx", "x14-validation-external-path.xlsx"}
)
