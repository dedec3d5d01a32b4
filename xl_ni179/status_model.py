"""Where each partner stands in a round: the record status, consolidation and chasers share."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

ACCEPTED, REJECTED, MISSING = "accepted", "rejected", "missing"


@dataclass(frozen=True)
class OrgStatus:
    code: str
    name: str
    short_name: str
    sector: str
    state: str  # accepted, rejected (awaiting a fix) or missing
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
        text = {ACCEPTED: "Accepted", REJECTED: "Rejected: awaiting a fix", MISSING: "Missing"}[self.state]
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
