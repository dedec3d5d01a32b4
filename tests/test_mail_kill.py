"""Exactly once under SIGKILL: the intake is killed at seeded random moments, mid-batch,
more than 20 times, and restarted; every return must be stored once and answered once."""

from __future__ import annotations

import mailbox
import os
import random
import signal
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from helpers.intake_command import NI179_MAIL, intake_argv
from helpers.mailservers import SmtpSink, message, parse

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.demo.data import demo_returns
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template
from xl_ni179.template.fill import fill_workbook

pytestmark = pytest.mark.slow

ROUND = "2008-09-review"
KILLS = 22
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sink():
    server = SmtpSink()
    yield server
    server.stop()


def run_intake(ws: Path, maildir: Path, smtp: str) -> subprocess.Popen:
    env = {**os.environ, "NI179_INTAKE_STEP_DELAY": "0.04", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        intake_argv(ws, program=NI179_MAIL, maildir=maildir, smtp=smtp),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_kill_anywhere_stores_and_answers_once(tmp_path, sink):
    rng = random.Random(179)
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    rnd = p.round(ROUND)
    data = demo_returns(p, rnd)
    templates = {}
    for code in ("LCC", "LCITY", "POLICE", "HINCK"):
        templates[code] = tmp_path / f"{code}-template.xlsx"
        templates[code].write_bytes(build_template(p, code, rnd))
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    sent: dict[str, bytes] = {}  # Message-ID -> xlsx bytes ("" for the no-workbook message)

    def add_batch(n: int) -> None:
        """Five messages: three valid returns, one with an error, one without a workbook.
        Each batch's workbooks differ (the preparer's name), so none is a repeat."""
        for code in ("LCC", "LCITY", "POLICE", "HINCK"):
            values = dict(data[code], signoff_preparer=f"Preparer {n}")
            if code == "HINCK":
                values["rag_commentary_2009_10"] = None
            book = fill_workbook(
                p, templates[code], values, tmp_path / f"{code}-{n}.xlsx"
            ).read_bytes()
            raw = message(
                p.organisation(code).emails[0],
                p.consolidator_email,
                f"Return {n}",
                attachments=[(f"{code}.xlsx", book)],
            )
            sent[parse(raw)["Message-ID"]] = book
            box.add(raw)
        raw = message(p.organisation("NWL").emails[0], p.consolidator_email, f"Forgot it {n}")
        sent[parse(raw)["Message-ID"]] = b""
        box.add(raw)

    # How long the intake takes to start on this machine (an empty inbox), so that the kills
    # land while it works rather than while Python imports, on fast and slow machines alike.
    mailbox.Maildir(tmp_path / "Empty", create=True)
    started = time.monotonic()
    proc = run_intake(ws.path, tmp_path / "Empty", sink.url)
    _out, err = proc.communicate(timeout=60)  # (reads and closes its pipes too)
    assert proc.returncode == 0, err.decode()
    startup = time.monotonic() - started
    batches = 0
    for _ in range(KILLS):
        if len(box.keys()) < 3:  # keep work in the inbox so that every kill lands mid-batch
            add_batch(batches)
            batches += 1
        proc = run_intake(ws.path, tmp_path / "Maildir", sink.url)
        time.sleep(rng.uniform(0.8 * startup, startup + 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    for _ in range(3):  # then let it finish
        proc = run_intake(ws.path, tmp_path / "Maildir", sink.url)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    elapsed = time.monotonic() - started

    # Nothing left in the inbox, and each message in exactly one folder.
    assert box.keys() == []
    filed = Counter()
    for name in ("Processed", "Rejected"):
        for key in box.get_folder(name).keys():
            filed[parse(box.get_folder(name).get_bytes(key))["Message-ID"]] += 1
    assert filed == Counter(dict.fromkeys(sent, 1))

    # Every workbook stored exactly once (no duplicates recorded, none missing).
    import hashlib

    subs = ws.submissions()
    stored = Counter(s.sha256 for s in subs)
    expected = {hashlib.sha256(b).hexdigest() for b in sent.values() if b}
    assert stored == Counter(dict.fromkeys(expected, 1))
    assert not [s for s in subs if s.outcome == "duplicate"]
    assert Counter(s.outcome for s in subs) == {"accepted": 3 * batches, "rejected": batches}

    # Every message answered exactly once: one distinct reply Message-ID per original. (A kill
    # in the instant between the SMTP server's "250 OK" and the ledger update re-sends the same
    # message, same Message-ID, which mail clients show once.)
    replies = defaultdict(set)
    for r in sink.messages:
        replies[r["In-Reply-To"]].add(r["Message-ID"])
    assert set(replies) == set(sent)
    assert all(len(ids) == 1 for ids in replies.values()), replies
    with ws.session() as s:
        assert {r.step for r in s.query(MailMessage)} == {"moved"}
    resent = len(sink.messages) - len(replies)
    print(
        f"\n{KILLS} kills, {batches} batches, {len(sent)} messages, {resent} identical re-send(s), "
        f"start-up {startup:.2f} s, {elapsed:.1f} s"
    )
