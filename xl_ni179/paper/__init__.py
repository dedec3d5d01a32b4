"""The progress paper for the treasurers' group, as an editable Word document and as HTML."""

from __future__ import annotations

from pathlib import Path

from xl_ni179.consolidate.summary import Summary
from xl_ni179.paper.content import Block, build_paper
from xl_ni179.paper.docx_writer import write_docx
from xl_ni179.paper.html_writer import render_html, write_html
from xl_ni179.partnership import Partnership


def paper_stem(summary: Summary) -> str:
    return f"ni179-paper-{summary.round.id}"


def write_paper(summary: Summary, p: Partnership, out_dir: Path) -> list[Path]:
    """Write ``<stem>.docx`` and ``<stem>.html`` into ``out_dir``; returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    blocks = build_paper(summary, p)
    stem = paper_stem(summary)
    return [
        write_docx(blocks, out_dir / f"{stem}.docx"),
        write_html(blocks, out_dir / f"{stem}.html"),
    ]


__all__ = ["Block", "build_paper", "paper_stem", "render_html", "write_paper"]
