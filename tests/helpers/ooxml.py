"""Editing an .xlsx package part by part, as the test corpus needs: read every part, change
some, add relationships and content types, write the package back in its own order."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS = {"m": MAIN, "r": REL, "pr": PKG_REL, "ct": CT}


class Package:
    """The parts of one package, by name, in their original order."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as zf:
            self.parts: dict[str, bytes] = {i.filename: zf.read(i.filename) for i in zf.infolist()}

    def save(self, out: Path) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            # [Content_Types].xml first, as every program writes it.
            for name in sorted(self.parts, key=lambda n: n != "[Content_Types].xml"):
                zf.writestr(name, self.parts[name])
        return out

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.parts[name])

    def put(self, name: str, root: etree._Element) -> None:
        self.parts[name] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )

    # -- relationships and content types -------------------------------------------------

    @staticmethod
    def rels_name(part: str) -> str:
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """{rId: (type, target part name)} of ``part`` ("" for the package itself)."""
        name = self.rels_name(part)
        if name not in self.parts:
            return {}
        base = posixpath.dirname(part)
        out = {}
        for rel in self.xml(name).findall("pr:Relationship", NS):
            target = rel.get("Target", "")
            resolved = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(base, target))
            )
            out[rel.get("Id")] = (rel.get("Type"), resolved)
        return out

    def add_relationship(self, part: str, rel_type: str, target: str) -> str:
        """Relate ``part`` to the part ``target`` (a package path); returns the new rId."""
        name = self.rels_name(part)
        root = (
            self.xml(name)
            if name in self.parts
            else etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
        )
        taken = {r.get("Id") for r in root}
        rid = next(f"rId{i}" for i in range(1, 10_000) if f"rId{i}" not in taken)
        relative = posixpath.relpath(target, posixpath.dirname(part) or ".")
        etree.SubElement(
            root, f"{{{PKG_REL}}}Relationship", Id=rid, Type=f"{REL}/{rel_type}", Target=relative
        )
        self.put(name, root)
        return rid

    def add_content_type(
        self, part: str | None = None, *, extension: str | None = None, content_type: str
    ) -> None:
        root = self.xml("[Content_Types].xml")
        if extension:
            if not any(d.get("Extension") == extension for d in root.findall("ct:Default", NS)):
                root.insert(
                    0,
                    etree.Element(
                        f"{{{CT}}}Default", Extension=extension, ContentType=content_type
                    ),
                )
        else:
            etree.SubElement(
                root, f"{{{CT}}}Override", PartName="/" + part, ContentType=content_type
            )
        self.put("[Content_Types].xml", root)

    # -- sheets -----------------------------------------------------------------------------

    def workbook_part(self) -> str:
        return next(
            t for kind, t in self.relationships("").values() if kind.endswith("/officeDocument")
        )

    def sheet_parts(self) -> dict[str, str]:
        """{sheet name: part name}, in workbook order."""
        wb = self.workbook_part()
        rels = self.relationships(wb)
        return {
            s.get("name"): rels[s.get(f"{{{REL}}}id")][1]
            for s in self.xml(wb).findall("m:sheets/m:sheet", NS)
        }

    def cell(self, root: etree._Element, coord: str) -> etree._Element:
        found = root.find(f"m:sheetData/m:row/m:c[@r='{coord}']", NS)
        if found is None:
            raise KeyError(f"no cell {coord} in this sheet")
        return found
