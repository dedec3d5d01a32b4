"""The receipt check: was the return's round still open when the return arrived?

The receive date is an input (the mail intake's receive time, or the caller's), never read
from the clock here, so the decision can be tested and replayed.
"""

from __future__ import annotations

import datetime as dt

from xl_ni179.partnership import Partnership
from xl_ni179.rules.findings import Finding
from xl_ni179.rules.round_rules import ROUND_CLOSED

EMITS = (ROUND_CLOSED.code,)


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def closed_round_finding(p: Partnership, round_id: str, received_at: dt.datetime) -> Finding | None:
    """The refusal for a return of ``round_id`` received at ``received_at``; None while the round is open."""
    rnd = p.round(round_id)
    day = received_at.date()
    if rnd.closes is None or not rnd.is_closed_on(
        day
    ):  # a round without a closing date never closes
        return None
    open_now = [r for r in p.open_rounds(day) if r.id != rnd.id]
    contact = f"{p.consolidator_name} ({p.consolidator_email})"
    if open_now:
        now = open_now[0]
        open_text = (
            f"The round open now is '{now.id}' ({now.title}), deadline {_day(now.deadline)}."
        )
        step = (
            f"Send your figures on the '{now.id}' template instead ({contact} can send it); a changed "
            f"figure for an earlier year can be given there, with its explanation."
        )
    else:
        open_text = "No round is open now."
        step = f"Contact {contact} if your figures still need to be counted."
    return ROUND_CLOSED.finding(
        round=rnd.id,
        closed=_day(rnd.closes),
        received=_day(day),
        open_now=open_text,
        next_step=step,
    )
