"""Tests of the Excel stand-in (``helpers.remote_book``): the remote book mirrors the workbook
and the replay applies what the ribbon wrote."""

from __future__ import annotations

import pytest
from helpers.remote_book import MASTER, Formula, Replay, Text, remote_book
from openpyxl import load_workbook


@pytest.fixture(autouse=True)
def _remote_engine_licence(monkeypatch):
    # xlwings' remote engine is free for non-commercial use with this key.
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")


def test_remote_book_mirrors_the_workbook():
    book = remote_book(MASTER, name="NI179_master.xlsx")
    wb = load_workbook(MASTER)
    assert [s.name for s in book.sheets] == wb.sheetnames
    assert book.app.engine.name == "remote"
    assert book.names("ni179_round").refers_to_range.value == wb["Settings"]["B6"].value
    assert book.sheets["VFM scores"]["B5"].value == wb["VFM scores"]["B5"].value


def test_replay_applies_writes_and_keeps_formula_like_text_as_text():
    book = remote_book(MASTER, name="NI179_master.xlsx", ni179_workspace="/somewhere")
    assert book.names("ni179_workspace").refers_to_range.value == "/somewhere"
    sheet = book.sheets.add("Scratch", after=book.sheets[len(book.sheets) - 1])
    sheet["B2"].value = [["'=HYPERLINK(1)", "=1+1", 3]]
    sheet["B2"].color = "#FF0000"
    book.app.alert("hello", title="NI 179")
    replay = Replay.of(book)
    assert replay.order[-1] == "Scratch"
    assert replay.value("Scratch", "B2") == Text("=HYPERLINK(1)")
    assert replay.value("Scratch", "C2") == Formula("=1+1")
    assert replay.value("Scratch", "D2") == 3
    assert replay.colors["Scratch"][(2, 2)] == "#FF0000"
    assert replay.alerts == [{"prompt": "hello", "title": "NI 179", "buttons": "ok", "mode": ""}]
