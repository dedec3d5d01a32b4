"""An address two organisations list: one answer on every path (xl_ni179.partnership.senders).

It is matched to neither organisation, never to the first one listed: `ni179 receive --sender`
files the return under neither and rejects it with `sender-ambiguous`; the mail intake
holds the message in quarantine, stores nothing, answers no one, and tells the consolidator
which organisations list the address.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.mailservers import AUTHSERV, message

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.cli import main
from xl_ni179.mail import MaildirSource, process
from xl_ni179.partnership import default_config_text, parse_partnership
from xl_ni179.store.workspace import Workspace

SHARED = "finance@shared-services.example.org"
LCC, HINCK = "Leicestershire County Council", "Hinckley and Bosworth Borough Council"


def _shared_config() -> str:
    """The built-in configuration with SHARED listed by LCC and by HINCK (in that order)."""
    text = default_config_text()
    for address in (
        "finance@leicestershire-cc.example.org",
        "finance@hinckley-bosworth.example.org",
    ):
        assert text.count(f'"{address}"') == 1
        text = text.replace(f'"{address}"', f'"{address}", "{SHARED.upper()}"')
    return text


@pytest.fixture
def ws(tmp_path) -> Workspace:
    config = tmp_path / "shared.toml"
    config.write_text(_shared_config(), "utf-8")
    return Workspace.init(tmp_path / "ws", config)


def test_the_address_speaks_for_neither_organisation():
    p = parse_partnership(_shared_config(), "test")
    match = p.sender(f"  {SHARED}  ")
    assert match.ambiguous and [o.code for o in match.listed_by] == ["LCC", "HINCK"]
    assert (
        match.organisation is None and p.organisation_for_email(SHARED) is None
    )  # not the first listed
    assert not match.may_send_for("LCC") and not match.may_send_for("HINCK")
    assert p.filed_under("LCC", SHARED) is None and p.filed_under("LCC", None) == "LCC"
    assert LCC in match.problem and HINCK in match.problem
    # The organisations' own addresses are still theirs alone.
    assert p.sender("finance@leicestershire-cc.example.org").organisation.code == "LCC"


def test_config_check_warns_of_the_address_naming_both_organisations(tmp_path):
    """It said only "OK": the consolidator learnt of the shared address when a partner's
    return sat in quarantine."""
    config = tmp_path / "shared.toml"
    config.write_text(_shared_config(), "utf-8")
    result = CliRunner().invoke(main, ["config", "check", str(config)])
    assert result.exit_code == 0, result.output  # the file is valid; the warning is advice
    ok, warning = result.output.strip().split("\n")
    assert ok.endswith("OK: 13 organisations, 3 agreements, 2 round(s), 7 projects.")
    assert warning.startswith(f"Warning: {SHARED} is in the emails of both {LCC} and {HINCK}.")
    assert "counted for none of them" in warning and "quarantine" in warning
    assert "Keep the address under the one organisation that sends from it" in warning
    docs = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text("utf-8")
    assert warning in docs.splitlines(), "docs/config.md shows another warning"

    alone = CliRunner().invoke(main, ["config", "check"])  # the built-in file shares none
    assert alone.exit_code == 0 and "Warning" not in alone.output


def test_a_return_received_from_it_counts_for_neither(ws, make_return):
    path = make_return("LCC")
    result = CliRunner().invoke(
        main, ["--workspace", str(ws.path), "receive", str(path), "--sender", SHARED]
    )
    assert result.exit_code == 1, result.output
    assert "sender-ambiguous" in result.output and LCC in result.output and HINCK in result.output
    (sub,) = ws.submissions()
    assert sub.org_code is None and sub.outcome == "rejected"
    assert {s.code: s.state for s in ws.status()}["LCC"] == "missing"
    # The same file from LCC's own address is LCC's, and accepted.
    assert ws.receive(path, sender="finance@leicestershire-cc.example.org").outcome == "accepted"


def test_the_mail_intake_holds_its_message_and_tells_the_consolidator(
    ws, make_return, tmp_path, smtp
):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    to = ws.partnership.consolidator_email
    box.add(
        message(
            SHARED, to, "Our return", attachments=[("return.xlsx", make_return("LCC").read_bytes())]
        )
    )
    result = process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    assert dict(result.outcomes) == {"quarantine": 1}
    assert ws.submissions() == []  # nothing stored, so no status changed
    assert len(box) == 0 and len(box.get_folder("Quarantine")) == 1
    (notice,) = smtp.messages
    assert notice["To"] == to and SHARED not in (
        notice["To"] + (notice["Cc"] or "")
    )  # the sender is not answered
    text = notice.get_body(("plain",)).get_content()
    assert f"registered for {LCC} and {HINCK}" in text
    assert "one organisation only" in text
