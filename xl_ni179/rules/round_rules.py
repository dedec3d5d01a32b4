"""Receipt rules: when a return arrived, against its round's dates.

A round has opening, deadline and closing dates. A return after the deadline is late
(a status, not a finding: there is nothing in the workbook to fix). A return after the
round has closed is refused, and the partner is told which round is open instead. The
receive date is an input (the mail intake's receive time, or the caller's), never read
from the clock here, so the decision can be tested and replayed.
"""

from __future__ import annotations

import datetime as dt

from xl_ni179.config import Partnership
from xl_ni179.findings import Finding
from xl_ni179.rules.base import Rule, register

ROUND_CLOSED = register(Rule(
    "round-closed", "error", "receipt", "The return's round was still open when the return arrived.",
    "This return is for the '{round}' round, which closed on {closed}; it arrived on {received}. {open_now}",
    "Returns for '{round}' are no longer taken. {next_step}"))


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def closed_round_finding(p: Partnership, round_id: str, received_at: dt.datetime) -> Finding | None:
    """The refusal for a return of ``round_id`` received at ``received_at``; None while the round is open."""
    rnd = p.round(round_id)
    day = received_at.date()
    if not rnd.is_closed_on(day):
        return None
    open_now = [r for r in p.open_rounds(day) if r.id != rnd.id]
    contact = f"{p.consolidator_name} ({p.consolidator_email})"
    if open_now:
        now = open_now[0]
        open_text = f"The round open now is '{now.id}' ({now.title}), deadline {_day(now.deadline)}."
        step = (f"Send your figures on the '{now.id}' template instead ({contact} can send it); a changed "
                f"figure for an earlier year can be given there, with its explanation.")
    else:
        open_text = "No round is open now."
        step = f"Contact {contact} if your figures still need to be counted."
    return ROUND_CLOSED.finding(round=rnd.id, closed=_day(rnd.closes), received=_day(day),  # type: ignore[arg-type]
                                open_now=open_text, next_step=step)
