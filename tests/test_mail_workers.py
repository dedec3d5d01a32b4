"""Two intake workers on one mailbox and one shared PostgreSQL store: every return is
stored once and every message answered once (issue 7's shared deployment)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from helpers.intake_command import NI179_MAIL, intake_argv
from helpers.mailservers import Dovecot, SmtpSink, message

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.demo.data import demo_returns
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template
from xl_ni179.template.fill import fill_workbook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CODES = ("LCC", "LCITY", "POLICE", "HINCK", "NWL", "OADBY", "MELTON")


@pytest.fixture
def servers():
    dovecot, sink = Dovecot(), SmtpSink()
    yield dovecot, sink
    sink.stop()
    dovecot.stop()


def worker(workspace: Path, imap: str, smtp: str, db: str) -> subprocess.Popen:
    # A short pause between steps makes the two workers' work interleave message by message.
    env = {
        **os.environ,
        "NI179_DATABASE_URL": db,
        "NI179_INTAKE_STEP_DELAY": "0.02",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        intake_argv(workspace, program=NI179_MAIL, imap=imap, smtp=smtp),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_workers_share_one_mailbox_and_store(tmp_path, servers, postgres, request):
    from helpers.pgserver import fresh_database

    dovecot, sink = servers
    db = fresh_database(postgres)
    ws = Workspace.init(tmp_path / "ws", url=db)
    request.addfinalizer(ws.close)  # its connections to the shared server
    p = ws.partnership
    rnd = p.round("2008-09-review")
    data = demo_returns(p, rnd)
    user = dovecot.new_user()
    sent: dict[str, bytes] = {}
    raws = []
    for batch in range(2):
        for code in CODES:
            template = tmp_path / f"{code}.xlsx"
            template.write_bytes(build_template(p, code, rnd))
            values = dict(data[code], signoff_preparer=f"Preparer {batch}")
            if code == "HINCK":
                values["signoff_email"] = "not an email"  # one rejected return per batch
            book = fill_workbook(
                p, template, values, tmp_path / f"{code}-{batch}.xlsx"
            ).read_bytes()
            raw = message(
                p.organisation(code).emails[0],
                p.consolidator_email,
                f"NI 179 return {batch}",
                attachments=[(f"NI179_{code}.xlsx", book)],
            )
            raws.append(raw)
            sent[hashlib.sha256(book).hexdigest()] = book
    dovecot.append(user, raws)

    started = time.monotonic()
    outputs = []
    for _ in range(4):  # run the pair until the inbox is empty
        pair = [worker(ws.path, dovecot.url(user), sink.url, db) for _ in range(2)]
        outputs += [proc.communicate(timeout=240)[0].decode() for proc in pair]
        if not dovecot.folder(user, "INBOX"):
            break
    # Both workers really worked: each of the first pair finished some of the messages.
    assert all("Intake: " in out and "nothing" not in out for out in outputs[:2]), outputs
    assert dovecot.folder(user, "INBOX") == []

    subs = ws.submissions()
    assert Counter(s.sha256 for s in subs) == Counter(dict.fromkeys(sent, 1))
    assert Counter(s.outcome for s in subs) == {"accepted": 12, "rejected": 2}
    replies = defaultdict(list)
    for r in sink.messages:
        replies[r["In-Reply-To"]].append(r["Message-ID"])
    assert len(replies) == len(raws)
    assert all(len(ids) == 1 for ids in replies.values()), "a message was answered twice"
    filed = len(dovecot.folder(user, "Processed")) + len(dovecot.folder(user, "Rejected"))
    assert filed == len(raws)
    print(f"\ntwo workers, {len(raws)} messages, {time.monotonic() - started:.1f} s")
