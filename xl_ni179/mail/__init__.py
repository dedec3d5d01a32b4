"""Mail intake: returns arriving in a shared mailbox are validated, filed and answered.

Also the chasers: reminders to partners whose return is missing or was rejected.

Names are loaded on first use, so that `ni179 --help` and the commands that do not
touch mail start without the store and workbook libraries. The type checker reads the
imports below instead of ``__getattr__`` (which it does not see), so a misspelt name is
an error, not ``Any``; tests/test_structure.py checks the two lists agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xl_ni179.mail.chasers import draft_chasers, send_chasers
    from xl_ni179.mail.intake import IntakeResult, process
    from xl_ni179.mail.sources import ImapSource, MaildirSource, open_source
    from xl_ni179.store.mail_ledger import MailMessage  # the ledger table lives with the store
else:
    from importlib import import_module
    from typing import Any

    _FROM = {
        "draft_chasers": "xl_ni179.mail.chasers",
        "send_chasers": "xl_ni179.mail.chasers",
        "IntakeResult": "xl_ni179.mail.intake",
        "process": "xl_ni179.mail.intake",
        "MailMessage": "xl_ni179.store.mail_ledger",
        "ImapSource": "xl_ni179.mail.sources",
        "MaildirSource": "xl_ni179.mail.sources",
        "open_source": "xl_ni179.mail.sources",
    }

    def __getattr__(name: str) -> Any:
        if name not in _FROM:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return getattr(import_module(_FROM[name]), name)


__all__ = [
    "ImapSource",
    "IntakeResult",
    "MailMessage",
    "MaildirSource",
    "draft_chasers",
    "open_source",
    "process",
    "send_chasers",
]
