"""Mail intake: returns arriving in a shared mailbox are validated, filed and answered.

Also the chasers: reminders to partners whose return is missing or was rejected.

Names are loaded on first use, so that `ni179 --help` and the commands that do not
touch mail start without the store and workbook libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "draft_chasers": "chasers", "send_chasers": "chasers",
    "IntakeResult": "intake", "process": "intake",
    "MailMessage": "xl_ni179.store.mail_ledger",  # the ledger table lives with the store
    "ImapSource": "sources", "MaildirSource": "sources", "open_source": "sources",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    if name not in _NAMES:
        raise AttributeError(f"module 'xl_ni179.mail' has no attribute {name!r}")
    module = _NAMES[name] if "." in _NAMES[name] else f"xl_ni179.mail.{_NAMES[name]}"
    return getattr(importlib.import_module(module), name)
