"""What the mail stack's tests share: the partners, their returns, the intake, and what it did.

The partners' addresses and the message body their officers send, a fresh mailbox per
test (``new_box``), the partners' filled returns as files (``partner_books``, behind the
``books`` fixture in conftest.py), ``ni179 intake`` and ``ni179 status`` run as processes of
their own, the verdict headers our server wrote (``results``), the check that they are the
ones docs/mail-intake.md quotes (``assert_documented``), and the replies and notices the
intake sent. Held apart from the test modules (``test_mail_stack_delivery.py``,
``test_mail_stack_forged.py``) because both use all of it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from helpers.intake_command import intake_argv
from helpers.mailservers import SmtpSink
from helpers.mailstack import MailStack, parse
from helpers.mailstack_network import AUTHSERV, BOXES, GATEWAY_LINE
from xl_ni179.demo.data import demo_returns
from xl_ni179.mail.trust import header_fields
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template
from xl_ni179.template.fill import fill_workbook

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

BORROWED = {
    "CHARN": "NWL",
    "BLABY": "OADBY",
    "HARB": "MELTON",
}  # districts' figures, on their own templates


def partner_books(folder: Path) -> dict[str, Path]:
    """Each partner's filled return (and Melton's with an error) as .xlsx files in ``folder``."""
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


DOC = Path(__file__).resolve().parents[2] / "docs" / "mail-intake.md"
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
    marker = f"<!-- captured by tests/test_mail_stack_*.py: {name} -->"
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
