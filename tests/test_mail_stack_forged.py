"""The intake behind the mail software a council really runs (issue 18): strangers and forgers.

Postfix, OpenDKIM, OpenDMARC, policyd-spf, dnsmasq and Dovecot run in the test's own network
namespace (``helpers.mailstack``); messages are written by mutt, mpack and swaks, signed by
the partners' own Postfix and OpenDKIM, received by ours, delivered into Dovecot by LMTP,
and read over IMAP by ``ni179 intake`` running as a process of its own. Every verdict
below is on headers the real software wrote, never on headers a test composed for it.

This module holds forged senders: a partner's address from an outside host, forged
Authentication-Results and Received-SPF headers, and a body changed after signing; genuine
partners' mail is in ``test_mail_stack_delivery.py``. What both use is in
``helpers.mailstack_intake``.
"""

from __future__ import annotations

import email.utils
import json
from email.message import EmailMessage

import pytest
from helpers.mailservers import XLSX
from helpers.mailstack import parse
from helpers.mailstack_intake import (
    BODY,
    CHARNWOOD,
    HARBOROUGH,
    assert_documented,
    intake,
    ledger,
    new_box,
    ours_and_below,
    results,
    status,
    text_of,
    to_consolidator,
    to_partners,
)
from helpers.mailstack_network import AUTHSERV, DOMAIN, MX, MX_STRIP, OUTSIDE

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.mail.trust import (
    ALTERED,
    FORGED,
    NOT_AUTHENTICATED,
)

pytestmark = [pytest.mark.slow, pytest.mark.real_component]


# -- strangers and forgers -----------------------------------------------------------------------


def test_forged_from_from_an_outside_host(stack, ws, books, smtp):
    """An outside host (its own domain passes SPF) writes Melton's address in From, with a display
    name built to show up as a formula and to recolour a terminal. Not stored, Melton not told,
    the consolidator told, and the sender's text shown escaped wherever it appears."""
    box = new_box()
    msg = EmailMessage()
    msg["To"], msg["Subject"] = f"{box}@{DOMAIN}", "Melton return (revised)"
    msg["Message-ID"] = email.utils.make_msgid(domain="evil.example.net")
    msg.set_content(BODY)
    msg.add_attachment(
        books["MELTON-bad"].read_bytes(),
        maintype="application",
        subtype=XLSX.split("/")[1],
        filename="NI179_MELTON.xlsx",
    )
    hostile = b'From: =HYPERLINK("http://evil.example.net") \x1b[31mFinance <finance@melton.example.org>\n'
    stack.submit_file(
        hostile + msg.as_bytes(), "bad@evil.example.net", f"{box}@{DOMAIN}", via=MX, local=OUTSIDE
    )
    (delivered,) = stack.wait_delivered(box, 1)
    # OpenDKIM gives up on such a From, and OpenDMARC writes no result at all
    assert results(delivered)[0] == f"{AUTHSERV}; dkim=permerror (bad message/signature format)"
    assert not [r for r in results(delivered) if "dmarc=" in r]
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0 and "Intake: 1 quarantine." in done.stdout
    assert ws.submissions() == [] and to_partners(smtp) == []
    (notice,) = to_consolidator(smtp)
    assert "finance@melton.example.org" in notice["Subject"] and "\x1b" not in notice.as_string()
    (row,) = ledger(ws)
    assert row.detail["kind"] == NOT_AUTHENTICATED  # not a misconfiguration: the sender's own doing
    assert row.detail["reason"] == "the From header holds control characters"
    assert (
        row.detail["from"]
        == '=HYPERLINK("http://evil.example.net") \\x1b[31mFinance <finance@melton.example.org>'
    )
    shown = status(ws)
    assert "\x1b" not in shown.stdout and "Mail in Quarantine, not answered (1)" in shown.stdout
    assert "\\x1b[31mFinance <finance@melton.example.org>  [not authenticated]" in shown.stdout
    assert stack.folder(box, "Quarantine") and stack.inbox(box) == []


# No dkim= result in it: OpenDKIM deletes a header in its own name that holds one ("with a
# DKIM result" below), and keeps the rest.
FORGED_VALUE = (
    "spf=pass smtp.mailfrom=charnwood.example.org; dmarc=pass header.from=charnwood.example.org"
)
# Every spelling of our server's name a forger might try on a header filter (issue 18, item 2).
SPELLINGS = {
    "plain": f"Authentication-Results: {AUTHSERV}; {FORGED_VALUE}",
    "relayed": f"Authentication-Results: (relayed) {AUTHSERV}; {FORGED_VALUE}",
    "folded": f"Authentication-Results:\r\n\t{AUTHSERV};\r\n\t{FORGED_VALUE}",
    "case": f"AUTHENTICATION-RESULTS: MX.County.Example.ORG; {FORGED_VALUE}",
    "comments": f"Authentication-Results: (checked) (twice) {AUTHSERV} (ours); {FORGED_VALUE}",
    "trailing spaces": f"Authentication-Results: {AUTHSERV}    ; {FORGED_VALUE}   ",
    "leading whitespace": f"Authentication-Results:  \t  {AUTHSERV}; {FORGED_VALUE}",
    "version": f"Authentication-Results: {AUTHSERV} 1; {FORGED_VALUE}",
    "trailing dot": f"Authentication-Results: {AUTHSERV}.; {FORGED_VALUE}",
    "name in lower case": f"authentication-results: {AUTHSERV}; {FORGED_VALUE}",
    "with a DKIM result": f"Authentication-Results: {AUTHSERV}; dkim=pass header.d=charnwood.example.org; "
    f"{FORGED_VALUE}",
}
REMOVED_BY_OPENDKIM = {"with a DKIM result"}


def forged(box: str, spelling: str, workbook: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = CHARNWOOD, f"{box}@{DOMAIN}"
    msg["Subject"] = f"Charnwood return ({spelling})"
    msg["Message-ID"] = email.utils.make_msgid(domain="evil.example.net")
    msg["Date"] = email.utils.formatdate()
    msg.set_content(BODY)
    msg.add_attachment(
        workbook, maintype="application", subtype=XLSX.split("/")[1], filename="NI179_CHARN.xlsx"
    )
    return (
        SPELLINGS[spelling].encode()
        + b"\r\n"
        + msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    )


@pytest.mark.parametrize("strip", [False, True], ids=["no strip rule", "strip rule"])
def test_forged_authentication_results_in_every_spelling(stack, ws, books, smtp, strip):
    """An outside host sends as Charnwood (its SPF ends ~all: a softfail, not a refusal) with its
    own Authentication-Results in our server's name. Without a strip rule OpenDMARC believes
    it and writes dmarc=pass; the intake sees our name below our Received line and quarantines
    the message as forged. With the documented header_checks rule, Postfix drops every spelling
    before the milters see it, OpenDMARC says fail, and the message is quarantined for that."""
    box = new_box()
    for spelling in SPELLINGS:
        stack.submit_file(
            forged(box, spelling, books["CHARN"].read_bytes()),
            CHARNWOOD,
            f"{box}@{DOMAIN}",
            via=MX_STRIP if strip else MX,
            local=OUTSIDE,
        )
    raws = stack.wait_delivered(box, len(SPELLINGS))
    by_subject = {parse(r)["Subject"]: r for r in raws}
    dmarc = {}
    for spelling in SPELLINGS:
        raw = by_subject[f"Charnwood return ({spelling})"]
        above, below = ours_and_below(raw)
        assert any(v.startswith("Softfail (mailfrom)") for n, v in above if n == "received-spf")
        claims = [v for n, v in below if n == "authentication-results"]
        dmarc[spelling] = (len(claims), results(raw)[0])
    # the rule removed every spelling; without it, each came in as an Authentication-Results header
    assert {s: n for s, (n, _) in dmarc.items()} == {
        s: 0 if strip or s in REMOVED_BY_OPENDKIM else 1 for s in SPELLINGS
    }, dmarc
    verdicts = {s: v for s, (_, v) in dmarc.items()}
    assert_documented(
        by_subject["Charnwood return (relayed)"], "forged, strip rule" if strip else "forged"
    )
    print(
        json.dumps(verdicts, indent=1)
    )  # what OpenDMARC wrote for each spelling: quoted in docs/mail-intake.md
    if strip:
        fail = f"{AUTHSERV}; dmarc=fail (p=reject dis=none) header.from=charnwood.example.org"
        assert set(verdicts.values()) == {fail}
    else:  # OpenDMARC 1.4.2 took the forger's word in every spelling Postfix passed on as that header
        assert (
            verdicts["plain"]
            == f"{AUTHSERV}; dmarc=pass (p=reject dis=none) header.from=charnwood.example.org"
        )
        assert verdicts["relayed"] == verdicts["plain"], verdicts
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0, done.stderr
    assert f"Intake: {len(SPELLINGS)} quarantine." in done.stdout
    assert ws.submissions() == [] and to_partners(smtp) == []
    kinds = {row.subject: row.detail["kind"] for row in ledger(ws)}
    assert kinds == {
        f"Charnwood return ({s})": NOT_AUTHENTICATED
        if strip or s in REMOVED_BY_OPENDKIM
        else FORGED
        for s in SPELLINGS
    }
    notices = to_consolidator(smtp)  # Charnwood is a partner: each is reported
    assert len(notices) == len(SPELLINGS)
    forgeries = [
        n
        for n in notices
        if n["Subject"].strip() == "NI 179 intake: forged message quarantined (From "
        "finance@charnwood.example.org)"
    ]
    assert len(forgeries) == (0 if strip else len(SPELLINGS) - len(REMOVED_BY_OPENDKIM))


def test_forged_received_spf_header(stack, ws, books, smtp):
    """An outside host sends as Charnwood with its own ``Received-SPF: Pass`` below our line.
    Whatever OpenDMARC makes of it, our server's own policyd-spf said Softfail above the line,
    so no dmarc=pass can rest on SPF: quarantined, never stored."""
    box = new_box()
    fake = (
        f"Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=127.0.20.1; helo=mail.partners.example.org; "
        f"envelope-from={CHARNWOOD}; receiver={DOMAIN}"
    )
    raw = forged(box, "plain", books["CHARN"].read_bytes()).split(b"\r\n", 1)[
        1
    ]  # without the forged A-R
    stack.submit_file(
        fake.encode() + b"\r\n" + raw, CHARNWOOD, f"{box}@{DOMAIN}", via=MX, local=OUTSIDE
    )
    (delivered,) = stack.wait_delivered(box, 1)
    found = results(delivered)
    print(found)  # quoted in docs/mail-intake.md
    assert found[-1].startswith("Softfail (mailfrom) identity=mailfrom; client-ip=127.0.30.1;")
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0 and "Intake: 1 quarantine." in done.stdout
    assert ws.submissions() == [] and to_partners(smtp) == []
    assert (
        ledger(ws)[0].detail["kind"] == NOT_AUTHENTICATED
    )  # OpenDMARC read our own Softfail: dmarc=fail


def test_body_altered_after_signing(stack, ws, books, smtp):
    """Harborough's gateway changes a line of the body after Harborough's server signed it: our
    OpenDKIM says dkim=fail, OpenDMARC dmarc=pass (aligned SPF). A fail is final: quarantined
    as changed after signing, and the consolidator is told why."""
    box = new_box()
    stack.mutt(HARBOROUGH, f"{box}@{DOMAIN}", "NI 179 return", BODY, [books["HARB"]])
    (raw,) = stack.wait_delivered(box, 1)
    found = results(raw)
    assert (
        found[0] == f"{AUTHSERV}; dmarc=pass (p=reject dis=none) header.from=harborough.example.org"
    )
    assert found[1].startswith(
        f'{AUTHSERV}; dkim=fail reason="signature verification failed" (2048-bit key; '
        "unprotected) header.d=harborough.example.org"
    )
    assert b"[Checked by Harborough's mail gateway]" in raw
    assert_documented(raw, "altered after signing")
    done = intake(stack, ws, box, smtp)
    assert done.returncode == 0 and "Intake: 1 quarantine." in done.stdout
    assert ws.submissions() == [] and to_partners(smtp) == []
    assert ledger(ws)[0].detail["kind"] == ALTERED
    (notice,) = to_consolidator(smtp)
    assert "dkim=fail" in text_of(notice) and "changed after signing" in text_of(notice)
