"""The intake behind the mail software a council really runs (issue 18): delivery and replies.

Postfix, OpenDKIM, OpenDMARC, policyd-spf, dnsmasq and Dovecot run in the test's own network
namespace (``helpers.mailstack``); messages are written by mutt, mpack and swaks, signed by
the partners' own Postfix and OpenDKIM, received by ours, delivered into Dovecot by LMTP,
and read over IMAP by ``ni179 intake`` running as a process of its own. Every verdict
below is on headers the real software wrote, never on headers a test composed for it.

This module holds genuine partners' returns (accepted, or answered with what to fix), a
mail server set up wrongly (reported loudly), and the size limit; forged senders are in
``test_mail_stack_forged.py``. What both use is in ``helpers.mailstack_intake``.
"""

from __future__ import annotations

import email.utils
import json
import os
import subprocess
from email.message import EmailMessage

import pytest
from helpers.mailservers import XLSX
from helpers.mailstack import parse
from helpers.mailstack_intake import (
    BLABY,
    BODY,
    CONSOLIDATOR,
    HINCKLEY,
    LCC,
    MELTON,
    ROUND,
    assert_documented,
    intake,
    ledger,
    new_box,
    results,
    status,
    text_of,
    to_consolidator,
    to_partners,
)
from helpers.mailstack_network import AUTHSERV, DOMAIN, MX, OUTSIDE
from helpers.remote_book import MASTER, Replay, Text, remote_book

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.consolidate.names import RETURNS_STATUS
from xl_ni179.mail.trust import (
    MISCONFIGURED,
    NO_DMARC,
)

pytestmark = [pytest.mark.slow, pytest.mark.real_component]


# -- genuine partners ----------------------------------------------------------------------------


def test_genuine_signed_returns_are_accepted_or_answered_with_what_to_fix(stack, ws, books, smtp):
    """Melton's finance officer sends two returns with mutt through Melton's own server, which
    signs them: the good one is accepted, the one with an error is answered with what to fix."""
    box = new_box()
    stack.mutt(MELTON, f"{box}@{DOMAIN}", "NI 179 return", BODY, [books["MELTON"]])
    stack.mutt(MELTON, f"{box}@{DOMAIN}", "NI 179 return (second try)", BODY, [books["MELTON-bad"]])
    raws = stack.wait_delivered(box, 2)
    assert results(raws[0]) == [
        "mx.county.example.org; dmarc=pass (p=reject dis=none) header.from=melton.example.org",
        results(raws[0])[1],
        results(raws[0])[2],
    ]
    assert results(raws[0])[1].startswith(
        "mx.county.example.org; dkim=pass (2048-bit key; unprotected) "
        "header.d=melton.example.org header.i=@melton.example.org"
    )
    assert results(raws[0])[2].startswith(
        "Pass (mailfrom) identity=mailfrom; client-ip=127.0.20.1;"
    )
    assert_documented(raws[0], "genuine")
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0 and "Intake: 1 accepted, 1 rejected." in done.stdout, done.stderr
    replies = {m["Subject"].strip(): m for m in to_partners(smtp)}
    accepted = replies["Re: NI 179 return [accepted]"]
    assert accepted["To"] == MELTON and accepted["Cc"] == CONSOLIDATOR
    assert "has been accepted as version 1" in text_of(accepted)
    rejected = replies.get(
        "Re: NI 179 return (second try) [NOT accepted - please correct and resend]"
    )
    assert rejected is not None, ([(m["Subject"], m["To"]) for m in smtp.messages], done.stdout)
    assert "could not be accepted" in text_of(rejected) and "about 40" in text_of(rejected)
    assert to_consolidator(smtp) == []  # nothing held back, nothing to report
    assert [s.state for s in ws.status(ROUND) if s.code == "MELTON"] == ["accepted"]
    assert (
        stack.folder(box, "Processed") and stack.folder(box, "Rejected") and stack.inbox(box) == []
    )


def test_non_ascii_attachment_names_written_by_real_clients(stack, ws, books, smtp, tmp_path):
    """mutt writes a non-ASCII file name as RFC 2231 parameter continuations; mpack writes the
    raw UTF-8 bytes. Each return is accepted under the name the officer gave it."""
    box = new_box()
    named = tmp_path / "Rückmeldung Melton 2008–09 (endgültig).xlsx"
    named.write_bytes(books["MELTON"].read_bytes())
    stack.mutt(MELTON, f"{box}@{DOMAIN}", "NI 179 return", BODY, [named])
    packed = tmp_path / "mpack.eml"
    lcc_named = tmp_path / "Leicestershire return ½.xlsx"
    lcc_named.write_bytes(books["LCC"].read_bytes())
    subprocess.run(
        [
            "mpack",
            "-s",
            "Leicestershire NI 179 return",
            "-c",
            XLSX,
            "-o",
            str(packed),
            str(lcc_named),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    head = (
        f"From: {LCC}\r\nTo: {box}@{DOMAIN}\r\nDate: {email.utils.formatdate()}\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='leicestershire-cc.example.org')}\r\n"
    ).encode()
    stack.submit_file(head + packed.read_bytes(), LCC, f"{box}@{DOMAIN}")
    raws = stack.wait_delivered(box, 2)
    joined = b"".join(raws)
    # mutt: RFC 2231 continuations, a UTF-8 sequence split between two of them (%C3 | %BC)
    assert b"filename*0*=utf-8''R%C3%BCckmeldung%20Melton%202008%E2%80%9309%20%28endg%C3;" in joined
    assert b"filename*1*=%BCltig%29%2Exlsx" in joined
    # mpack: the UTF-8 bytes as they are, in a quoted parameter (RFC 6532 style)
    assert 'filename="Leicestershire return ½.xlsx"'.encode() in joined
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0, done.stderr
    assert "Intake: 2 accepted." in done.stdout
    names = sorted(s.original_name for s in ws.submissions())
    assert names == sorted(
        ["Rückmeldung Melton 2008–09 (endgültig).xlsx", "Leicestershire return ½.xlsx"]
    )
    texts = " ".join(text_of(m) for m in to_partners(smtp))
    assert "'Rückmeldung Melton 2008–09 (endgültig).xlsx'" in texts


def test_partners_without_a_dmarc_record(stack, ws, books, smtp):
    """Blaby publishes no DMARC record but signs its mail: accepted on the aligned DKIM pass, and
    answered. Hinckley neither publishes DMARC nor signs: nothing proves the From, so it is
    quarantined, and the consolidator is told (never dropped silently)."""
    box = new_box()
    stack.mutt(BLABY, f"{box}@{DOMAIN}", "Blaby NI 179 return", BODY, [books["BLABY"]])
    stack.mutt(HINCKLEY, f"{box}@{DOMAIN}", "Hinckley NI 179 return", BODY, [books["HINCK"]])
    raws = {parse(r)["Subject"]: r for r in stack.wait_delivered(box, 2)}
    assert (
        results(raws["Blaby NI 179 return"])[0]
        == f"{AUTHSERV}; dmarc=none (p=none dis=none) header.from=blaby.example.org"
    )
    assert results(raws["Hinckley NI 179 return"]) == [
        f"{AUTHSERV}; dmarc=none (p=none dis=none) header.from=hinckley-bosworth.example.org",
        results(raws["Hinckley NI 179 return"])[1],
    ]  # and policyd-spf's Pass: no DKIM result at all
    assert_documented(raws["Blaby NI 179 return"], "no DMARC record, signed")
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0 and "Intake: 1 accepted, 1 quarantine." in done.stdout
    (reply,) = to_partners(smtp)
    assert reply["To"] == BLABY and "accepted as version 1" in text_of(reply)
    (notice,) = to_consolidator(smtp)
    assert HINCKLEY in notice["Subject"] and "publishes no DMARC record" in text_of(notice)
    kinds = {row.sender: row.detail.get("kind") for row in ledger(ws)}
    assert kinds == {BLABY: None, HINCKLEY: NO_DMARC}


# -- a mail server set up wrongly ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "why"),
    [
        ("misordered", "a milter runs after OpenDMARC"),
        ("nodmarc", "reports no DMARC result"),
    ],
)
def test_misconfigured_server_is_reported_loudly(stack, ws, books, smtp, route, why):
    """Melton's genuine, signed return through our server with OpenDKIM after OpenDMARC (its
    dkim= header lands above the DMARC one), or without OpenDMARC. Every return would be
    quarantined: the intake says so on its own line with exit status 3, ``ni179 status`` leads
    with it, and the consolidator is sent a notice that says what to fix."""
    box = new_box()
    stack.mutt(MELTON, f"{box}+{route}@{DOMAIN}", "NI 179 return", BODY, [books["MELTON"]])
    (raw,) = stack.wait_delivered(box, 1)
    found = results(raw)
    if route == "misordered":
        assert found[0].startswith(
            f"{AUTHSERV}; dkim=pass (2048-bit key; unprotected) header.d=melton.example.org"
        )
        assert (
            found[1] == f"{AUTHSERV}; dmarc=pass (p=reject dis=none) header.from=melton.example.org"
        )
        assert_documented(raw, "milters in the wrong order")
    else:
        assert not [r for r in found if "dmarc=" in r]
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert (
        "MAIL SERVER MISCONFIGURED: 1 message(s) quarantined because" in done.stderr
        and why in done.stderr
    )
    assert ws.submissions() == [] and to_partners(smtp) == []
    (notice,) = to_consolidator(smtp)
    assert notice["Subject"] == "NI 179: MAIL SERVER MISCONFIGURED, returns quarantined"
    shown = status(ws)
    assert shown.stdout.splitlines()[0].startswith(
        "MAIL SERVER MISCONFIGURED: the intake quarantined mail on"
    )
    assert ledger(ws)[0].detail["kind"] == MISCONFIGURED
    as_json = json.loads(status(ws, "--json").stdout)
    assert as_json["mail_server_misconfigured"]["kind"] == MISCONFIGURED


def test_quarantine_is_on_the_ribbons_returns_status(stack, ws, books, smtp, monkeypatch, tmp_path):
    """The Returns status button shows the mail held in Quarantine below the table, with who
    sent it and why; the sender's text lands as text, never as a formula."""
    from xl_ni179.excel import ribbon

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings' remote engine
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    box = new_box()
    msg = EmailMessage()
    msg["To"], msg["Subject"] = f"{box}@{DOMAIN}", '=HYPERLINK("http://evil.example.net")'
    msg.set_content(BODY)
    stack.submit_file(
        b"From: =1+1 <finance@melton.example.org>\n" + msg.as_bytes(),
        "bad@evil.example.net",
        f"{box}@{DOMAIN}",
        via=MX,
        local=OUTSIDE,
    )
    stack.mutt(MELTON, f"{box}+misordered@{DOMAIN}", "NI 179 return", BODY, [books["MELTON"]])
    stack.wait_delivered(box, 2)
    assert intake(stack, ws, box, smtp).returncode == 3
    book = remote_book(
        MASTER, name="NI179_master.xlsx", ni179_workspace=str(ws.path), ni179_round=ROUND
    )
    assert ribbon.refresh_status(book) is True
    replay = Replay.of(book)
    texts = replay.texts(RETURNS_STATUS)
    assert any(
        t.startswith("MAIL SERVER MISCONFIGURED: the intake quarantined mail on") for t in texts
    )
    assert "Mail in Quarantine, not answered (2)" in texts
    cells = replay.cells[RETURNS_STATUS]
    assert Text("=1+1 <finance@melton.example.org>") in cells.values()
    assert Text('=HYPERLINK("http://evil.example.net")') in cells.values()
    assert replay.formulas(RETURNS_STATUS) == []
    assert "not authenticated" in texts and "MAIL SERVER MISCONFIGURED" in texts


def test_accepting_one_return_clears_the_misconfiguration_line(stack, ws, books, smtp):
    """Once the server is fixed and a return comes through, status no longer leads with the alarm;
    the quarantined message is still listed."""
    box = new_box()
    stack.mutt(MELTON, f"{box}+nodmarc@{DOMAIN}", "NI 179 return", BODY, [books["MELTON"]])
    stack.wait_delivered(box, 1)
    assert intake(stack, ws, box, smtp).returncode == 3
    assert status(ws).stdout.startswith("MAIL SERVER MISCONFIGURED")
    stack.mutt(MELTON, f"{box}@{DOMAIN}", "NI 179 return again", BODY, [books["MELTON"]])
    stack.wait_delivered(box, 1)
    assert intake(stack, ws, box, smtp).returncode == 0
    shown = status(ws).stdout
    assert (
        not shown.startswith("MAIL SERVER MISCONFIGURED")
        and "Mail in Quarantine, not answered (1)" in shown
    )


def test_postfix_takes_what_the_intake_answers_as_too_large(stack, ws, books, smtp):
    """Our default size limit (9.5 MB) sits below Postfix's default message_size_limit
    (10,240,000 bytes): a 9.6 MB message reaches the mailbox and its sender is told the limit."""
    box = new_box()
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = MELTON, f"{box}@{DOMAIN}", "Return with photos"
    big.set_content(BODY)
    big.add_attachment(
        books["MELTON"].read_bytes(),
        maintype="application",
        subtype=XLSX.split("/")[1],
        filename="NI179_MELTON.xlsx",
    )
    big.add_attachment(os.urandom(7_440_000), maintype="image", subtype="jpeg", filename="site.jpg")
    raw = big.as_bytes()
    assert 9.5 * 1024 * 1024 < len(raw) < 10_240_000
    stack.submit_file(raw, MELTON, f"{box}@{DOMAIN}")
    stack.wait_delivered(box, 1)
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0 and "Intake: 1 oversize." in done.stdout, done.stderr
    (reply,) = to_partners(smtp)
    assert "9.5 MB this mailbox accepts" in text_of(reply), text_of(reply)
