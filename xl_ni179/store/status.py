"""Where each partner stands in a round, and where the round itself stands: the record
status, consolidation, the ribbon and chasers share."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from xl_ni179.partnership import Round
from xl_ni179.store.outcomes import State

ACCEPTED, REJECTED, MISSING = State.ACCEPTED, State.REJECTED, State.MISSING


@dataclass(frozen=True)
class OrgStatus:
    code: str
    name: str
    short_name: str
    sector: str
    state: State
    late: bool = False  # received after the deadline, or still missing after it
    version: int | None = None  # version number of the accepted (or latest) return
    received_at: dt.datetime | None = None
    sender: str | None = None
    sha256: str | None = None
    errors: int = 0
    warnings: tuple[str, ...] = ()  # outstanding (unexplained) warning messages
    last_chased: dt.datetime | None = None
    findings: tuple[dict, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        text = {ACCEPTED: "Accepted", REJECTED: "Rejected: awaiting a fix", MISSING: "Missing"}[
            self.state
        ]
        return text + (" (late)" if self.late else "")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["label"] = self.label
        for key in ("received_at", "last_chased"):
            if data[key] is not None:
                data[key] = data[key].isoformat(timespec="seconds")
        data["warnings"] = list(self.warnings)
        data["findings"] = list(self.findings)
        return data


NOT_OPEN, OPEN, PAST_DEADLINE, CLOSED = "not open yet", "open", "past deadline", "closed"


@dataclass(frozen=True)
class RoundState:
    """Where a round stands on a date: what `status` and the ribbon's status sheet show."""

    round_id: str
    state: str  # not open yet, open, past deadline or closed
    late: int  # organisations late: received after the deadline, or still missing after it
    late_received: int
    late_missing: int
    text: str  # e.g. "past deadline (14 May 2010): 3 late (1 received late, 2 still missing)"

    def to_dict(self) -> dict:
        return asdict(self)


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def round_state(rnd: Round, statuses: list[OrgStatus], now: dt.datetime) -> RoundState:
    """The round's state at ``now`` (an input: the caller decides what 'now' is)."""
    day = now.date()
    late = [s for s in statuses if s.late]
    received = sum(1 for s in late if s.state != MISSING)
    missing = len(late) - received
    closes = f"; closes {_day(rnd.closes)}" if rnd.closes else ""
    if rnd.opens and day < rnd.opens:
        state, text = (
            NOT_OPEN,
            f"not open yet: opens {_day(rnd.opens)}, deadline {_day(rnd.deadline)}{closes}",
        )
    elif day <= rnd.deadline:
        state, text = OPEN, f"open: deadline {_day(rnd.deadline)}{closes}"
    else:
        parts = [f"{received} received late"] * bool(received) + [
            f"{missing} still missing"
        ] * bool(missing)
        count = f"{len(late)} late" + (f" ({', '.join(parts)})" if parts else "")
        if rnd.closes is not None and rnd.is_closed_on(day):
            state, text = CLOSED, f"closed on {_day(rnd.closes)}: returns are refused; {count}"
        else:
            state, text = PAST_DEADLINE, f"past deadline ({_day(rnd.deadline)}): {count}{closes}"
    return RoundState(rnd.id, state, len(late), received, missing, text)
