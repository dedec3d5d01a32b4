"""The hostile-file corpus through the mail intake (Maildir, real SMTP on loopback): every
message is answered quickly, a reply never attaches anything of a file rejected as a whole,
and a return rejected for its data gets back only our template with its figures."""

from __future__ import annotations

import io
import time

import pytest
from helpers import hostile_corpus
from helpers.checked_copy import (
    assert_nothing_of_phishing,
    assert_only_ours,
    package,
    package_reads,
    phishing_return,
)
from helpers.mailservers import AUTHSERV, SmtpSink, message
from openpyxl import load_workbook

from xl_ni179.mail import MaildirSource, intake, process
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.store.models import Submission
from xl_ni179.store.workspace import Workspace

pytestmark = pytest.mark.slow

SECONDS_PER_REPLY = 5
MELTON_RETURN = "NI179_MELTON_2008-09-review.xlsx"
CHECKED = "NI179_MELTON_2008-09-review_checked.xlsx"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpSink()
    yield server
    server.stop()


def test_hostile_returns_by_mail_get_no_workbook_back(
    tmp_path, smtp, returns_dir, make_return, monkeypatch
):
    import mailbox

    smtp.clear()
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    sender, to = p.organisation("MELTON").emails[0], p.consolidator_email
    corpus = hostile_corpus.build_corpus(returns_dir / MELTON_RETURN, tmp_path / "hostile")
    data_cases = {  # rejected for what they hold, not for the file itself
        "phishing.xlsx": phishing_return(returns_dir / MELTON_RETURN, tmp_path / "phishing.xlsx"),
        "formula-text.xlsx": make_return(
            "MELTON",
            {
                "rag_commentary_2009_10": '=HYPERLINK("http://evil.example")',
                "signoff_phone": "+cmd|' /C calc'!A0",
                "signoff_email": "@SUM(1,2)",
            },
            name="formula-text.xlsx",
        ),
    }
    sent = {}
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for path in [p for p, _ in corpus] + list(data_cases.values()):
        sent[path.name] = f"<{path.stem}@partner.example.org>"
        box.add(
            message(
                sender,
                to,
                f"Return {path.name}",
                attachments=[(path.name, path.read_bytes())],
                message_id=sent[path.name],
            )
        )

    timings = {}
    real_build = intake.build_reply

    def timed_build(ws, row):
        started = time.perf_counter()
        try:
            return real_build(ws, row)
        finally:
            timings[row.message_id] = time.perf_counter() - started

    monkeypatch.setattr(intake, "build_reply", timed_build)
    started = time.perf_counter()
    with package_reads() as reads:
        result = process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    elapsed = time.perf_counter() - started

    assert not result.errors, result.errors
    assert reads == []  # no received file was opened in this process: only in the bounded worker
    replies = {m["In-Reply-To"]: m for m in smtp.messages}
    assert set(replies) == set(sent.values())  # every message answered, once
    slow = {mid: round(t, 1) for mid, t in timings.items() if t > SECONDS_PER_REPLY}
    assert not slow, slow
    assert elapsed < SECONDS_PER_REPLY * len(sent) / 2, f"{elapsed:.0f} s for {len(sent)} messages"

    case_names = {path.name for path, _ in corpus}
    for name, mid in sent.items():
        attachments = list(replies[mid].iter_attachments())
        if name in case_names:
            assert attachments == [], name  # rejected as a whole file: nothing of it goes back
        else:
            assert [a.get_filename() for a in attachments] == [CHECKED], name
    # The issue's own examples: a DDE formula and an external link part, answered without a workbook.
    for name, code in (("dde-formula.xlsx", "dde-link"), ("external-link.xlsx", "external-link")):
        reply = replies[sent[name]]
        text = reply.get_body(("plain",)).get_content()
        assert "NOT accepted" in reply["Subject"] and f"[{code}]" in text, name
        assert "No workbook is attached" in text and list(reply.iter_attachments()) == []

    with ws.session() as s:
        subs = {sub.original_name: sub for sub in s.query(Submission)}
    for name in data_cases:
        sub = subs[name]
        report = Report(
            file=name,
            organisation=sub.org_code,
            round_id=sub.round_id,
            findings=[Finding(**f) for f in sub.report["findings"]],
            values=ws.figures(sub.id),
        )
        (attachment,) = replies[sent[name]].iter_attachments()
        data = attachment.get_content()
        assert_only_ours(p, report, data)
        assert_nothing_of_phishing(data)
        wb = load_workbook(io.BytesIO(data))
        for f in report.findings:  # each finding is shown at its cell, as before
            if f.sheet in wb.sheetnames and f.cell:
                assert f.code in wb[f.sheet][f.cell].comment.text, (name, f.where)
        assert (
            "Each problem is also marked as a comment"
            in replies[sent[name]].get_body(("plain",)).get_content()
        )


def test_chasers_attach_only_our_template(tmp_path, returns_dir, make_return):
    """A chaser attaches only our own template: blank for a partner whose file was rejected as a
    whole, the checked copy (our template with their figures) for one rejected for its data."""
    import email
    import email.policy

    from xl_ni179.mail import draft_chasers

    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    corpus = hostile_corpus.build_corpus(returns_dir / MELTON_RETURN, tmp_path / "hostile")
    (dde,) = [path for path, _ in corpus if path.name == "dde-formula.xlsx"]
    assert ws.receive(dde, sender=p.organisation("MELTON").emails[0]).outcome == "rejected"
    bad = make_return(
        "OADBY", {"signoff_email": "nobody", "signoff_phone": '=HYPERLINK("http://evil.example")'}
    )
    receipt = ws.receive(bad, sender=p.organisation("OADBY").emails[0])
    assert receipt.outcome == "rejected"
    with package_reads() as reads:
        paths = {
            path.name: path for path in draft_chasers(ws, "2008-09-review", tmp_path / "drafts")
        }
    assert reads == []

    def chaser(code: str) -> email.message.EmailMessage:
        raw = paths[f"chaser_{code}_2008-09-review.eml"].read_bytes()
        return email.message_from_bytes(raw, policy=email.policy.default)

    # A file rejected as a whole says nothing about who sent it: Melton is still missing and
    # gets its blank template, never the file.
    (blank,) = chaser("MELTON").iter_attachments()
    assert blank.get_filename() == "NI179_MELTON_2008-09-review.xlsx"
    assert not any(b"cmd|" in body for body in package(blank.get_content()).values())
    (attachment,) = chaser("OADBY").iter_attachments()
    assert_only_ours(p, receipt.report, attachment.get_content())
