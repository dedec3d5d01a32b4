"""Mail intake against real servers on loopback: Dovecot (IMAP) and an aiosmtpd sink."""

from __future__ import annotations

import mailbox
import os
from collections import Counter
from pathlib import Path

import pytest
from helpers.mailservers import AUTHSERV, message, parse

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.demo.data import demo_returns
from xl_ni179.mail import ImapSource, MaildirSource, process
from xl_ni179.mail.classify import automatic_reason
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template
from xl_ni179.template.fill import fill_workbook

ROUND = "2008-09-review"
LIMIT = 1024 * 1024  # a small size limit keeps the oversized message quick to build


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, bytes]:
    """Filled returns: LCC and LCITY valid, HINCK with a data error (Amber without commentary)."""
    folder = tmp_path_factory.mktemp("books")
    ws = Workspace.init(folder / "ws")
    p = ws.partnership
    rnd = p.round(ROUND)
    data = demo_returns(p, rnd)
    data["HINCK"]["rag_commentary_2009_10"] = None
    out = {}
    for code in ("LCC", "LCITY", "HINCK"):
        template = folder / f"{code}-template.xlsx"
        template.write_bytes(build_template(p, code, rnd))
        out[code] = fill_workbook(p, template, data[code], folder / f"{code}.xlsx").read_bytes()
    return out


def email_of(ws: Workspace, code: str) -> str:
    return ws.partnership.organisation(code).emails[0]


def batch(ws: Workspace, books: dict[str, bytes]) -> dict[str, bytes]:
    """The mixed batch of the brief, by label."""
    to = ws.partnership.consolidator_email
    lcc = message(
        email_of(ws, "LCC"), to, "NI 179 return", attachments=[("Our return.xlsx", books["LCC"])]
    )
    return {
        "lcc": lcc,
        "lcity": message(
            email_of(ws, "LCITY"),
            to,
            "City return",
            attachments=[("NI179_LCITY_2008-09-review.xlsx", books["LCITY"])],
        ),
        "hinck": message(
            email_of(ws, "HINCK"),
            to,
            "Hinckley return",
            attachments=[("../../etc/passwd.xlsx", books["HINCK"])],
        ),
        "spoof": message(
            "finance@blaby.example.com", to, "Return", attachments=[("r.xlsx", books["LCC"])]
        ),
        "ooo": message(
            email_of(ws, "MELTON"),
            to,
            "Out of office",
            headers={"Auto-Submitted": "auto-replied"},
            body="I am away until Monday.",
        ),
        "empty": message(email_of(ws, "NWL"), to, "Our return", body="Here it is."),
        "lcc-again": lcc,  # the same message delivered twice
        "big": message(
            email_of(ws, "OADBY"),
            to,
            "Return",
            attachments=[("return.xlsx", books["LCITY"] + os.urandom(LIMIT))],
        ),
    }


def check_replies(ws: Workspace, replies: list, sent: dict[str, bytes]) -> dict[str, object]:
    """One reply for each answered message, To the sender and Cc the consolidator."""
    p = ws.partnership
    by_reply_to = {}
    for r in replies:
        assert r["Auto-Submitted"] == "auto-replied" and r["X-NI179-Reply"] == "1"
        assert r["Cc"] == p.consolidator_email and r["From"] == p.consolidator_email
        assert r["In-Reply-To"] not in by_reply_to, "answered twice"
        by_reply_to[r["In-Reply-To"]] = r
    wanted = {
        label: parse(raw)
        for label, raw in sent.items()
        if label in ("lcc", "lcity", "hinck", "empty", "big")
    }
    assert set(by_reply_to) == {m["Message-ID"] for m in wanted.values()}
    out = {}
    for label, original in wanted.items():
        reply = by_reply_to[original["Message-ID"]]
        assert reply["To"] == original["From"]
        assert {part.get_content_type() for part in reply.walk()} >= {"text/plain", "text/html"}
        out[label] = reply
    return out


def check_outcome(ws: Workspace, replies: dict, folders: dict[str, list]) -> None:
    assert {k: len(v) for k, v in folders.items()} == {
        "INBOX": 0,
        "Processed": 6,
        "Rejected": 1,
        "Quarantine": 1,
    }
    assert [m["From"] for m in folders["Quarantine"]] == ["finance@blaby.example.com"]
    assert "accepted" in replies["lcc"]["Subject"] and "accepted" in replies["lcity"]["Subject"]
    assert "Thank you" in replies["lcc"].get_body(("plain",)).get_content()
    rejected = replies["hinck"]
    assert "NOT accepted" in rejected["Subject"]
    text = rejected.get_body(("plain",)).get_content()
    assert "rag-commentary-missing" in text and "What to do" in text
    assert "<table" in rejected.get_body(("html",)).get_content()
    names = [a.get_filename() for a in rejected.iter_attachments()]
    assert names == ["NI179_HINCK_2008-09-review_checked.xlsx"]
    assert "no Excel workbook attached" in replies["empty"].get_body(("plain",)).get_content()
    assert "1 MB this mailbox accepts" in replies["big"].get_body(("plain",)).get_content()
    subs = ws.submissions()
    assert Counter((s.org_code, s.outcome) for s in subs) == {
        ("LCC", "accepted"): 1,
        ("LCITY", "accepted"): 1,
        ("HINCK", "rejected"): 1,
    }
    assert all(s.source == "mail" for s in subs)
    assert {s.original_name for s in subs} >= {"../../etc/passwd.xlsx"}  # kept as a label only
    assert [s.code for s in ws.status(ROUND) if s.state == "accepted"] == ["LCC", "LCITY"]


FOLDERS = ("INBOX", "Processed", "Rejected", "Quarantine")


@pytest.mark.slow
def test_imap_batch(dovecot, smtp, ws, books):
    user = dovecot.new_user()
    sent = batch(ws, books)
    dovecot.append(user, list(sent.values()))
    source = ImapSource(dovecot.url(user))
    try:
        result = process(ws, source, smtp.url, authserv_id=AUTHSERV, max_bytes=LIMIT)
    finally:
        source.close()
    assert not result.errors
    assert result.outcomes == {
        "accepted": 2,
        "rejected": 1,
        "quarantine": 1,
        "automatic": 1,
        "no-workbook": 1,
        "repeat": 1,
        "oversize": 1,
    }
    replies = check_replies(ws, smtp.messages, sent)
    check_outcome(ws, replies, {f: dovecot.folder(user, f) for f in FOLDERS})

    # Our own Cc copy landing in the inbox, and a second run, answer nobody.
    dovecot.append(user, [replies["lcc"].as_bytes()])
    source = ImapSource(dovecot.url(user))
    try:
        again = process(ws, source, smtp.url, authserv_id=AUTHSERV, max_bytes=LIMIT)
    finally:
        source.close()
    assert again.outcomes == {"own-reply": 1}
    assert len(smtp.messages) == 5
    assert len(dovecot.folder(user, "Processed")) == 7


def test_imap_copy_expunge_without_move(dovecot, smtp, ws, books):
    """Servers without MOVE (RFC 6851): COPY, flag and expunge just that message."""
    user = dovecot.new_user()
    sent = batch(ws, books)
    dovecot.append(user, [sent["lcc"], sent["hinck"]])
    source = ImapSource(dovecot.url(user))
    source.caps.discard("MOVE")
    try:
        result = process(ws, source, smtp.url, authserv_id=AUTHSERV)
    finally:
        source.close()
    assert result.outcomes == {"accepted": 1, "rejected": 1}
    assert [len(dovecot.folder(user, f)) for f in FOLDERS] == [0, 1, 1, 0]


def make_maildir(path: Path, messages: list[bytes]) -> mailbox.Maildir:
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    return box


def maildir_folders(box: mailbox.Maildir) -> dict[str, list]:
    out = {"INBOX": [parse(box.get_bytes(k)) for k in box.keys()]}
    for name in FOLDERS[1:]:
        sub = box.get_folder(name) if name in box.list_folders() else None
        out[name] = [parse(sub.get_bytes(k)) for k in sub.keys()] if sub is not None else []
    return out


@pytest.mark.slow
def test_maildir_batch(tmp_path, smtp, ws, books):
    sent = batch(ws, books)
    box = make_maildir(tmp_path / "Maildir", list(sent.values()))
    result = process(
        ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV, max_bytes=LIMIT
    )
    assert not result.errors and result.handled == 8
    replies = check_replies(ws, smtp.messages, sent)
    check_outcome(ws, replies, maildir_folders(box))
    assert (tmp_path / "Maildir" / ".Rejected" / "maildirfolder").exists()  # Maildir++ layout
    assert (
        process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV).handled
        == 0
    )
    assert len(smtp.messages) == 5


def test_what_to_send_replies(tmp_path, smtp, ws, books):
    """Several workbooks, a zip, an .xls and a DMARC failure each get the right handling."""
    to = ws.partnership.consolidator_email
    lcc, nwl = email_of(ws, "LCC"), email_of(ws, "NWL")
    msgs = [
        message(lcc, to, "Two", attachments=[("a.xlsx", books["LCC"]), ("b.xlsx", books["LCITY"])]),
        message(lcc, to, "Zip", attachments=[("return.zip", b"PK\x03\x04zip")]),
        message(nwl, to, "Old", attachments=[("return.xls", b"\xd0\xcf\x11\xe0old")]),
        message(nwl, to, "Forged", attachments=[("r.xlsx", books["LCC"])], auth="fail"),
    ]
    box = make_maildir(tmp_path / "Maildir", msgs)
    result = process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    assert result.outcomes == {
        "several-workbooks": 1,
        "zipped": 1,
        "wrong-format": 1,
        "quarantine": 1,
    }
    texts = {m["Subject"]: m.get_body(("plain",)).get_content() for m in smtp.messages}
    assert "one return per message" in texts["Re: Two [please send one return per message]"]
    assert "not a zip file" in texts["Re: Zip [zipped attachment]"]
    assert "Excel Workbook (*.xlsx)" in texts["Re: Old [workbook in the wrong format]"]
    assert len(texts) == 4 and ws.submissions() == []
    # the DMARC failure: no reply to the sender, a notice to the consolidator only
    (notice,) = [m for m in smtp.messages if "quarantined" in m["Subject"]]
    assert notice["To"] == to and notice["Cc"] is None and nwl in notice["Subject"]
    assert len(maildir_folders(box)["Quarantine"]) == 1


def test_smtp_down_leaves_message_for_next_run(tmp_path, smtp, ws, books):
    """A stored return whose reply could not be sent is answered (once) on the next run."""
    msg = message(
        email_of(ws, "LCC"),
        ws.partnership.consolidator_email,
        "R",
        attachments=[("r.xlsx", books["LCC"])],
    )
    box = make_maildir(tmp_path / "Maildir", [msg])
    from helpers.mailservers import free_port

    first = process(
        ws,
        MaildirSource(tmp_path / "Maildir"),
        f"smtp://127.0.0.1:{free_port()}",
        authserv_id=AUTHSERV,
    )
    assert first.errors and len(box.keys()) == 1
    second = process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    assert second.outcomes == {"accepted": 1} and len(smtp.messages) == 1
    assert len(ws.submissions()) == 1


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ({"Auto-Submitted": "auto-generated"}, True),
        ({"Auto-Submitted": "no"}, False),
        ({"Return-Path": "<>"}, True),
        ({"Precedence": "bulk"}, True),
        ({"Precedence": "list"}, True),
        ({"List-Id": "<x.example.org>"}, True),
        ({"X-Autoreply": "yes"}, True),
        ({"X-Autorespond": "yes"}, True),
        ({"X-NI179-Reply": "1"}, True),
        ({}, False),
    ],
)
def test_automatic_mail(headers, automatic):
    msg = parse(message("finance@melton.example.org", "x@example.org", "S", headers=headers))
    assert (automatic_reason(msg) is not None) is automatic


class CrashAfterMove(MaildirSource):
    """Dies (like a kill) after the message is moved but before the ledger records it."""

    def move(self, ref, folder):
        super().move(ref, folder)
        raise RuntimeError("killed")


def test_crash_after_move_is_reconciled(tmp_path, smtp, ws, books):
    msg = message(
        email_of(ws, "LCC"),
        ws.partnership.consolidator_email,
        "R",
        attachments=[("r.xlsx", books["LCC"])],
    )
    box = make_maildir(tmp_path / "Maildir", [msg])
    first = process(ws, CrashAfterMove(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    assert first.errors and box.keys() == []
    with ws.session() as s:
        assert [r.step for r in s.query(MailMessage)] == ["replied"]
    assert (
        process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV).handled
        == 0
    )
    with ws.session() as s:
        assert [r.step for r in s.query(MailMessage)] == ["moved"]
    assert len(smtp.messages) == 1 and len(ws.submissions()) == 1


@pytest.mark.slow
def test_crash_after_store_adopts_the_submission(tmp_path, smtp, ws, books, monkeypatch):
    """Killed between ws.receive and the ledger update: the next run must not receive again
    (that would record a duplicate and answer 'already received')."""
    from xl_ni179.mail.ledger import Ledger

    msg = message(
        email_of(ws, "LCC"),
        ws.partnership.consolidator_email,
        "R",
        attachments=[("r.xlsx", books["LCC"])],
    )
    make_maildir(tmp_path / "Maildir", [msg])
    real = Ledger.update

    def dying_update(self, row, **changes):
        if changes.get("step") == "received":
            raise RuntimeError("killed")
        real(self, row, **changes)

    monkeypatch.setattr(Ledger, "update", dying_update)
    assert process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV).errors
    monkeypatch.setattr(Ledger, "update", real)
    again = process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    assert again.outcomes == {"accepted": 1}
    assert [s.outcome for s in ws.submissions()] == ["accepted"]
    assert len(smtp.messages) == 1 and "accepted" in smtp.messages[0]["Subject"]
