"""Every environment variable the package reads: each named once, and read here.

What each one does is documented where a user meets it: the workspace and the store in the
README and docs/store.md, the mail settings in docs/mail-intake.md. A command-line option a
variable stands in for (click's ``envvar``) names it from here too. Imports nothing heavy:
the ribbon and the worksheet functions read it on every click.
"""

from __future__ import annotations

import os

WORKSPACE = "NI179_WORKSPACE"  # the workspace folder (xl_ni179.store.location says when it counts)
DATABASE_URL = "NI179_DATABASE_URL"  # a shared database instead of the workspace's SQLite file
LOCK_WAIT = "NI179_LOCK_WAIT"  # seconds to wait for a store another command is writing to
SMTP_URL = "NI179_SMTP_URL"  # the mail server replies and chasers are sent through
AUTHSERV_ID = "NI179_AUTHSERV_ID"  # our receiving mail server's authserv-id (xl_ni179.mail.trust)
RECEIVED_BY = "NI179_RECEIVED_BY"  # the name in the Received header that server adds
IMAP, SMTP = "NI179_IMAP", "NI179_SMTP"  # prefixes of the login settings below
INTAKE_STEP_DELAY = "NI179_INTAKE_STEP_DELAY"  # tests only: seconds between the intake's steps


def get(name: str) -> str | None:
    """The variable's value as set; None when it is not set, or set to blanks only."""
    value = os.environ.get(name)
    return value if value and value.strip() else None


def user(prefix: str) -> str | None:
    """``<prefix>_USER``: the login name for a mail server whose URL names none."""
    return get(f"{prefix}_USER")


def password(prefix: str) -> str | None:
    """``<prefix>_PASSWORD``: the password for a mail server whose URL gives none."""
    return get(f"{prefix}_PASSWORD")


def oauth_token(prefix: str) -> str | None:
    """``<prefix>_OAUTH_TOKEN``: an OAuth2 token, used instead of the password (XOAUTH2)."""
    return get(f"{prefix}_OAUTH_TOKEN")
