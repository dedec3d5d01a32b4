"""What a file that is not a zip package is: old .xls, an encrypted workbook, CSV, HTML...

Finance staff send many things that are "a spreadsheet" to them. Naming what the file
actually is lets the message say how to turn it into an .xlsx.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

import olefile

from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Problem

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
TEXT_SNIFF_BYTES = 64 * 1024

# Files that travel inside an Office package to run or to be opened: never a picture,
# printer settings or XML, whatever the part is called.
_CONTAINERS = (
    (OLE_MAGIC, "an Office compound file"),
    (ZIP_MAGIC, "a zip archive"),
    (b"MZ", "a Windows program"),
)
_HTML_RE = re.compile(r"<(?:html|!doctype\s+html|table|head|body|meta)\b")


def container_kind(head: bytes) -> str | None:
    """What kind of container file ``head`` (a part's first bytes) starts, if any."""
    return next((what for magic, what in _CONTAINERS if head.startswith(magic)), None)


def _ole_entry_names(data: bytes) -> list[str]:
    """Names of the storages and streams in an OLE2 compound file (MS-CFB), read by olefile,
    which bounds its own walks of a crafted file's chains (loops, ids past the end)."""
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return [path[-1] for path in ole.listdir(streams=True, storages=True)]


def classify_ole(data: bytes) -> Problem:
    """Encrypted .xlsx and old .xls are both compound files; their streams tell them apart."""
    try:
        names = {name.casefold() for name in _ole_entry_names(data)}
    except Exception as exc:  # noqa: BLE001 - olefile raises OSError, struct.error, ValueError... on a broken file
        # olefile's own words only where it says what is broken (not, say, Python's int limits).
        why = (
            str(exc)[:100]
            if isinstance(exc, OSError)
            else "its tables of contents cannot be followed"
        )
        return P.CORRUPT_FILE.problem(
            detail=f"it looks like an old Excel or Office file, but its structure is broken: {why}"
        )
    if {"encryptioninfo", "encryptedpackage"} <= names:
        return P.PASSWORD_PROTECTED.problem()
    if "workbook" in names or "book" in names:
        return P.LEGACY_XLS.problem()
    if "worddocument" in names:
        return P.NOT_A_WORKBOOK.problem(detail="it is an old-format Word document (.doc)")
    if "powerpoint document" in names:
        return P.NOT_A_WORKBOOK.problem(detail="it is an old-format PowerPoint file (.ppt)")
    if "__substg1.0_0037001f" in names or "__properties_version1.0" in names:
        return P.NOT_A_WORKBOOK.problem(
            detail="it is a saved Outlook email (.msg); send the workbook attached to it instead"
        )
    return P.NOT_A_WORKBOOK.problem(detail="it is an Office file of another kind")


def _decode_text(head: bytes) -> str | None:
    """The head of the file as text, or None when it looks binary."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("replace").decode(head[len(bom) :])
    if b"\0" in head:
        # Excel's "Unicode Text" export is UTF-16 and may lack a BOM: every other byte is 0.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.8 * len(odd):
            return head[: len(head) // 2 * 2].decode("utf-16-le", "replace")
        if even.count(0) > 0.8 * len(even):
            return head[: len(head) // 2 * 2].decode("utf-16-be", "replace")
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")("strict").decode(head)
    except UnicodeDecodeError:
        text = head.decode("cp1252", "replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return None if controls > 0.02 * max(len(text), 1) else text


def classify_other(head: bytes) -> Problem:
    """Name a non-zip, non-OLE file from its first bytes."""
    if head.startswith(b"%PDF"):
        return P.NOT_A_WORKBOOK.problem(detail="it is a PDF document")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return P.NOT_A_WORKBOOK.problem(detail="it is a picture")
    if head.startswith(b"{\\rtf"):
        return P.NOT_A_WORKBOOK.problem(detail="it is a Rich Text (RTF) document")
    if head.startswith(b"PK"):
        return P.CORRUPT_FILE.problem(detail="the start of the file is missing or damaged")
    text = _decode_text(head)
    if text is None:
        return P.NOT_A_WORKBOOK.problem(detail="its contents are not in any format we recognise")
    low = text[:8192].lstrip("\ufeff \t\r\n").lower()
    if low.startswith("mime-version:") or "content-type: multipart/related" in low[:2048]:
        return P.HTML_FILE.problem()  # "Single File Web Page" (.mht) that Excel can save
    if "urn:schemas-microsoft-com:office:spreadsheet" in low or 'progid="excel.sheet"' in low:
        return P.NOT_A_WORKBOOK.problem(
            detail="it is an 'XML Spreadsheet 2003' file; save it as Excel Workbook (*.xlsx)"
        )
    if _HTML_RE.search(low):
        return P.HTML_FILE.problem()
    if low.startswith("<"):
        return P.NOT_A_WORKBOOK.problem(detail="it is an XML document")
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    delimited = sum(1 for line in lines if any(sep in line for sep in ",;\t"))
    if lines and delimited * 2 >= len(lines):
        return P.CSV_FILE.problem()
    return P.NOT_A_WORKBOOK.problem(detail="it is a plain text file")


def other_zip_format(zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo]) -> Problem | None:
    """What a zip package is when it is not an .xlsx: OpenDocument, .xlsb, Word..."""
    lower = {name.lower() for name in by_name}
    if "mimetype" in by_name:
        with zf.open(by_name["mimetype"]) as stream:
            kind = stream.read(200)
        if kind.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return P.ODS_FILE.problem()
        if kind.startswith(b"application/vnd.oasis.opendocument"):
            return P.NOT_A_WORKBOOK.problem(
                detail="it is an OpenDocument file, but not a spreadsheet"
            )
    if "content.xml" in by_name and "META-INF/manifest.xml" in by_name:
        return P.ODS_FILE.problem()
    if "xl/workbook.bin" in lower:
        return P.BINARY_XLSB.problem()
    if "word/document.xml" in lower:
        return P.NOT_A_WORKBOOK.problem(detail="it is a Word document")
    if "ppt/presentation.xml" in lower:
        return P.NOT_A_WORKBOOK.problem(detail="it is a PowerPoint presentation")
    if not any(name.startswith("xl/") for name in lower):
        return P.NOT_A_WORKBOOK.problem(detail="it is a zip archive of other files")
    return None
