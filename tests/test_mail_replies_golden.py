"""Every reply and notice the mail intake can send, word for word, against a golden file.

A partner reads these replies; the wording is part of the behaviour. The golden file
(tests/golden/mail_replies.txt) holds the subject, recipients, attachment names and plain
text of one reply for each outcome (and each variant of one), so a change to how replies
are built that changes a single word fails here and shows the difference. Regenerate it
only for a deliberate change of wording: NI179_UPDATE_GOLDEN=1 pytest tests/test_mail_replies_golden.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest
from openpyxl import Workbook

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.mail.answers import build_reply
from xl_ni179.mail.notices import AMBIGUOUS, STRANGER
from xl_ni179.mail.trust import FORGED, MISCONFIGURED
from xl_ni179.partnership import default_config_text
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.workspace import Workspace

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent / "golden" / "mail_replies.txt"
WHEN = dt.datetime(2009, 5, 12, 9, 30)
LATER = dt.datetime(2009, 5, 13, 10, 0)
SHARED = "finance@shared-services.example.org"


def _row(
    ws: Workspace,
    code: str | None,
    outcome: str,
    *,
    sender: str | None = None,
    subject: str = "Our return",
    submission: int | None = None,
    detail: dict | None = None,
) -> MailMessage:
    address = sender or (ws.partnership.organisation(code).emails[0] if code else None)
    return MailMessage(
        mailbox_key=f"test:{outcome}",
        message_id="<original@partner.example.org>",
        sender=address,
        subject=subject,
        hashes=[],
        claimed_at=WHEN,
        step="received",
        outcome=outcome,
        folder="Processed",
        submission_ids=[submission] if submission else [],
        detail=detail or {},
        reply_message_id="<reply@ni179.example.org>",
        reads=1,
        updated_at=WHEN,
    )


def _shown(name: str, ws: Workspace, row: MailMessage) -> str:
    reply = build_reply(ws, row)
    files = [part.get_filename() for part in reply.iter_attachments()]
    text = reply.get_body(("plain",)).get_content()
    return (
        f"=== {name} ===\nSubject: {reply['Subject']}\nTo: {reply['To']}\nCc: {reply['Cc'] or ''}\n"
        f"Attachments: {', '.join(files) or '(none)'}\n\n{text.rstrip()}\n"
    )


@pytest.fixture
def replies(tmp_path, make_return) -> str:
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    lcc, hinck = p.organisation("LCC").emails[0], p.organisation("HINCK").emails[0]
    good = make_return("LCC")
    bad = make_return("HINCK", {"rag_commentary_2009_10": None})
    stranger = tmp_path / "not-ours.xlsx"
    Workbook().save(stranger)
    accepted = ws.receive(
        good, sender=lcc, received_at=WHEN, original_name="Our return.xlsx", source="mail"
    )
    rejected = ws.receive(
        bad, sender=hinck, received_at=WHEN, original_name="Hinckley.xlsx", source="mail"
    )
    whole = ws.receive(
        stranger, sender=hinck, received_at=WHEN, original_name="odd.xlsx", source="mail"
    )
    again = ws.receive(
        good, sender=lcc, received_at=LATER, original_name="Our return.xlsx", source="mail"
    )
    again_bad = ws.receive(
        bad, sender=hinck, received_at=LATER, original_name="Hinckley.xlsx", source="mail"
    )
    assert [r.outcome for r in (accepted, rejected, whole, again, again_bad)] == [
        "accepted",
        "rejected",
        "rejected",
        "duplicate",
        "duplicate",
    ]
    names = {"names": [f"return-{i}.xlsx" for i in range(20)], "count": 23}
    cases = [
        ("accepted", _row(ws, "LCC", "accepted", submission=accepted.submission_id)),
        (
            "rejected, checked copy attached",
            _row(ws, "HINCK", "rejected", submission=rejected.submission_id),
        ),
        (
            "rejected as a whole file",
            _row(ws, "HINCK", "rejected", submission=whole.submission_id, subject=""),
        ),
        (
            "duplicate of an accepted return",
            _row(ws, "LCC", "duplicate", submission=again.submission_id),
        ),
        (
            "duplicate of a rejected return",
            _row(ws, "HINCK", "duplicate", submission=again_bad.submission_id),
        ),
        ("no workbook", _row(ws, "NWL", "no-workbook")),
        ("several workbooks", _row(ws, "MELTON", "several-workbooks", detail=names)),
        (
            "wrong format",
            _row(ws, "MELTON", "wrong-format", detail={"names": ["return.xls"], "count": 1}),
        ),
        ("zipped", _row(ws, "MELTON", "zipped", detail={"names": ["return.zip"], "count": 1})),
        (
            "oversize",
            _row(ws, "OADBY", "oversize", detail={"size": 12_000_000, "limit": 9_961_472}),
        ),
        (
            "unknown sender's no-workbook",
            _row(ws, None, "no-workbook", sender="someone@example.net"),
        ),
        (
            "quarantine: stranger",
            _row(
                ws,
                None,
                "quarantine",
                sender="x@blaby.example.com",
                detail={
                    "reason": "x@blaby.example.com is not registered for any partner",
                    "kind": STRANGER,
                    "label": "address not registered",
                    "from": "x@blaby.example.com",
                },
            ),
        ),
        (
            "quarantine: forged",
            _row(
                ws,
                "LCC",
                "quarantine",
                detail={
                    "reason": "a forged header",
                    "kind": FORGED,
                    "label": "forged",
                    "from": lcc,
                },
            ),
        ),
        (
            "quarantine: misconfigured",
            _row(
                ws,
                "LCC",
                "quarantine",
                detail={
                    "reason": "no DMARC result",
                    "kind": MISCONFIGURED,
                    "label": "misconfigured",
                    "from": lcc,
                },
            ),
        ),
    ]
    out = [_shown(name, ws, row) for name, row in cases]
    # An address two organisations list: held, and the consolidator told which (partnership.senders).
    shared_config = tmp_path / "shared.toml"
    shared_config.write_text(
        default_config_text()
        .replace(f'"{lcc}"', f'"{lcc}", "{SHARED}"')
        .replace(f'"{hinck}"', f'"{hinck}", "{SHARED}"'),
        "utf-8",
    )
    shared = Workspace.init(tmp_path / "shared", shared_config)
    out.append(
        _shown(
            "quarantine: address registered for two partners",
            shared,
            _row(
                shared,
                None,
                "quarantine",
                sender=SHARED,
                detail={
                    "reason": shared.partnership.sender(SHARED).problem,
                    "kind": AMBIGUOUS,
                    "label": "address registered for several partners",
                    "from": SHARED,
                },
            ),
        )
    )
    # A limit the checked copy alone would break: it is left off, and the reply says so.
    ws.partnership = dataclasses.replace(p, reply_limit_bytes=40_000)
    out.append(
        _shown(
            "rejected, checked copy too large to attach",
            ws,
            _row(ws, "HINCK", "rejected", submission=rejected.submission_id),
        )
    )
    return "\n".join(out)


def test_every_reply_reads_as_the_golden_file_says(replies):
    if os.environ.get("NI179_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(replies, "utf-8")
    assert replies == GOLDEN.read_text("utf-8")


def test_an_outcome_without_a_reply_is_refused(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    with pytest.raises(ValueError, match="no reply is due"):
        build_reply(ws, _row(ws, "LCC", "repeat"))
