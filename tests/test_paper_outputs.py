"""The progress paper: an editable Word document and HTML, following the review paper."""

from __future__ import annotations

import dataclasses
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from helpers.consolidate_seed import (
    SEED_RAG,
    make_return,
    seed_partnership,
    seed_returns,
    statuses_for,
)

from xl_ni179.consolidate import build_summary
from xl_ni179.paper import write_paper

RAG_ROWS = [
    ["Year", "Green", "Amber", "Red", "Not rated"],
    *[
        [y, *[str(c[k]) for k in ("Green", "Amber", "Red", "Not rated")]]
        for y, c in SEED_RAG.items()
    ],
]
VFM_ROWS = [["Score", "Number of organisations"], ["4", "1"], ["3", "6"], ["2", "6"], ["1", "0"]]
HEADINGS = ["Purpose", "Background", "Progress", "Specific projects", "Conclusions", "Next steps"]


class _Tables(HTMLParser):
    """Collects the text of every table cell, and all visible text, from an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.text: list[str] = []
        self.cell: list[str] | None = None
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "style":
            self.in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self.cell or []))
            self.cell = None
        elif tag == "style":
            self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if not self.in_style:
            self.text.append(data)


def _paper(tmp_path: Path, p=None, returns=None, statuses=None):
    seed_p, rnd = seed_partnership()
    p = p or seed_p
    returns = seed_returns(p, rnd) if returns is None else returns
    statuses = statuses if statuses is not None else statuses_for(p, set(returns))
    summary = build_summary(p, rnd, statuses, returns, as_of=dt.date(2009, 5, 29))
    docx_path, html_path = write_paper(summary, p, tmp_path)
    doc = Document(str(docx_path))
    parser = _Tables()
    parser.feed(html_path.read_text("utf-8"))
    html_text = " ".join("".join(parser.text).split())
    doc_text = "\n".join(para.text for para in doc.paragraphs)
    return doc, doc_text, parser.tables, html_text, html_path.read_text("utf-8")


def _docx_tables(doc) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def test_word_paper_has_the_review_structure_and_tables(tmp_path) -> None:
    doc, text, _tables, _html_text, _raw = _paper(tmp_path)
    assert doc.paragraphs[0].style.name == "Title"
    assert "2008/09 REVIEW" in doc.paragraphs[0].text
    assert "LALAT" in text and "29 MAY 2009" in text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == HEADINGS
    tables = _docx_tables(doc)
    assert RAG_ROWS in tables
    assert VFM_ROWS in tables
    assert [
        ["Score", "Projected number of organisations"],
        ["4", "0"],
        ["3", "1"],
        ["2", "6"],
        ["1", "6"],
    ] in tables
    assert (
        "Returns were not received from: Blaby, Charnwood, Harborough, Fire Authority, "
        "City PCT, County PCT." in text
    )
    assert "Returns have been received from: County Council, City Council" in text
    assert "(c£70.0m) in 2008/09 is likely to be achieved across the MAA" in text
    assert "7 of 13 organisations" in text  # the coverage the figure rests on
    assert "9.4%" in text and "2011/12" in text
    assert "Five of the seven districts" not in text  # five are at 2, two at 3 or above
    assert "Two of the seven districts" in text and "five are at level 2" in text
    for project in (
        "Winter maintenance",
        "Passenger transport",
        "Legal",
        "Fleet",
        "Revenues and benefits",
        "Land charges",
        "Building control",
    ):
        assert any(row[0].startswith(project) for t in tables for row in t), project
    assert "£100,000" in text and "£30,000" in text


def test_html_paper_has_the_same_tables(tmp_path) -> None:
    _doc, _text, tables, html_text, raw = _paper(tmp_path)
    assert RAG_ROWS in tables
    assert VFM_ROWS in tables
    assert raw.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in raw
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in raw
    assert "Returns were not received from: Blaby, Charnwood" in html_text


def test_html_escapes_every_piece_of_text(tmp_path) -> None:
    p, rnd = seed_partnership()
    orgs = tuple(
        dataclasses.replace(o, short_name="Blaby <script>alert(1)</script> & Co")
        if o.code == "BLABY"
        else o
        for o in p.organisations
    )
    p = dataclasses.replace(p, organisations=orgs, group='Treasurers <LALAT> & "friends"')
    _doc, text, _tables, html_text, raw = _paper(tmp_path, p=p)
    assert "<script>" not in raw and "<LALAT>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in raw
    assert "Blaby <script>alert(1)</script> & Co" in html_text  # reads back as the real name
    assert 'TREASURERS <LALAT> & "FRIENDS"' in text  # Word keeps the text as typed


@pytest.mark.slow
def test_wording_follows_the_numbers(tmp_path) -> None:
    p, rnd = seed_partnership()
    low = {
        code: make_return(p, rnd, code, (1.0, 2.0, 3.0, 4.0), ("Red", "Red", "Red"))
        for code in ("LCC", "POLICE")
    }
    _doc, text, _t, _h, _r = _paper(tmp_path / "low", returns=low)
    assert "in 2008/09 is at risk across the MAA" in text
    everyone = {
        o.code: make_return(p, rnd, o.code, (3.5, 6.5, 9.5, 12.0), ("Green",) * 3)
        for o in p.organisations
    }
    _doc, text, _t, _h, _r = _paper(tmp_path / "all", returns=everyone)
    assert "in 2008/09 has been achieved across the MAA" in text
    assert "This is based on all 13 organisations" in text
    _doc, text, _t, _h, _r = _paper(tmp_path / "none", returns={})
    assert "cannot yet be assessed" in text


@pytest.mark.parametrize("placeholder_after", ["Conclusions", "Next steps"])
def test_conclusions_and_next_steps_are_left_for_the_author(tmp_path, placeholder_after) -> None:
    doc, _text, _t, _h, _r = _paper(tmp_path)
    paras = doc.paragraphs
    index = next(i for i, p in enumerate(paras) if p.text == placeholder_after)
    assert paras[index + 1].text.startswith("[For the author to complete.]")


def test_figures_too_large_for_a_number_never_reach_the_json_or_the_paper(tmp_path) -> None:
    """Defence in depth behind money-out-of-range (found in review: two gross gains of 9.9e307
    made summary.json hold Infinity 60 times, which is not JSON, and the paper read '£infm').
    Should such figures ever be counted, the summary is still valid JSON (null where there is
    no finite figure) and the paper prints no 'inf' or 'nan'."""
    import json
    import re

    p, rnd = seed_partnership()
    returns = seed_returns(p, rnd)
    returns["MELTON"].update(
        {
            "gains_procurement_2008_09": 9.9e307,
            "gains_back_office_2008_09": 9.9e307,
            "project_savings_fleet": float("inf"),
        }
    )
    summary = build_summary(
        p, rnd, statuses_for(p, set(returns)), returns, as_of=dt.date(2009, 5, 29)
    )
    text = json.dumps(summary.to_json(), allow_nan=False)  # raises on NaN or Infinity
    assert "null" in text
    _doc, doc_text, tables, html_text, _raw = _paper(tmp_path, returns=returns)
    shown = " ".join([doc_text, html_text, *(c for t in tables for row in t for c in row)])
    assert not re.search(r"\binf(inity)?\b|\bnan\b|£inf", shown, re.IGNORECASE)
