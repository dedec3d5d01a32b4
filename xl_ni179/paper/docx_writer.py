"""The paper as an editable Word document (python-docx): real headings, lists and tables."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

from xl_ni179.paper.content import Block, is_number

GREY = RGBColor(0x59, 0x59, 0x59)


def write_docx(blocks: list[Block], out: Path) -> Path:
    doc = Document()
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(11)
    for block in blocks:
        _block(doc, block)
    doc.core_properties.title = next((b.text for b in blocks if b.kind == "title"), "")
    doc.save(str(out))
    return out


def _block(doc: DocxDocument, block: Block) -> None:
    kind = block.kind
    if kind == "title":
        doc.add_heading(block.text.upper(), level=0)
    elif kind == "meta":
        doc.add_paragraph().add_run(block.text.upper()).bold = True
    elif kind == "heading":
        doc.add_heading(block.text, level=1)
    elif kind == "subheading":
        doc.add_heading(block.text, level=2)
    elif kind in ("para", "plain"):
        doc.add_paragraph(block.numbered_text)
    elif kind == "bullets":
        for item in block.items:
            doc.add_paragraph(item, style="List Bullet")
    elif kind == "table":
        _table(doc, block.rows)
    elif kind in ("note", "placeholder"):
        run = doc.add_paragraph().add_run(block.text)
        run.italic = True
        run.font.color.rgb = GREY
    else:
        raise ValueError(f"unknown paper block {kind!r}")


def _table(doc: DocxDocument, rows: list[list[str]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = value
            para = cell.paragraphs[0]
            if r == 0:
                for run in para.runs:
                    run.bold = True
            elif c > 0 and is_number(value):
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph()
