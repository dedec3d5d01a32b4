"""Finding one's way round a filled return's package, and changing it where and as Excel
would: which part holds which sheet, relationships with known ids and relative targets,
content types, and where in a sheet Excel puts what it adds.

Shared by the builders of the parts Excel adds to a workbook and to its sheets.
"""

from __future__ import annotations

import re

from helpers.base_package import OFFICE_RELS, Pkg

CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def sheet_parts(pkg: Pkg) -> dict[str, str]:
    """{sheet name: its part}, from workbook.xml and its relationships."""
    book = pkg.parts["xl/workbook.xml"].decode()
    rels = pkg.parts["xl/_rels/workbook.xml.rels"].decode()
    targets = {
        m["id"]: m["target"]
        for m in re.finditer(
            r'<Relationship\b(?=[^>]*\bId="(?P<id>[^"]+)")(?=[^>]*\bTarget="(?P<target>[^"]+)")',
            rels,
        )
    }
    out = {}
    for m in re.finditer(
        r'<sheet\b(?=[^>]*\bname="(?P<name>[^"]+)")(?=[^>]*\bid="(?P<id>[^"]+)")', book
    ):
        target = targets[m["id"]]
        out[m["name"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def relate(pkg: Pkg, source: str, rel_id: str, rel_type: str, target: str, mode: str = "") -> Pkg:
    """A relationship with a known id, its target written relative as Excel does."""
    folder, file = source.rsplit("/", 1) if "/" in source else ("", source)
    rels = f"{folder}/_rels/{file}.rels".lstrip("/")
    if rels not in pkg.parts:
        pkg.parts[rels] = (
            PROLOG + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"></Relationships>'
        ).encode()
    extra = f' TargetMode="{mode}"' if mode else ""
    return pkg.edit(
        rels,
        "</Relationships>",
        f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"{extra}/></Relationships>',
    )


def declare(pkg: Pkg, part: str, content_type: str) -> Pkg:
    """Give ``part`` the content type ``content_type`` (in place of any it had: two types for one
    part is a package of its own kind of trouble, ambiguous-package)."""
    types = re.sub(
        rf'<Override PartName="/{re.escape(part)}"[^>]*/>',
        "",
        pkg.parts["[Content_Types].xml"].decode(),
    )
    pkg.parts["[Content_Types].xml"] = types.encode()
    return pkg.edit(
        "[Content_Types].xml",
        "</Types>",
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>',
    )


def default_type(pkg: Pkg, extension: str, content_type: str) -> Pkg:
    if f'Extension="{extension}"' in pkg.parts["[Content_Types].xml"].decode():
        return pkg
    return pkg.edit(
        "[Content_Types].xml",
        "<Default ",
        f'<Default Extension="{extension}" ContentType="{content_type}"/><Default ',
    )


def with_r_namespace(pkg: Pkg, part: str) -> None:
    text = pkg.parts[part].decode()
    if 'xmlns:r="' not in text[:2000]:
        text = re.sub(r"<worksheet\b", f'<worksheet xmlns:r="{OFFICE_RELS}"', text, count=1)
    pkg.parts[part] = text.encode()


def after_page_setup(pkg: Pkg, part: str, xml: str) -> Pkg:
    """Insert sheet elements where Excel puts them: after the page set-up and footers."""
    text = pkg.parts[part].decode()
    for anchor in ("</headerFooter>", "<headerFooter/>"):
        if anchor in text:
            pkg.parts[part] = text.replace(anchor, anchor + xml, 1).encode()
            return pkg
    pkg.parts[part] = re.sub(
        r"(<pageSetup\b[^>]*/>)", lambda m: m.group(1) + xml, text, count=1
    ).encode()
    return pkg


def at_sheet_end(pkg: Pkg, part: str, xml: str) -> Pkg:
    return pkg.edit(part, "</worksheet>", xml + "</worksheet>")
