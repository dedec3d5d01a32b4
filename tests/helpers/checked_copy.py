"""What a checked copy sent back to a partner may hold: our template, the partner's values as
plain values and our annotations; nothing else from the partner's file."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.defined_name import DefinedName

from xl_ni179.intake.annotate import annotated_bytes
from xl_ni179.partnership import Partnership
from xl_ni179.rules.findings import Report
from xl_ni179.spec.schema import build_schema

FORMULA = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>([^<]*)</(?:\w+:)?f>")
EXTERNAL = re.compile(rb'TargetMode="External"')
NAME = re.compile(rb'<definedName [^>]*name="([^"]+)"')


def package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def formulas(parts: dict[str, bytes]) -> Counter:
    return Counter(
        f
        for name, body in parts.items()
        if name.startswith("xl/worksheets/")
        for f in FORMULA.findall(body)
    )


def assert_only_ours(p: Partnership, report: Report, data: bytes) -> None:
    """``data`` equals the copy of our template with the same annotations and no values, apart
    from the values themselves: same parts, same formulas, same names, no external link."""
    reference = package(
        annotated_bytes(
            p,
            Report(
                file="",
                organisation=report.organisation,
                round_id=report.round_id,
                findings=report.findings,
            ),
        )
    )
    got = package(data)
    assert sorted(got) == sorted(reference), "parts differ from our template's"
    assert formulas(got) == formulas(reference), "a formula that is not our template's"
    assert not [n for n, body in got.items() if n.endswith(".rels") and EXTERNAL.search(body)]
    assert NAME.findall(got["xl/workbook.xml"]) == NAME.findall(reference["xl/workbook.xml"])
    for (
        body
    ) in got.values():  # a DDE '|' or a link outside quoted text (our email check quotes a '|')
        code = re.sub(rb'&quot;.*?&quot;|"[^"]*"', b"", b"".join(FORMULA.findall(body)))
        assert b"HYPERLINK(" not in code and b"|" not in code
    assert_values_plain(p, report, data)


def assert_values_plain(p: Partnership, report: Report, data: bytes) -> None:
    """Each input holds the partner's value: numbers as numbers, anything else as a string cell."""
    wb = load_workbook(io.BytesIO(data))
    for f in build_schema(p, p.round(report.round_id)).fields:
        cell, value = wb[f.sheet][f.cell], report.values.get(f.name)
        if value is None:
            assert cell.value is None, (f.name, cell.value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            number = (
                to_excel(cell.value) if cell.is_date else cell.value
            )  # a date cell reads as a date
            assert number == value and cell.data_type in "nd", (f.name, cell.value)
        else:
            assert cell.value == str(value) and cell.data_type == "s", (
                f.name,
                cell.value,
                cell.data_type,
            )


PHISHING = "http://evil.example/verify"


def phishing_return(real: Path, out: Path) -> Path:
    """A return carrying what must never travel back: an added sheet with phishing text and a
    formula, a formula in an input, a web link and the sender's own comment on an input, and a
    defined name the template does not have. (A HYPERLINK formula is refused before any of this,
    as outward-formula: see test_package_reading.)"""
    wb = load_workbook(real)
    gains = wb["Gains"]
    gains["B9"] = '="Your figures need re-entering: "&"click the link in B8"'
    gains["B8"].hyperlink = PHISHING
    gains["B8"].comment = Comment("Call 0800 000 000 to verify your account", "IT Support")
    notice = wb.create_sheet("Important notice")
    notice["A1"] = "Your council's account will be suspended. Verify it now:"
    notice["A2"] = '="Verify"&" now"'
    notice["A3"].hyperlink = PHISHING
    wb.defined_names["ni179_workspace"] = DefinedName(
        "ni179_workspace", attr_text="'Sign-off'!$B$9"
    )
    wb.save(out)
    return out


def assert_nothing_of_phishing(data: bytes) -> None:
    parts = package(data)
    for name, body in parts.items():
        # The sender's text, comment and notice sheet stay behind; the link only ever appears
        # quoted as text in our finding about the formula, never as a link.
        assert b"0800 000 000" not in body and b"Verify it now" not in body, name
        if name.endswith(".rels") or name.endswith(".vml"):
            assert PHISHING.encode() not in body, name
    wb = load_workbook(io.BytesIO(data))
    assert "Important notice" not in wb.sheetnames and "ni179_workspace" not in wb.defined_names


@contextmanager
def package_reads() -> Iterator[list]:
    """Every zip package opened for reading in THIS process while the block runs (the bounded
    worker is another process): the received file must never be among them."""
    reads: list = []
    real = zipfile.ZipFile.__init__

    def recording(self, file, mode="r", *args, **kwargs):
        # A package in memory is the copy being built, read back to add its editable ranges
        # (xl_ni179.template.editable); the received file is on disk.
        if mode == "r" and not isinstance(file, io.BytesIO):
            reads.append(getattr(file, "name", file))
        real(self, file, mode, *args, **kwargs)

    zipfile.ZipFile.__init__ = recording
    try:
        yield reads
    finally:
        zipfile.ZipFile.__init__ = real
