"""Partner text is bounded wherever it is repeated, and never reaches a terminal raw.

Issue 17, items 8 and 9. A 40 KB return whose inputs all show one 32,767-character text
made an 18 MB reply that the council's mail server refused, so the partner was never
answered; text with CR/LF, escape sequences and C1 codes forged lines in the
consolidator's terminal. Each case runs through the real command (a subprocess, its bytes
read as printed) or the real mail intake (Dovecot, and an SMTP server refusing what
Postfix's default ``message_size_limit`` refuses: the sink stands in for Postfix, which the
mail-stack tests run for real).
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.mailservers import AUTHSERV, POSTFIX_SIZE_LIMIT, SmtpSink, message
from helpers.partner_text import (
    EXCEL_MAX_TEXT,
    add_defined_names,
    long_text,
    point_cells_at_one_string,
    set_inline_text,
)
from openpyxl import load_workbook

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.mail import MaildirSource, process
from xl_ni179.partnership import default_config_text
from xl_ni179.spec.schema import GAINS, TEXT, build_schema
from xl_ni179.store.models import Figure, Submission
from xl_ni179.store.workspace import Workspace
from xl_ni179.text import QUOTE_CHARS, quote, visible

MELTON = "finance@melton.example.org"
SAID = f"({EXCEL_MAX_TEXT:,} characters; the first {QUOTE_CHARS} are shown)"
FORGED = "NI179_BLABY_2008-09-review.xlsx: Blaby District Council: ACCEPTED"
# CR/LF and a forged verdict line; C1 codes (NEL, CSI) and ESC [2K written as Excel escapes a
# character XML cannot hold; a bidi override and a line separator.
HOSTILE = f"63.5\r\n{FORGED}\x85\x9b2K_x001B_[2K\u202eevil\u2028{FORGED}\n"


def ni179(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xl_ni179", *args],
        capture_output=True,
        timeout=300,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def melton(tmp_path_factory, partnership, demo_round, templates_dir, demo_data) -> Path:
    from xl_ni179.template import template_filename
    from xl_ni179.template.fill import fill_workbook

    out = tmp_path_factory.mktemp("melton") / "melton.xlsx"
    return fill_workbook(
        partnership,
        templates_dir / template_filename("MELTON", demo_round.id),
        demo_data["MELTON"],
        out,
    )


@pytest.fixture(scope="module")
def inflated(melton, partnership, demo_round) -> Path:
    """The issue's return: every input that is not free text shows one 32,767-character text."""
    schema = build_schema(partnership, demo_round)
    cells = [(f.sheet, f.cell) for f in schema.fields if f.type != TEXT]
    out = point_cells_at_one_string(melton, melton.with_name("inflated.xlsx"), cells, long_text())
    assert out.stat().st_size < 60_000 and len(cells) >= 76
    return out


# -- the two functions -----------------------------------------------------------------------


def test_quote_keeps_short_text_and_says_how_long_long_text_was():
    assert quote("Green") == "Green"
    text = "x" * 5000
    assert (
        quote(text)
        == "x" * QUOTE_CHARS + f"… (5,000 characters; the first {QUOTE_CHARS} are shown)"
    )


def test_visible_escapes_what_moves_the_cursor_and_keeps_ordinary_text():
    assert (
        visible("Oadby & Wigston: £1,250.5k – Ünïcode 東京 C:\\Returns")
        == "Oadby & Wigston: £1,250.5k – Ünïcode 東京 C:\\Returns"
    )
    assert (
        visible("a\r\nb\tc\x1b[2Kd\x7f\x85\x9b\u202e\u2066\u200b\u2028\u2029\ud800")
        == "a\\r\\nb\\tc\\x1b[2Kd\\x7f\\x85\\x9b\\u202e\\u2066\\u200b\\u2028\\u2029\\ud800"
    )


# -- item 8: bounded ------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_of_the_inflated_return_is_bounded(inflated, tmp_path):
    done = ni179("validate", "--annotate", str(tmp_path / "checked"), str(inflated), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    out = done.stdout.decode()
    assert len(done.stdout) < 80_000  # 2.5 MB before
    assert out.count("[money-not-a-number]") >= 70 and out.count(SAID) >= 70
    assert max(len(line) for line in out.splitlines()) < 600
    copy = tmp_path / "checked" / "inflated-checked.xlsx"
    assert copy.stat().st_size < 200_000
    wb = load_workbook(copy)
    shown = wb[GAINS]["B8"].value  # the partner's text, cut, is still there to find and fix
    assert shown.endswith(SAID) and len(shown) < 400

    as_json = ni179("validate", "--json", str(inflated), cwd=tmp_path)
    (report,) = json.loads(as_json.stdout)
    assert len(as_json.stdout) < 200_000 and not report["valid"] and report["omitted"] == 0
    assert all(len(f["message"]) < 1000 for f in report["findings"])


@pytest.mark.slow
def test_receive_of_the_inflated_return_does_not_inflate_the_store(inflated, tmp_path):
    ws_path = tmp_path / "ws"
    Workspace.init(ws_path).engine.dispose()
    before = (ws_path / "ni179.sqlite").stat().st_size
    done = ni179(
        "--workspace", str(ws_path), "receive", "--sender", MELTON, str(inflated), cwd=tmp_path
    )
    assert done.returncode == 1 and b"NOT ACCEPTED" in done.stdout, done.stderr
    assert len(done.stdout) < 80_000
    grown = (ws_path / "ni179.sqlite").stat().st_size - before
    assert grown < 500_000, grown  # 5 MB before
    with sqlite3.connect(ws_path / "ni179.sqlite") as db:
        (report,) = db.execute(f"SELECT report FROM {Submission.__tablename__}").fetchone()
        longest = db.execute(f"SELECT max(length(text)) FROM {Figure.__tablename__}").fetchone()[0]
    assert len(report) < 150_000 and longest < 400


@pytest.mark.slow
def test_a_report_lists_at_most_500_findings_and_counts_the_rest(melton, tmp_path):
    many = add_defined_names(melton, tmp_path / "names.xlsx", 700)
    done = ni179("validate", str(many), cwd=tmp_path)
    out = done.stdout.decode()
    assert done.returncode == 1 and out.count("[name-added]") == 500
    assert out.rstrip().endswith("... and 200 more problems not listed here.")
    (report,) = json.loads(ni179("validate", "--json", str(many), cwd=tmp_path).stdout)
    assert (len(report["findings"]), report["omitted"], report["errors"]) == (500, 200, 700)


def _intake(ws: Workspace, tmp_path: Path, sink: SmtpSink, files: dict[str, bytes]) -> tuple:
    import mailbox

    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name, data in files.items():
        box.add(
            message(
                MELTON, ws.partnership.consolidator_email, "Our return", attachments=[(name, data)]
            )
        )
    result = process(ws, MaildirSource(tmp_path / "Maildir"), sink.url, authserv_id=AUTHSERV)
    return result, box


@pytest.fixture
def postfix_sized_sink():
    sink = SmtpSink(size_limit=POSTFIX_SIZE_LIMIT)
    yield sink
    sink.stop()


def _raw(reply) -> bytes:
    """The reply as the server took it (lines end CRLF on the wire)."""
    return reply.as_bytes(policy=reply.policy.clone(linesep="\r\n"))


@pytest.mark.slow
def test_mail_intake_answers_the_inflated_return_within_the_limit(
    inflated, tmp_path, postfix_sized_sink
):
    ws = Workspace.init(tmp_path / "ws")
    result, box = _intake(ws, tmp_path, postfix_sized_sink, {"return.xlsx": inflated.read_bytes()})
    assert result.errors == [] and result.outcomes == {"rejected": 1}
    (reply,) = postfix_sized_sink.messages
    assert len(_raw(reply)) <= 5 * 1024 * 1024
    text = reply.get_body(("plain",)).get_content()
    assert text.count("[money-not-a-number]") >= 70 and SAID in text and "more problems" not in text
    assert [a.get_filename() for a in reply.iter_attachments()] == [
        "NI179_MELTON_2008-09-review_checked.xlsx"
    ]
    assert len(box.get_folder("Rejected")) == 1 and len(box) == 0  # answered and filed: not stuck


@pytest.mark.slow
def test_a_reply_over_the_configured_limit_lists_the_first_findings_and_points_at_the_copy(
    melton, tmp_path, postfix_sized_sink
):
    config = tmp_path / "config.toml"
    config.write_text(
        default_config_text().replace("[partnership]\n", "[partnership]\nreply_limit_mb = 0.5\n", 1)
    )
    ws = Workspace.init(tmp_path / "ws", config)
    many = add_defined_names(melton, tmp_path / "names.xlsx", 700)
    result, _ = _intake(ws, tmp_path, postfix_sized_sink, {"return.xlsx": many.read_bytes()})
    assert result.errors == []
    (reply,) = postfix_sized_sink.messages
    assert len(_raw(reply)) <= 512 * 1024
    text = reply.get_body(("plain",)).get_content()
    listed = text.count("[name-added]")
    assert 0 < listed < 500
    # The store keeps the first 500 findings (and counts the rest): the copy lists those.
    assert (
        f"... and {700 - listed} more problems not listed here: the first 500 are listed on the 'Validation "
        "results' sheet of the attached checked copy"
    ) in " ".join(text.split())
    (copy,) = reply.iter_attachments()
    assert copy.get_filename().endswith("_checked.xlsx")


@pytest.mark.slow
def test_a_checked_copy_that_would_break_the_limit_is_left_off_and_the_reply_says_so(
    melton, tmp_path, postfix_sized_sink, partnership, demo_round
):
    config = tmp_path / "config.toml"
    config.write_text(
        default_config_text().replace("[partnership]\n", "[partnership]\nreply_limit_mb = 0.5\n", 1)
    )
    ws = Workspace.init(tmp_path / "ws", config)
    schema = build_schema(partnership, demo_round)
    # Every input, free text included, shows the long text: the copy keeps free text whole.
    every = point_cells_at_one_string(
        melton, tmp_path / "every.xlsx", [(f.sheet, f.cell) for f in schema.fields], long_text()
    )
    result, box = _intake(ws, tmp_path, postfix_sized_sink, {"return.xlsx": every.read_bytes()})
    assert result.errors == [] and result.outcomes == {"rejected": 1}
    (reply,) = postfix_sized_sink.messages
    assert len(_raw(reply)) <= 512 * 1024
    assert list(reply.iter_attachments()) == []
    text = " ".join(reply.get_body(("plain",)).get_content().split())
    assert "The checked copy of your workbook is not attached" in text and "0.5 MB" in text
    assert len(box.get_folder("Rejected")) == 1


def test_the_configured_limit_is_checked():
    from xl_ni179.errors import ConfigError
    from xl_ni179.partnership import parse_partnership

    text = default_config_text().replace(
        "[partnership]\n", "[partnership]\nreply_limit_mb = 0.1\n", 1
    )
    with pytest.raises(ConfigError, match="reply_limit_mb: must be between 0.5 and 100"):
        parse_partnership(text, "config.toml")
    assert parse_partnership(default_config_text(), "x").reply_limit_bytes == 5 * 1024 * 1024


# -- item 9: visible ------------------------------------------------------------------------

# Bytes a terminal acts on: C0 controls but LF (each line is ours), DEL, C1 controls (as UTF-8),
# and the bidi overrides, isolates and line/paragraph separators (as UTF-8).
RAW_CONTROL = re.compile(
    rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)


def assert_safe(printed: bytes, file_start: bytes) -> None:
    assert RAW_CONTROL.search(printed) is None, RAW_CONTROL.search(printed)
    for line in printed.split(b"\n"):
        # Each line is ours: a report's first line, an indented finding, or empty.
        assert line == b"" or line.startswith((file_start, b"  ")), line
    assert b"ACCEPTED" not in printed.replace(b"NOT ACCEPTED", b"").split(b"\n")[0]


@pytest.fixture(scope="module")
def forged(melton, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("forged")
    # The file name too: a name saved from an email is anyone's text.
    return set_inline_text(melton, folder / "return\x1b[2K\r\x9b31m.xlsx", GAINS, "B8", HOSTILE)


@pytest.mark.slow
def test_validate_prints_partner_text_with_its_control_characters_visible(forged, tmp_path):
    done = ni179("validate", str(forged), cwd=tmp_path)
    assert done.returncode == 1
    assert_safe(done.stdout, str(forged.parent).encode())
    # A raw CR LF in the sheet's XML is read as LF, as every XML parser (Excel's included) must.
    assert b"\\nNI179_BLABY" in done.stdout and b"\\x85\\x9b2K" in done.stdout
    assert b"return\\x1b[2K\\r\\x9b31m.xlsx" in done.stdout
    assert b"\\u202eevil\\u2028" in done.stdout

    as_json = ni179("validate", "--json", str(forged), cwd=tmp_path)
    assert RAW_CONTROL.search(as_json.stdout) is None and as_json.stdout.isascii()
    (report,) = json.loads(as_json.stdout)  # valid JSON, holding the exact text
    assert report["file"] == str(forged)
    as_read = HOSTILE.replace("_x001B_", "\x1b").replace("\r\n", "\n")
    assert as_read in report["findings"][0]["message"]


@pytest.mark.slow
def test_receive_and_status_print_partner_text_with_its_control_characters_visible(
    forged, tmp_path
):
    ws = tmp_path / "ws"
    Workspace.init(ws).engine.dispose()
    done = ni179("--workspace", str(ws), "receive", "--sender", MELTON, str(forged), cwd=tmp_path)
    assert done.returncode == 1 and b"NOT ACCEPTED" in done.stdout
    assert_safe(done.stdout, str(forged.parent).encode())
    again = ni179("--workspace", str(ws), "receive", "--sender", MELTON, str(forged), cwd=tmp_path)
    assert b"Recorded as a duplicate" in again.stdout
    assert_safe(again.stdout, str(forged.parent).encode())
    status = ni179("--workspace", str(ws), "status", "--round", "2008-09-review", cwd=tmp_path)
    assert status.returncode == 0 and RAW_CONTROL.search(status.stdout) is None


def test_the_reply_to_a_forged_return_forges_no_line(forged, tmp_path, smtp):
    ws = Workspace.init(tmp_path / "ws")
    result, _ = _intake(ws, tmp_path, smtp, {"return.xlsx": forged.read_bytes()})
    assert result.outcomes == {"rejected": 1}
    (reply,) = smtp.messages
    text = reply.get_body(("plain",)).get_content()
    assert not any(line.startswith(FORGED) for line in text.splitlines())
    assert "\\nNI179_BLABY" in text


def test_a_message_with_many_attachments_is_answered_and_recorded_bounded(tmp_path, smtp):
    import mailbox

    from xl_ni179.store.mail_ledger import MailMessage

    ws = Workspace.init(tmp_path / "ws")
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    # 150 parts: within what the intake parses (beyond MAX_MIME_PARTS a message is quarantined
    # unparsed, tests/test_mail_bounds.py), yet far more than a reply should list.
    files = [(f"return-{i:03d}-{'x' * 100}.xls", b"\xd0\xcf\x11\xe0old") for i in range(150)]
    box.add(message(MELTON, ws.partnership.consolidator_email, "Returns", attachments=files))
    result = process(ws, MaildirSource(tmp_path / "Maildir"), smtp.url, authserv_id=AUTHSERV)
    assert result.outcomes == {"wrong-format": 1}
    (reply,) = smtp.messages
    text = " ".join(reply.get_body(("plain",)).get_content().split())
    assert (
        "return-009-" in text
        and "return-010-" not in text
        and "and 140 more is not an .xlsx" in text
    )
    with ws.session() as s:
        (row,) = s.query(MailMessage).all()
        assert row.detail["count"] == 150 and len(row.detail["names"]) == 20
