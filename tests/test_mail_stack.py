"""The intake behind the mail software a council really runs (issue 18).

Postfix, OpenDKIM, OpenDMARC, policyd-spf, dnsmasq and Dovecot run in the test's own network
namespace (``helpers.mailstack``); messages are written by mutt, mpack and swaks, signed by
the partners' own Postfix and OpenDKIM, received by ours, delivered into Dovecot by LMTP,
and read over IMAP by ``ni179 intake`` running as a process of its own. Every verdict
below is on headers the real software wrote, never on headers a test composed for it.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers.intake_command import intake_argv
from helpers.mailservers import XLSX, SmtpSink
from helpers.mailstack import (
    AUTHSERV,
    BOXES,
    DOMAIN,
    GATEWAY_LINE,
    MX,
    MX_STRIP,
    OUTSIDE,
    MailStack,
    parse,
)
from helpers.remote_book import MASTER, Replay, Text, remote_book

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.consolidate.names import RETURNS_STATUS
from xl_ni179.demo.data import demo_returns
from xl_ni179.mail.trust import (
    ALTERED,
    FORGED,
    MISCONFIGURED,
    NO_DMARC,
    NOT_AUTHENTICATED,
    header_fields,
)
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template
from xl_ni179.template.fill import fill_workbook

pytestmark = [pytest.mark.slow, pytest.mark.real_component]

ROUND = "2008-09-review"
MELTON, CHARNWOOD = "finance@melton.example.org", "finance@charnwood.example.org"
BLABY, HINCKLEY = "finance@blaby.example.org", "finance@hinckley-bosworth.example.org"
HARBOROUGH, LCC = "finance@harborough.example.org", "finance@leicestershire-cc.example.org"
CONSOLIDATOR = "ni179-returns@county.example.org"
BODY = f"Dear colleague,\n\n{GATEWAY_LINE}\n\nRegards,\nFinance\n"
_boxes: Iterator[str] = iter(BOXES)
NI179 = [
    sys.executable,
    "-c",
    "from xl_ni179.cli import run; run()",
]  # the `ni179` command, in this venv


@pytest.fixture(scope="module")
def stack() -> Iterator[MailStack]:
    server = MailStack()
    yield server
    server.stop()


BORROWED = {
    "CHARN": "NWL",
    "BLABY": "OADBY",
    "HARB": "MELTON",
}  # districts' figures, on their own templates


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """Each partner's filled return (and Melton's with an error) as .xlsx files."""
    folder = tmp_path_factory.mktemp("books")
    p = Workspace.init(folder / "ws").partnership
    rnd = p.round(ROUND)
    data = demo_returns(p, rnd)
    out = {}
    wanted = {
        "MELTON": {},
        "CHARN": {},
        "BLABY": {},
        "HINCK": {},
        "HARB": {},
        "LCC": {},
        "MELTON-bad": {"gains_procurement_2008_09": "about 40"},
    }
    for label, changes in wanted.items():
        code = label.split("-")[0]
        template = folder / f"{code}-template.xlsx"
        if not template.exists():
            template.write_bytes(build_template(p, code, rnd))
        figures = data[code] if code in data else data[BORROWED[code]]  # the demo has seven returns
        out[label] = fill_workbook(
            p, template, {**figures, **changes}, folder / f"NI179_{label}.xlsx"
        )
    return out


@pytest.fixture
def ws(tmp_path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


def new_box() -> str:
    return next(_boxes)


def intake(
    stack: MailStack, ws: Workspace, box: str, smtp: SmtpSink, *extra: str
) -> subprocess.CompletedProcess:
    """``ni179 intake`` as the consolidator's scheduled task runs it: a process of its own."""
    return subprocess.run(
        intake_argv(
            ws.path,
            program=NI179,
            imap=stack.imap_url(box),
            smtp=smtp.url,
            authserv_id=AUTHSERV,
            extra=extra,
        ),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NI179_IMAP_PASSWORD": "", "NI179_AUTHSERV_ID": ""},
    )


def ledger(ws: Workspace) -> list[MailMessage]:
    with ws.session() as s:
        return list(s.query(MailMessage).order_by(MailMessage.id))


def status(ws: Workspace, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*NI179, "--workspace", str(ws.path), "status", "--round", ROUND, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def ours_and_below(raw: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The delivered message's header fields above our Received header, and below it."""
    fields = header_fields(parse(raw))
    line = next(
        i for i, (n, v) in enumerate(fields) if n == "received" and f"by {AUTHSERV} (Postfix)" in v
    )
    return fields[:line], fields[line + 1 :]


def results(raw: bytes) -> list[str]:
    """Our server's Authentication-Results and Received-SPF values, topmost first, in one line each."""
    above, _ = ours_and_below(raw)
    return [
        " ".join(v.split()) for n, v in above if n in ("authentication-results", "received-spf")
    ]


DOC = Path(__file__).resolve().parents[1] / "docs" / "mail-intake.md"
# What differs from run to run (queue ids, dates, signatures, this machine's name) is compared as "…".
_VARIES = [
    (re.compile(p), r)
    for p, r in [
        (r"\bid [\w/+=]+", "id …"),
        (r";\s*(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),[^;]*$", "; …"),
        (r"header\.b=[\w/+=]+", "header.b=…"),
        (r"\bhelo=[^;\s]+", "helo=…"),
        (r"^Received: from [^\s(]+ \(", "Received: from … ("),
        (r"by [^\s]+ with LMTP", "by … with LMTP"),
        (r"<[^<>@\s]*@county\.example\.org>", "<…@county.example.org>"),
        (r"\s+", " "),
    ]
]


def normalise(line: str) -> str:
    for pattern, replacement in _VARIES:
        line = pattern.sub(replacement, line)
    return line.strip()


def as_documented(raw: bytes) -> list[str]:
    """Our server's headers down to its Received line, and any Authentication-Results below it,
    one line each: what docs/mail-intake.md quotes."""
    above, below = ours_and_below(raw)
    fields = header_fields(parse(raw))
    ours = fields[: len(above) + 1]
    claims = [(n, v) for n, v in below if n == "authentication-results"]
    names = {
        "received": "Received",
        "authentication-results": "Authentication-Results",
        "received-spf": "Received-SPF",
        "return-path": "Return-Path",
        "delivered-to": "Delivered-To",
    }
    lines = [
        f"{names.get(n, n)}: {v}"
        for n, v in [*ours, *claims]
        if n not in ("return-path", "delivered-to")
    ]
    return [normalise(line) for line in lines]


def assert_documented(raw: bytes, name: str) -> None:
    """The headers the real software wrote are the ones docs/mail-intake.md quotes for ``name``."""
    text = DOC.read_text(encoding="utf-8")
    marker = f"<!-- captured by tests/test_mail_stack.py: {name} -->"
    if os.environ.get("NI179_PRINT_CAPTURED"):  # to write the docs' blocks from a real run
        print(f"\n{marker}\n```\n" + "\n".join(as_documented(raw)) + "\n```")
    assert marker in text, f"docs/mail-intake.md has no block {marker}"
    block = text.split(marker, 1)[1].split("```", 2)[1]
    quoted = [
        normalise(line) for line in re.split(r"\n(?![ \t])", block.strip("\n"))[1:] if line.strip()
    ]
    assert as_documented(raw) == quoted


def to_consolidator(smtp: SmtpSink) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["To"] == CONSOLIDATOR]


def to_partners(smtp: SmtpSink) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["To"] != CONSOLIDATOR]


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


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
