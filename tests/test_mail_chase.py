"""Chasers for the demo scenario: seven returns in, six partners chased."""

from __future__ import annotations

import email
import email.policy

import pytest
from click.testing import CliRunner
from helpers.mailservers import SmtpSink

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.demo.data import demo_returns
from xl_ni179.mail import draft_chasers
from xl_ni179.mail.__main__ import mail_main
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template, template_filename
from xl_ni179.template.fill import fill_workbook

pytestmark = pytest.mark.slow

ROUND = "2008-09-review"
MISSING = {"BLABY", "CHARN", "HARB", "FIRE", "CITYPCT", "COUNTYPCT"}  # as in the review paper


@pytest.fixture
def demo_ws(tmp_path) -> Workspace:
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    rnd = p.round(ROUND)
    for code, values in demo_returns(p, rnd).items():
        template = tmp_path / f"{code}-template.xlsx"
        template.write_bytes(build_template(p, code, rnd))
        book = fill_workbook(p, template, values, tmp_path / f"{code}.xlsx")
        assert (
            ws.receive(book, sender=p.organisation(code).emails[0], source="mail").outcome
            == "accepted"
        )
    return ws


def missing_codes(ws: Workspace) -> set[str]:
    return {s.code for s in ws.status(ROUND) if s.state == "missing"}


def test_drafts_for_the_six_missing(demo_ws, tmp_path):
    ws, p = demo_ws, demo_ws.partnership
    missing = missing_codes(ws)
    assert missing == MISSING
    paths = draft_chasers(ws, ROUND, tmp_path / "drafts")
    assert len(paths) == 6
    seen = set()
    for path in paths:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        org = p.organisation_for_email(msg["To"])
        seen.add(org.code)
        assert msg["To"] == org.emails[0] and msg["From"] == p.consolidator_email
        assert "Efficiency - 2008/09 review" in msg["Subject"] and "15 May 2009" in msg["Subject"]
        assert msg["Auto-Submitted"] == "auto-generated"
        body = msg.get_body(("plain",)).get_content()
        assert "not yet received" in body and org.name in body
        [attachment] = msg.iter_attachments()
        assert attachment.get_filename() == template_filename(org.code, ROUND)
        assert attachment.get_content()[:2] == b"PK"
    assert seen == missing
    assert {s.code for s in ws.status(ROUND) if s.last_chased} == missing


def test_chase_command_drafts_then_sends(demo_ws):
    ws = demo_ws
    missing = missing_codes(ws)
    runner = CliRunner()
    result = runner.invoke(mail_main, ["--workspace", str(ws.path), "chase", "--round", ROUND])
    assert result.exit_code == 0, result.output
    assert "Wrote 6 chaser draft(s)" in result.output
    assert len(list((ws.path / "chasers" / ROUND).glob("*.eml"))) == 6
    sink = SmtpSink()
    try:
        result = runner.invoke(
            mail_main,
            ["--workspace", str(ws.path), "chase", "--round", ROUND, "--send", "--smtp", sink.url],
        )
        assert result.exit_code == 0, result.output
        assert "Sent 6 chaser(s)" in result.output
        got = {ws.partnership.organisation_for_email(m["To"]).code for m in sink.messages}
        assert len(sink.messages) == 6 and got == missing
        assert all(rcpts == [m["To"]] for rcpts, m in sink.received)
    finally:
        sink.stop()
    status = {s.code: s for s in ws.status(ROUND)}
    assert all(status[c].last_chased is not None for c in missing)
    assert all(status[c].last_chased is None for c in status if c not in missing)


def test_rejected_partner_gets_their_checked_workbook(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    rnd = p.round(ROUND)
    values = demo_returns(p, rnd)["HINCK"]
    values["rag_commentary_2009_10"] = None
    template = tmp_path / "t.xlsx"
    template.write_bytes(build_template(p, "HINCK", rnd))
    book = fill_workbook(p, template, values, tmp_path / "HINCK.xlsx")
    assert ws.receive(book, sender=p.organisation("HINCK").emails[0]).outcome == "rejected"
    paths = {path.name: path for path in draft_chasers(ws, ROUND, tmp_path / "drafts")}
    assert len(paths) == 13
    msg = email.message_from_bytes(
        paths[f"chaser_HINCK_{ROUND}.eml"].read_bytes(), policy=email.policy.default
    )
    assert "corrections needed" in msg["Subject"]
    assert "What to do" in msg.get_body(("plain",)).get_content()
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        f"NI179_HINCK_{ROUND}_checked.xlsx"
    ]
