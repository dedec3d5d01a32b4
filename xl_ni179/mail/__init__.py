"""Mail intake: returns arriving in a shared mailbox are validated, filed and answered.

Also the chasers: reminders to partners whose return is missing or was rejected.
"""

from xl_ni179.mail.chasers import draft_chasers, send_chasers
from xl_ni179.mail.intake import IntakeResult, process
from xl_ni179.mail.models import MailMessage
from xl_ni179.mail.sources import ImapSource, MaildirSource, open_source

__all__ = ["ImapSource", "IntakeResult", "MailMessage", "MaildirSource", "draft_chasers", "open_source",
           "process", "send_chasers"]
