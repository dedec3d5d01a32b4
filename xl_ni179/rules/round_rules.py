"""Receipt rules: when a return arrived, against its round's dates.

A round has opening, deadline and closing dates. A return after the deadline is late
(a status, not a finding: there is nothing in the workbook to fix). A return after the
round has closed is refused, and the partner is told which round is open instead. The
receive date is an input (the mail intake's receive time, or the caller's), never read
from the clock: ``xl_ni179.checks.receipt`` makes the check.
"""

from __future__ import annotations

from xl_ni179.rules.base import Rule, register

ROUND_CLOSED = register(
    Rule(
        "round-closed",
        "error",
        "receipt",
        "The return's round was still open when the return arrived.",
        "This return is for the '{round}' round, which closed on {closed}; it arrived on {received}. {open_now}",
        "Returns for '{round}' are no longer taken. {next_step}",
    )
)
