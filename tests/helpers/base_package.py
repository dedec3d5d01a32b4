"""The valid base workbook the hostile cases start from, and the means to change its parts.

``make_base`` writes a small return-like workbook; ``Pkg`` holds a workbook's parts (the
base, or the real return template, found through [Content_Types].xml and relationships)
for a case to edit and zip back up. The part-level helpers here are shared by several
families of cases, so each family's module stays about one kind of attack.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from helpers.raw_files import Entry, raw_zip

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def make_base(path: Path) -> Path:
    """A small valid return-like workbook (openpyxl), with an ordinary web hyperlink."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Savings"
    ws.append(["Organisation", "Leicestershire County Council"])
    for row, year in enumerate(("2008/09", "2009/10", "2010/11"), start=2):
        ws.cell(row, 1, year)
        ws.cell(row, 2, 1000 * row)
    ws["B5"] = "=SUM(B2:B4)"
    ws.merge_cells("A7:C7")
    ws["A7"] = "Notes"
    ws["A8"] = "Guidance"
    ws["A8"].hyperlink = "https://www.example.org/ni179"
    wb.create_sheet("Notes")["A1"] = "Anything else?"
    wb.save(path)
    return path


class Pkg:
    """The base package's parts, to be changed and written back out."""

    def __init__(self, base: Path) -> None:
        with zipfile.ZipFile(base) as zf:
            self.parts = {name: zf.read(name) for name in zf.namelist()}
        types = self.parts["[Content_Types].xml"].decode()
        sheets = re.findall(r'PartName="/([^"]+)"\s+ContentType="' + re.escape(SHEET_CT), types)
        self.sheet = sheets[0] if sheets else "xl/worksheets/sheet1.xml"
        self.strings = next((p for p in self.parts if p.lower() == "xl/sharedstrings.xml"), "")

    def add(
        self,
        name: str,
        data: bytes,
        content_type: str = "",
        rel_type: str = "",
        source: str = "xl/workbook.xml",
        mode: str = "",
    ) -> Pkg:
        self.parts[name] = data
        if content_type:
            self.edit(
                "[Content_Types].xml",
                "</Types>",
                f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>',
            )
        if rel_type:
            self.relate(source, rel_type, "/" + name, mode)
        return self

    def relate(self, source: str, rel_type: str, target: str, mode: str = "") -> Pkg:
        folder, file = source.rsplit("/", 1) if "/" in source else ("", source)
        rels = f"{folder}/_rels/{file}.rels".lstrip("/")
        if rels not in self.parts:
            self.parts[rels] = f'<Relationships xmlns="{PKG_RELS}"></Relationships>'.encode()
        extra = f' TargetMode="{mode}"' if mode else ""
        return self.edit(
            rels,
            "</Relationships>",
            f'<Relationship Id="rIdX{len(self.parts)}" '
            f'Type="{rel_type}" Target="{target}"{extra}/></Relationships>',
        )

    def edit(self, part: str, old: str, new: str, count: int = 1) -> Pkg:
        text = self.parts[part].decode("utf-8")
        if old not in text:
            raise ValueError(f"{old!r} not in {part}")
        self.parts[part] = text.replace(old, new, count).encode("utf-8")
        return self

    def cells(self, xml: str) -> Pkg:
        """Append rows to the first sheet."""
        text = self.parts[self.sheet].decode()
        if "<sheetData/>" in text:
            text = text.replace("<sheetData/>", "<sheetData></sheetData>")
        self.parts[self.sheet] = text.replace("</sheetData>", xml + "</sheetData>", 1).encode()
        return self

    def after_data(self, xml: str) -> Pkg:
        return self.edit(self.sheet, "</sheetData>", "</sheetData>" + xml)

    def with_prolog(self, part: str, prolog: bytes) -> Pkg:
        data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", self.parts[part])
        self.parts[part] = b'<?xml version="1.0" encoding="UTF-8"?>' + prolog + data
        return self

    def zip(self, **overrides: Entry) -> bytes:
        return raw_zip([overrides.get(n, Entry(n, d)) for n, d in self.parts.items()])


def sheet_xml(body: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    decl = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<{p}worksheet {decl}="{MAIN}"><{p}sheetData>{body}</{p}sheetData></{p}worksheet>'
    ).encode()


def with_entries(pkg: Pkg, *entries: Entry) -> bytes:
    return raw_zip([Entry(n, d) for n, d in pkg.parts.items()] + list(entries))


def without_part(pkg: Pkg, name: str) -> bytes:
    del pkg.parts[name]
    return pkg.zip()


def replaced(pkg: Pkg, name: str, data: bytes) -> bytes:
    pkg.parts[name] = data
    return pkg.zip()


def stored(pkg: Pkg, name: str, data: bytes) -> bytes:
    pkg.parts[name] = data
    return pkg.zip(**{name: Entry(name, data, method=0)})


def strings_part(pkg: Pkg) -> str:
    if not pkg.strings:
        pkg.strings = "xl/sharedStrings.xml"
        pkg.add(
            pkg.strings,
            f'<sst xmlns="{MAIN}"/>'.encode(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
            f"{OFFICE_RELS}/sharedStrings",
        )
    return pkg.strings


def sst_xml(items: str, unique: str = "") -> bytes:
    count = f' uniqueCount="{unique}"' if unique else ""
    return f'<sst xmlns="{MAIN}"{count}>{items}</sst>'.encode()


def utf16_part(pkg: Pkg, part: str, prolog: str, encoding: str) -> bytes:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", pkg.parts[part].decode())
    return replaced(
        pkg, part, (f'<?xml version="1.0" encoding="UTF-16"?>{prolog}{text}').encode(encoding)
    )


def reencoded(pkg: Pkg, part: str, declared: str, codec: str) -> bytes:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", pkg.parts[part].decode())
    return replaced(pkg, part, f'<?xml version="1.0" encoding="{declared}"?>{text}'.encode(codec))


def with_main_type(pkg: Pkg, content_type: str) -> bytes:
    types = pkg.parts["[Content_Types].xml"].decode()
    types = re.sub(
        r'(PartName="/xl/workbook.xml"\s+ContentType=")[^"]*', r"\g<1>" + content_type, types
    )
    return replaced(pkg, "[Content_Types].xml", types.encode())


def grid_sheet(rows: int, columns: int) -> bytes:
    letters = [
        chr(65 + i // 26 - 1) + chr(65 + i % 26) if i >= 26 else chr(65 + i) for i in range(columns)
    ]
    return sheet_xml(
        "".join(
            f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in letters) + "</row>"
            for r in range(1, rows + 1)
        )
    )


Builder = Callable[[Pkg], bytes]
