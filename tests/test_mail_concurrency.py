"""The intake as real `ni179 intake` processes on a real Maildir and SQLite store: two runs at
once answer each message exactly once, and a message the consolidator puts back in the
inbox (or a return sent again after the configuration changed) is checked again.

Before the SQLite store had per-message locks, two intakes on one Maildir and one SQLite
file sent 20-28 replies for 14 messages, partners got both "accepted" and "already
received", and one run died with FileNotFoundError (issue 18, items 7 and 8).
"""

from __future__ import annotations

import mailbox
import os
import shutil
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from helpers.intake_command import intake_argv
from helpers.mailservers import message, parse

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.demo.data import demo_returns
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template
from xl_ni179.template.fill import fill_workbook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ROUND = "2008-09-review"
CODES = ("LCC", "LCITY", "POLICE", "HINCK", "NWL", "OADBY", "MELTON")
FOLDERS = ("Processed", "Rejected", "Quarantine")


def intake(ws: Path, maildir: Path, smtp: str, delay: str = "0") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NI179_INTAKE_STEP_DELAY": delay}
    env.pop("NI179_DATABASE_URL", None)
    return subprocess.Popen(
        intake_argv(ws, maildir=maildir, smtp=smtp),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[tuple[str, int], bytes]:
    """Two different returns of each of seven organisations; one of each pair rejected (HINCK)."""
    folder = tmp_path_factory.mktemp("books")
    ws = Workspace.init(folder / "ws")
    p = ws.partnership
    rnd = p.round(ROUND)
    data = demo_returns(p, rnd)
    out = {}
    for code in CODES:
        template = folder / f"{code}.xlsx"
        template.write_bytes(build_template(p, code, rnd))
        for n in range(2):
            values = dict(data[code], signoff_preparer=f"Preparer {n}")
            if code == "HINCK":
                values["signoff_email"] = "not an email"
            out[code, n] = fill_workbook(
                p, template, values, folder / f"{code}-{n}.xlsx"
            ).read_bytes()
    return out


def filed(box: mailbox.Maildir) -> Counter:
    """Message-ID -> how many times it is in a folder (and the inbox under "INBOX")."""
    found: Counter = Counter()
    for key in box.keys():
        found["INBOX", parse(box.get_bytes(key))["Message-ID"]] += 1
    for name in FOLDERS:
        if name in box.list_folders():
            sub = box.get_folder(name)
            for key in sub.keys():
                found[parse(sub.get_bytes(key))["Message-ID"]] += 1
    return found


def test_two_intakes_at_once_answer_each_message_once(tmp_path, smtp, books):
    """Fourteen returns, two `ni179 intake` runs started together on one Maildir and one
    SQLite store; three times over, with fresh messages each time."""
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    sent: dict[str, bytes] = {}
    timings = []
    for attempt in range(3):
        for code in CODES:
            for n in range(2):
                # Each attempt's messages are new messages carrying workbooks not received before.
                book = _variant(books[code, n], attempt) if attempt else books[code, n]
                raw = message(
                    p.organisation(code).emails[0],
                    p.consolidator_email,
                    f"Return {attempt}.{n}",
                    attachments=[(f"NI179_{code}.xlsx", book)],
                )
                sent[parse(raw)["Message-ID"]] = raw
                box.add(raw)
        started = time.monotonic()
        pair = [intake(ws.path, tmp_path / "Maildir", smtp.url, "0.02") for _ in range(2)]
        results = [finish(proc) for proc in pair]
        timings.append(time.monotonic() - started)
        for code, _out, err in results:
            assert code == 0, err
            assert "Traceback" not in err and "FileNotFoundError" not in err, err
            assert "Left in the inbox" not in err, err
        # Both runs worked: the messages were shared between them, not all taken by one.
        assert all("nothing new" not in out for _, out, _ in results), results

    # Every message filed once, none left in the inbox.
    assert filed(box) == Counter(dict.fromkeys(sent, 1))
    # Every message answered once: one reply per message, to the message it answers.
    replies = defaultdict(list)
    for r in smtp.messages:
        replies[r["In-Reply-To"]].append(r["Subject"])
    assert set(replies) == set(sent)
    assert all(len(subjects) == 1 for subjects in replies.values()), {
        k: v for k, v in replies.items() if len(v) > 1
    }
    assert not [s for subjects in replies.values() for s in subjects if "already received" in s]
    # Every workbook stored once.
    subs = ws.submissions()
    assert len(subs) == len(sent) and not [s for s in subs if s.outcome == "duplicate"]
    assert Counter(s.outcome for s in subs) == {"accepted": 36, "rejected": 6}
    print(f"\ntwo intakes at once, 3 x 14 messages: {', '.join(f'{t:.1f} s' for t in timings)}")


def _variant(book: bytes, attempt: int) -> bytes:
    """Another workbook with the same figures: the zip's comment differs (the file's hash too)."""
    import io
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(book)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.comment = f"attempt {attempt}".encode()
    return out.getvalue()


# -- checked again: put back in the inbox, or sent again under a changed configuration ----------


def run_once(ws: Workspace, maildir: Path, smtp: str) -> str:
    code, out, err = finish(intake(ws.path, maildir, smtp))
    assert code == 0 and "Traceback" not in err, err
    return out


def back_to_inbox(maildir: Path, folder: str) -> None:
    """What docs/mail-intake.md tells the consolidator to do: move the message back to new/."""
    for sub in ("new", "cur"):
        for path in (maildir / f".{folder}" / sub).iterdir():
            shutil.move(path, maildir / "new" / path.name.split(":")[0])


def edit_config(ws: Workspace, old: str, new: str) -> None:
    config = ws.path / "config.toml"
    text = config.read_text("utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), "utf-8")


def test_quarantined_then_registered_sender_is_answered_when_put_back(tmp_path, smtp, books):
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    new_address = "treasury@melton.example.org"  # a partner's new address, not yet registered
    raw = message(
        new_address,
        p.consolidator_email,
        "Our return",
        attachments=[("NI179_MELTON.xlsx", books["MELTON", 0])],
    )
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(raw)
    assert "1 quarantine" in run_once(ws, tmp_path / "Maildir", smtp.url)
    # No reply to the sender; the consolidator is told (the From names a partner's domain).
    assert [m["To"] for m in smtp.messages] == [p.consolidator_email] and ws.submissions() == []
    with ws.reading() as s:
        (row,) = s.query(MailMessage).all()
        assert "not registered" in row.detail["reason"]

    # Put back without changing anything: checked again, quarantined again, still no reply to it.
    back_to_inbox(tmp_path / "Maildir", "Quarantine")
    assert "1 quarantine" in run_once(ws, tmp_path / "Maildir", smtp.url)
    assert new_address not in [m["To"] for m in smtp.messages]

    # The consolidator registers the address and puts the message back, as the docs say.
    edit_config(
        ws,
        'emails = ["finance@melton.example.org"]',
        f'emails = ["finance@melton.example.org", "{new_address}"]',
    )
    back_to_inbox(tmp_path / "Maildir", "Quarantine")
    assert "1 accepted" in run_once(ws, tmp_path / "Maildir", smtp.url)
    (reply,) = [m for m in smtp.messages if m["To"] != p.consolidator_email]
    assert reply["To"] == new_address and "accepted" in reply["Subject"]
    assert [(s.org_code, s.outcome) for s in ws.submissions()] == [("MELTON", "accepted")]
    assert filed(box) == Counter({parse(raw)["Message-ID"]: 1})
    with ws.reading() as s:  # each handling is kept in the ledger
        assert sorted(r.outcome for r in s.query(MailMessage)) == [
            "accepted",
            "quarantine",
            "quarantine",
        ]


def test_refused_as_round_closed_then_sent_again_after_closes_moved_is_answered(
    tmp_path, smtp, books
):
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    edit_config(ws, "deadline = 2009-05-15\n", "deadline = 2009-05-15\ncloses = 2009-06-30\n")
    ws = Workspace(ws.path)
    lcc = p.organisation("LCC").emails[0]
    first = message(
        lcc, p.consolidator_email, "Our return", attachments=[("NI179_LCC.xlsx", books["LCC", 0])]
    )
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(first)
    assert "1 rejected" in run_once(ws, tmp_path / "Maildir", smtp.url)
    (refusal,) = smtp.messages
    assert "NOT accepted" in refusal["Subject"]
    assert "round-closed" in refusal.get_body(("plain",)).get_content()

    # The same workbook sent again before anything changed: answered once already, so no reply.
    again = message(
        lcc,
        p.consolidator_email,
        "Our return again",
        attachments=[("NI179_LCC.xlsx", books["LCC", 0])],
    )
    box.add(again)
    assert "1 repeat" in run_once(ws, tmp_path / "Maildir", smtp.url)
    assert len(smtp.messages) == 1

    # The consolidator moves the closing date; the partner sends the very same workbook again.
    edit_config(ws, "\ncloses = 2009-06-30", "\ncloses = 2099-06-30")
    third = message(
        lcc,
        p.consolidator_email,
        "Our return (round reopened)",
        attachments=[("NI179_LCC.xlsx", books["LCC", 0])],
    )
    box.add(third)
    assert "1 accepted" in run_once(ws, tmp_path / "Maildir", smtp.url)
    reply = smtp.messages[-1]
    assert reply["In-Reply-To"] == parse(third)["Message-ID"] and "accepted" in reply["Subject"]
    # `ni179 receive` of the same bytes agrees: the store already holds that verdict.
    assert [s.outcome for s in ws.submissions()] == ["rejected", "accepted"]

    # And the first message, put back by the consolidator, is answered too (a duplicate now).
    back_to_inbox(tmp_path / "Maildir", "Rejected")
    assert "1 duplicate" in run_once(ws, tmp_path / "Maildir", smtp.url)
    last = smtp.messages[-1]
    assert (
        last["In-Reply-To"] == parse(first)["Message-ID"] and "already received" in last["Subject"]
    )
    assert last["Message-ID"] != refusal["Message-ID"]  # a new reply, not the first one again
    assert len(smtp.messages) == 3


def test_a_running_intake_checks_again_under_the_configuration_as_edited(tmp_path, smtp, books):
    """`--interval`: the configuration is read again when it changes, so a message put back
    after the sender was registered is answered without restarting the service."""
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    deputy = "deputy@melton.example.org"
    raw = message(
        deputy, p.consolidator_email, "Our return", attachments=[("r.xlsx", books["MELTON", 1])]
    )
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(raw)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NI179_DATABASE_URL", None)
    service = subprocess.Popen(
        intake_argv(
            ws.path,
            maildir=tmp_path / "Maildir",
            smtp=smtp.url,
            once=False,
            extra=("--interval", "5"),
        ),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(
            lambda: "Quarantine" in box.list_folders() and box.get_folder("Quarantine").keys()
        )
        edit_config(
            ws,
            'emails = ["finance@melton.example.org"]',
            f'emails = ["finance@melton.example.org", "{deputy}"]',
        )
        back_to_inbox(tmp_path / "Maildir", "Quarantine")
        _wait_for(lambda: [m for m in smtp.messages if m["To"] == deputy])
    finally:
        service.terminate()
        out, err = service.communicate(timeout=60)
    (reply,) = [
        m for m in smtp.messages if m["To"] != p.consolidator_email
    ]  # beside the notice of the quarantine
    assert reply["To"] == deputy and "accepted" in reply["Subject"], err.decode()
    assert "Traceback" not in err.decode()


def _wait_for(condition, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.5)
