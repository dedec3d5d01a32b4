"""The Projects and funding sheet: the LAA budget, regional funding and the shared-service projects."""

from __future__ import annotations

from xl_ni179.consolidate.sheet import Sheet
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import and_list
from xl_ni179.consolidate.xlhelpers import (
    MONEY,
    POUNDS,
    bold_row,
    note,
    section,
    table,
    title,
    widths,
)


def write_projects_and_funding(ws: Sheet, summary: Summary) -> None:
    p = summary.partnership
    budget = summary.budget()
    row = title(
        ws,
        "Shared-service projects and funding",
        "Funding in pounds; expected savings in £000 a year, summed from accepted returns.",
    )
    ws.freeze(row, 1)
    row = section(ws, row, "LAA budget")
    lines = [
        ("LAA budget", budget["laa_budget"]),
        ("Spent on feasibility", budget["feasibility_spent"]),
        *[(f"Allocated: {a['purpose']}", a["amount"]) for a in budget["laa_allocations"]],
        ("Not yet allocated", budget["laa_remaining"]),
    ]
    row = table(ws, row, ("Item", "Amount (£)"), lines, (None, POUNDS))
    bold_row(ws, row - 1, 1, 2)
    row += 1
    row = section(ws, row, "Funding")
    row = table(
        ws,
        row,
        ("Code", "Source", "Purpose", "Amount (£)", "Projects"),
        [
            (
                f.code,
                f.source,
                f.purpose,
                f.amount,
                and_list([q.name for q in p.projects if f.code in q.funding]),
            )
            for f in p.funding
        ],
        (None, None, None, POUNDS, None),
        wrap=(2, 4),
    )
    row = section(ws, row + 1, "Funding by source")
    row = (
        table(
            ws,
            row,
            ("Source", "Total (£)"),
            list(budget["funding_by_source"].items()),
            (None, POUNDS),
        )
        + 1
    )
    row = section(ws, row, "Projects")
    projects = summary.projects()
    row = table(
        ws,
        row,
        (
            "Project",
            "Participants",
            "Funding",
            "Status",
            "Expected savings (£000 a year)",
            "Returns giving a figure",
        ),
        [
            (
                pr["name"],
                and_list(pr["participants"]),
                "; ".join(
                    f"{f['source']} £{f['amount']:,.0f} ({f['purpose']})"
                    + (", shared with " + and_list(f["shared_with"]) if f["shared_with"] else "")
                    for f in pr["funding"]
                )
                or "None",
                pr["status"],
                pr["expected_savings"],
                pr["returns_with_savings"],
            )
            for pr in projects
        ],
        (None, None, None, None, MONEY, "0"),
        wrap=(1, 2, 3),
    )
    row = (
        note(ws, row, "Expected savings are summed only over accepted returns that gave a figure.")
        + 1
    )
    row = section(ws, row, "Partners' comments on the projects")
    comments = [
        (pr["name"], c["organisation"], c["comment"]) for pr in projects for c in pr["comments"]
    ]
    if comments:
        table(ws, row, ("Project", "Organisation", "Comment"), comments, wrap=(2,))
    else:
        note(ws, row, "No comments in the accepted returns.")
    widths(ws, (34, 40, 60, 30, 16, 12))
