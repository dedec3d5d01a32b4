"""Whose return is it? Filing and de-duplication against a hostile or careless sender
(issue 11, items 6 and 7), through the real commands and the Maildir intake.

Item 6: a partner's registered address sends another partner's template (with phishing
text and a live formula; a HYPERLINK formula is refused before the file is read at all, as
outward-formula). It must be filed under the sender's own organisation
(or none): the other partner's status is untouched and no chaser ever sends them a file
they did not send.

Item 7: a file rejected only because of who sent it (or which round it was received
for, or before its sender was registered) is checked again when it comes back the right
way; only the same file from the same sender for the same round, against the same
configuration, is a duplicate.
"""

from __future__ import annotations

import email
import email.policy
import json
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.mailservers import AUTHSERV, SmtpSink, message
from openpyxl import load_workbook

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.cli import main
from xl_ni179.mail import MaildirSource, process
from xl_ni179.partnership import default_config_text
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template, template_filename

ROUND = "2008-09-review"
BLABY, CHARN, MELTON = (
    "finance@blaby.example.org",
    "finance@charnwood.example.org",
    "finance@melton.example.org",
)
PHISH = "Your NI 179 mailbox is full: sign in again at http://evil.example/login"
LINK = '="Verify your account at evil.example"&"/login"'


def run(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--workspace", str(ws), *args])
    return result.exit_code, result.output


def status(ws: Path) -> dict[str, dict]:
    code, out = run(ws, "status", "--round", ROUND, "--json")
    assert code == 0, out
    return {o["code"]: o for o in json.loads(out)["organisations"]}


@pytest.fixture
def ws(tmp_path) -> Path:
    path = tmp_path / "ws"
    assert run(path, "init")[0] == 0
    p = Workspace(path).partnership
    assert (p.organisation("BLABY").emails, p.organisation("CHARN").emails) == ((BLABY,), (CHARN,))
    return path


@pytest.fixture
def charnwood_forged(tmp_path, partnership, demo_round) -> Path:
    """Charnwood's own template, filled in by someone else with a phishing lure."""
    path = tmp_path / template_filename("CHARN", ROUND)
    path.write_bytes(build_template(partnership, "CHARN", demo_round))
    wb = load_workbook(path)
    wb["Projects"]["D9"] = PHISH  # a project comment
    wb["Forecast"]["C6"] = LINK  # the 2009/10 commentary, as a live formula
    wb.save(path)
    return path


def _chasers(ws: Path, tmp_path: Path) -> dict[str, email.message.EmailMessage]:
    out = tmp_path / "drafts"
    code, text = run(ws, "chase", "--round", ROUND, "--out", str(out))
    assert code == 0, text
    msgs = {}
    for path in out.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        msgs[msg["To"]] = msg
    return msgs


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as z:
        return "".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
        )


@pytest.mark.slow
def test_a_partner_cannot_file_a_return_for_another(ws, charnwood_forged, tmp_path):
    code, out = run(ws, "receive", str(charnwood_forged), "--sender", BLABY)
    assert code == 1
    assert ": Blaby District Council: NOT ACCEPTED" in out.splitlines()[0]
    assert "not registered" in out and "Charnwood" in out
    rows = status(ws)
    assert rows["CHARN"]["state"] == "missing" and rows["CHARN"]["label"].startswith("Missing")
    assert rows["BLABY"]["state"] == "rejected" and rows["BLABY"]["sender"] == BLABY

    chasers = _chasers(ws, tmp_path)
    charnwood = chasers[CHARN]
    assert "not yet received" in charnwood.get_body(("plain",)).get_content()
    assert "could not be accepted" not in charnwood.get_body(("plain",)).get_content()
    (attachment,) = charnwood.iter_attachments()
    assert attachment.get_filename() == template_filename("CHARN", ROUND)  # their blank template
    text = _xlsx_text(attachment.get_content())
    assert "evil.example" not in text and "HYPERLINK" not in text
    # Blaby is told about the file Blaby sent, and only Blaby.
    assert "could not be accepted" in chasers[BLABY].get_body(("plain",)).get_content()


def test_a_stranger_files_under_no_organisation(ws, charnwood_forged):
    code, out = run(ws, "receive", str(charnwood_forged), "--sender", "someone@evil.example")
    assert code == 1 and ": unknown organisation: NOT ACCEPTED" in out.splitlines()[0]
    assert {row["state"] for row in status(ws).values()} == {"missing"}
    assert [s.org_code for s in Workspace(ws).submissions()] == [None]


@pytest.mark.slow
def test_another_partners_file_does_not_touch_an_accepted_return(ws, make_return):
    assert run(ws, "receive", str(make_return("MELTON")), "--sender", MELTON)[0] == 0
    changed = make_return("MELTON", {"gains_procurement_2008_09": 999.0})
    code, out = run(ws, "receive", str(changed), "--sender", BLABY)
    assert code == 1
    assert "999" not in out.replace("gains_procurement", "")
    assert "resubmission-changed" not in out  # Melton's accepted figures are never quoted to Blaby
    rows = status(ws)
    assert (rows["MELTON"]["state"], rows["MELTON"]["version"]) == ("accepted", 1)
    assert Workspace(ws).accepted_returns(ROUND)["MELTON"]["gains_procurement_2008_09"] != 999.0


@pytest.mark.slow
def test_a_rejected_chaser_attaches_only_what_the_partner_sent(ws, make_return, tmp_path):
    """A file received without a sender (a folder, the ribbon) may be anyone's: the chaser
    lists the problems but attaches nothing."""
    bad = make_return("MELTON", {"signoff_email": "not an email"})
    assert run(ws, "receive", str(bad))[0] == 1
    msg = _chasers(ws, tmp_path)[MELTON]
    body = msg.get_body(("plain",)).get_content()
    assert "could not be accepted" in body and "registered address" in body
    assert list(msg.iter_attachments()) == []


def test_the_right_sender_gets_the_file_checked_again(ws, make_return):
    path = make_return("MELTON")
    code, out = run(ws, "receive", str(path), "--sender", BLABY)
    assert code == 1 and "not registered" in out
    code, out = run(ws, "receive", str(path), "--sender", MELTON)
    assert code == 0, out
    assert "identical to a file already received" not in out and "ACCEPTED (version 1)" in out
    assert status(ws)["MELTON"]["state"] == "accepted"
    code, out = run(ws, "receive", str(path), "--sender", MELTON)  # now it is a duplicate
    assert code == 0 and "identical to a file already received (version 1)" in out


@pytest.mark.slow
def test_registering_the_sender_gets_the_file_checked_again(ws, make_return):
    path, deputy = make_return("MELTON"), "deputy@melton.example.org"
    assert run(ws, "receive", str(path), "--sender", deputy)[0] == 1
    config = ws / "config.toml"
    config.write_text(
        config.read_text("utf-8").replace(
            f'emails = ["{MELTON}"]', f'emails = ["{MELTON}", "{deputy}"]'
        ),
        "utf-8",
    )
    code, out = run(ws, "receive", str(path), "--sender", deputy)
    assert code == 0 and "ACCEPTED" in out and "identical" not in out


def test_a_file_received_for_the_wrong_round_is_checked_again_for_the_right_one(
    tmp_path, make_return
):
    config = tmp_path / "two-rounds.toml"
    config.write_text(
        default_config_text(), "utf-8"
    )  # it ships the 2008/09 review and the 2009/10 outturn
    ws = tmp_path / "ws"
    assert run(ws, "init", "--config", str(config))[0] == 0
    path = make_return("MELTON")
    code, out = run(ws, "receive", str(path), "--sender", MELTON, "--round", "2009-10-outturn")
    assert code == 1 and "2009-10-outturn" in out
    code, out = run(ws, "receive", str(path), "--sender", MELTON, "--round", ROUND)
    assert code == 0 and "ACCEPTED" in out


@pytest.mark.slow
def test_by_mail_the_right_sender_gets_an_answer(tmp_path, ws, make_return):
    """Maildir intake: the same workbook first from Blaby's address, then from Melton's."""
    book = make_return("MELTON").read_bytes()
    to = Workspace(ws).partnership.consolidator_email
    box = tmp_path / "Maildir"
    import mailbox

    maildir = mailbox.Maildir(box, create=True)
    maildir.add(message(BLABY, to, "Melton's return", attachments=[("NI179_MELTON.xlsx", book)]))
    maildir.add(message(MELTON, to, "Our return", attachments=[("NI179_MELTON.xlsx", book)]))
    sink = SmtpSink()
    try:
        workspace = Workspace(ws)
        result = process(workspace, MaildirSource(box), sink.url, authserv_id=AUTHSERV)
        assert not result.errors and result.outcomes == {"rejected": 1, "accepted": 1}
        replies = {m["To"]: m for m in sink.messages}
    finally:
        sink.stop()
    assert set(replies) == {BLABY, MELTON}
    assert "NOT accepted" in replies[BLABY]["Subject"]
    assert "accepted" in replies[MELTON]["Subject"] and "NOT" not in replies[MELTON]["Subject"]
    rows = {s.code: s for s in workspace.status(ROUND)}
    assert rows["MELTON"].state == "accepted" and rows["MELTON"].sender == MELTON
    assert rows["BLABY"].state == "rejected"


@pytest.mark.slow
def test_a_store_from_before_the_verdict_key_upgrades_in_place(tmp_path, store_url, make_return):
    """An existing store (migration 0001) gains the column; its old rows are checked again."""
    from alembic import command
    from sqlalchemy import create_engine

    from xl_ni179.store.migrate import alembic_config

    engine = create_engine(store_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    workspace = Workspace.init(tmp_path / "ws", url=store_url)
    path = make_return("MELTON")
    assert workspace.receive(path, sender=MELTON).outcome == "accepted"
    assert workspace.receive(path, sender=MELTON).outcome == "duplicate"
    workspace.engine.dispose()


@pytest.mark.slow
def test_by_mail_another_partners_template_is_answered_to_its_sender_only(
    tmp_path, ws, charnwood_forged
):
    """Maildir intake: Blaby's address mails Charnwood's template with the phishing lure."""
    import mailbox

    to = Workspace(ws).partnership.consolidator_email
    box = tmp_path / "Maildir"
    mailbox.Maildir(box, create=True).add(
        message(
            BLABY,
            to,
            "NI 179 return",
            attachments=[(charnwood_forged.name, charnwood_forged.read_bytes())],
        )
    )
    sink = SmtpSink()
    try:
        workspace = Workspace(ws)
        result = process(workspace, MaildirSource(box), sink.url, authserv_id=AUTHSERV)
        assert not result.errors and result.outcomes == {"rejected": 1}
        (reply,) = sink.messages
        recipients = sorted(r for rcpts, _ in sink.received for r in rcpts)
    finally:
        sink.stop()
    assert reply["To"] == BLABY and CHARN not in recipients
    rows = {s.code: s.state for s in workspace.status(ROUND)}
    assert rows["CHARN"] == "missing" and rows["BLABY"] == "rejected"


def test_the_same_rejected_file_again_is_still_rejected(ws, make_return):
    path = make_return("MELTON", {"signoff_email": "not an email"})
    assert run(ws, "receive", str(path), "--sender", MELTON)[0] == 1
    code, out = run(ws, "receive", str(path), "--sender", MELTON)
    assert (
        code == 1
        and "rejected; it still needs correcting" in out
        and "signoff-email-invalid" in out
    )
    assert status(ws)["MELTON"]["state"] == "rejected"


@pytest.mark.slow
def test_by_mail_a_quarantined_return_is_handled_once_its_sender_is_registered(
    tmp_path, ws, make_return
):
    """The documented recovery: register the address, put the message back in the inbox."""
    import mailbox

    deputy = "deputy@melton.example.org"
    raw = message(
        deputy,
        Workspace(ws).partnership.consolidator_email,
        "Our return",
        attachments=[("NI179_MELTON.xlsx", make_return("MELTON").read_bytes())],
    )
    box = tmp_path / "Maildir"
    mailbox.Maildir(box, create=True).add(raw)
    sink = SmtpSink()
    try:
        assert process(
            Workspace(ws), MaildirSource(box), sink.url, authserv_id=AUTHSERV
        ).outcomes == {"quarantine": 1}
        config = ws / "config.toml"
        config.write_text(
            config.read_text("utf-8").replace(
                f'emails = ["{MELTON}"]', f'emails = ["{MELTON}", "{deputy}"]'
            ),
            "utf-8",
        )
        mailbox.Maildir(box).add(raw)  # moved back to the inbox by the consolidator's mail client
        workspace = Workspace(ws)
        assert process(workspace, MaildirSource(box), sink.url, authserv_id=AUTHSERV).outcomes == {
            "accepted": 1
        }
        consolidator = workspace.partnership.consolidator_email
        (notice,) = [
            m for m in sink.messages if m["To"] == consolidator
        ]  # of the first, quarantined, message
        assert (
            deputy in notice["Subject"]
            and "not registered" in notice.get_body(("plain",)).get_content()
        )
        (reply,) = [m for m in sink.messages if m["To"] != consolidator]
    finally:
        sink.stop()
    assert reply["To"] == deputy and "accepted" in reply["Subject"]
    assert {s.code: s.state for s in workspace.status(ROUND)}["MELTON"] == "accepted"


@pytest.mark.slow
def test_by_mail_a_file_already_rejected_by_another_route_is_not_called_fine(
    tmp_path, ws, make_return
):
    import mailbox

    path = make_return("MELTON", {"signoff_email": "not an email"})
    assert run(ws, "receive", str(path), "--sender", MELTON)[0] == 1  # e.g. saved from Outlook
    box = tmp_path / "Maildir"
    mailbox.Maildir(box, create=True).add(
        message(
            MELTON,
            Workspace(ws).partnership.consolidator_email,
            "Our return",
            attachments=[(path.name, path.read_bytes())],
        )
    )
    sink = SmtpSink()
    try:
        assert process(
            Workspace(ws), MaildirSource(box), sink.url, authserv_id=AUTHSERV
        ).outcomes == {"duplicate": 1}
        text = sink.messages[0].get_body(("plain",)).get_content()
    finally:
        sink.stop()
    assert "could not be accepted then" in text and "Nothing more is needed" not in text
    assert "signoff-email-invalid" in text
