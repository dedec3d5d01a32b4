"""`ni179 intake` as the tests run it: its command line written once.

The mail tests start the intake as the consolidator's scheduled task does, a process of its
own (or through click's runner); each used to spell out the same dozen arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from helpers.mailservers import AUTHSERV

NI179 = (sys.executable, "-m", "xl_ni179")  # the `ni179` command, in this venv
NI179_MAIL = (sys.executable, "-m", "xl_ni179.mail")  # the mail commands alone (the intake's door)


def intake_args(
    workspace: str | Path,
    *,
    smtp: str,
    maildir: str | Path | None = None,
    imap: str | None = None,
    once: bool = True,
    authserv_id: str | None = AUTHSERV,
    extra: Sequence[str] = (),
) -> list[str]:
    """The arguments after the program: ``--workspace WS intake`` reading ``maildir`` or
    ``imap``, answering through ``smtp``, one pass (``--once``) unless told otherwise, trusting
    the Authentication-Results of ``authserv_id`` (None: the option left out)."""
    if (maildir is None) == (imap is None):
        raise ValueError("give the intake a Maildir or an IMAP URL, not both")
    source = ["--maildir", str(maildir)] if maildir is not None else ["--imap", str(imap)]
    return [
        "--workspace",
        str(workspace),
        "intake",
        *source,
        "--smtp",
        smtp,
        *(["--once"] if once else []),
        *(["--authserv-id", authserv_id] if authserv_id is not None else []),
        *extra,
    ]


def intake_argv(
    workspace: str | Path, *, program: Sequence[str] = NI179, **options: Any
) -> list[str]:
    """The whole command line: ``program`` (``NI179`` or ``NI179_MAIL``), then ``intake_args``."""
    return [*program, *intake_args(workspace, **options)]
