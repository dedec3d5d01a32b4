"""The Returns status and Findings sheets: who has returned, and what is still open."""

from __future__ import annotations

from xl_ni179.consolidate.sheet import ALARM, Sheet
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import en_dash
from xl_ni179.consolidate.xlhelpers import (
    DATETIME,
    FILLS,
    fill_row,
    note,
    put,
    section,
    table,
    title,
    widths,
)
from xl_ni179.rules.findings import place
from xl_ni179.store.quarantine import QuarantinedMail
from xl_ni179.store.status import ACCEPTED, MISSING, REJECTED

STATUS_LABELS = (
    "Organisation",
    "Sector",
    "Status",
    "Late",
    "Version",
    "Received",
    "Sender",
    "Errors",
    "Outstanding warnings",
    "Last chased",
)


def write_returns_status(ws: Sheet, summary: Summary) -> None:
    rnd = summary.round
    row = title(
        ws,
        f"Returns status: {en_dash(rnd.title)}",
        f"Deadline {rnd.deadline:%d %B %Y}; position at {summary.as_of:%d %B %Y}. "
        f"The round is {summary.round_state().text}.",
    )
    for sentence in summary.status_sentences():
        put(ws, row, 1, sentence)
        row += 1
    row = (
        note(
            ws,
            row,
            "Red: missing. Orange: rejected, awaiting a corrected return. "
            "Yellow: late. Green: accepted.",
        )
        + 1
    )
    header_row = row
    rows = []
    sectors = summary.partnership.sectors
    for status in summary.statuses.values():
        rows.append(
            (
                status.short_name,
                sectors[status.sector].name if status.sector in sectors else status.sector,
                status.label,
                status.late,
                status.version,
                status.received_at,
                status.sender,
                status.errors,
                len(status.warnings),
                status.last_chased,
            )
        )
    row = table(
        ws,
        row,
        STATUS_LABELS,
        rows,
        (None, None, None, None, "0", DATETIME, None, "0", "0", DATETIME),
    )
    for offset, status in enumerate(summary.statuses.values()):
        r = header_row + 1 + offset
        fill = {
            ACCEPTED: FILLS["accepted"],
            REJECTED: FILLS["rejected"],
            MISSING: FILLS["missing"],
        }[status.state]
        fill_row(ws, r, 1, 3, fill)
        if status.late:
            fill_row(ws, r, 4, 4, FILLS["late"])
    widths(ws, (28, 24, 26, 8, 9, 17, 34, 8, 12, 17))
    ws.freeze(header_row + 1, 2)
    ws.autofilter(header_row, 1, row - 1, len(STATUS_LABELS))


QUARANTINE_LABELS = ("Received", "From (as sent)", "Held because", "Details", "Subject")
QUARANTINE_SHOWN = 50


def write_quarantined_mail(
    ws: Sheet, held: list[QuarantinedMail], broken: QuarantinedMail | None
) -> None:
    """Below the status table: the mail the intake would not believe, so that no partner's
    return is dropped without the consolidator seeing it. Every value the sender wrote is
    written as text (never a formula) with its control characters shown as escapes."""
    if not held:
        return
    row = ws.max_row + 2
    if broken:
        put(
            ws,
            row,
            1,
            f"MAIL SERVER MISCONFIGURED: the intake quarantined mail on "
            f"{broken.received_at:%d %B %Y %H:%M} because {broken.reason}. Every return is "
            "quarantined until the mail server is fixed (see docs/mail-intake.md).",
        )
        ws.restyle(row, 1, bold=ALARM.bold, color=ALARM.color)
        fill_row(ws, row, 1, 1, FILLS["missing"])
        row += 1
    row = section(ws, row, f"Mail in Quarantine, not answered ({len(held)})")
    row = note(
        ws,
        row,
        "Check each with the sender (by phone, or an email you write yourself) before "
        "filing its workbook with Receive; see the Quarantine folder of the returns mailbox.",
    )
    shown = held[:QUARANTINE_SHOWN]
    row = table(
        ws,
        row,
        QUARANTINE_LABELS,
        [(q.received_at, q.sender, q.label, q.reason, q.subject) for q in shown],
        (DATETIME, None, None, None, None),
    )
    if len(held) > len(shown):
        note(ws, row, f"... and {len(held) - len(shown)} earlier (see the Quarantine folder).")


FINDING_LABELS = (
    "Organisation",
    "Return status",
    "Severity",
    "Code",
    "Where",
    "What was found",
    "What to do",
    "Status",
    "Partner's explanation",
)


def write_findings(ws: Sheet, summary: Summary) -> None:
    row = title(
        ws,
        "Findings on the latest returns",
        "Errors stop a return being accepted; a warning stays open until the partner "
        "explains it in the Checks sheet of their workbook.",
    )
    row = section(ws, row, "By organisation")
    row = (
        table(
            ws,
            row,
            ("Organisation", "Return status", "Errors", "Outstanding warnings"),
            [(s.short_name, s.label, s.errors, len(s.warnings)) for s in summary.statuses.values()],
            (None, None, "0", "0"),
        )
        + 1
    )
    row = section(ws, row, "Every finding")
    header_row = row
    findings = summary.findings()
    rows = [
        (
            f["organisation"],
            f["state"].capitalize(),
            f["severity"].capitalize(),
            f["code"],
            place(f["sheet"], f["cell"]) if f["sheet"] and f["cell"] else f["sheet"],
            f["message"],
            f["fix"],
            "Explained by partner" if f["explained"] else "Outstanding",
            f["explanation"],
        )
        for f in findings
    ]
    if not rows:
        note(ws, row, "No findings on any return.")
    else:
        row = table(ws, row, FINDING_LABELS, rows, wrap=(5, 6, 7, 8))
        for offset, f in enumerate(findings):
            if not f["explained"]:
                fill_row(
                    ws,
                    header_row + 1 + offset,
                    8,
                    8,
                    FILLS["Red" if f["severity"] == "error" else "Amber"],
                )
        ws.autofilter(header_row, 1, row - 1, len(FINDING_LABELS))
    widths(ws, (22, 14, 9, 22, 14, 40, 40, 12, 36))
    ws.freeze(4, 2)
