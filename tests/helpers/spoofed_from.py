"""The From headers a spoofer writes to pass for a partner (issue 11, item 5).

Each shows Melton's address somewhere a reader (or a lax parser) would take for the sender
while the real sender is another, or none. ``test_mail_trust_intake.py`` sends them all
through the intake (quarantined); ``test_mail_trust_headers.py`` checks the From reader
refuses each but the first (which is one plain address: DMARC decides that one). Held here
because both modules use the one list.
"""

from __future__ import annotations

SPOOFED_FROM = [
    "finance@melton.example.org",  # plain, but DMARC passed for evil.example
    '"finance@melton.example.org" <boss@evil.example>',  # the partner's address as display name
    "=?utf-8?q?finance=40melton=2Eexample=2Eorg_=3Cfinance=40melton=2Eexample=2Eorg=3E?=",  # encoded-word
    '"finance@melton.example.org"',  # a quoted local part that reads like the partner's address
    "finance@melton.example.org (boss@evil.example)",  # a comment holding another address
    "finance@melton.example.org <boss@evil.example>",  # two parsers, two answers
    "finance@melton.example.org, boss@evil.example",
    "Partners: finance@melton.example.org;",  # group syntax
    "<@evil.example:finance@melton.example.org>",  # obsolete route
    "finance@melton.example.org\nFrom: boss@evil.example",  # two From headers
]
