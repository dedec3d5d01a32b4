"""The Forecast confidence and Value for money sheets."""

from __future__ import annotations

from xl_ni179.consolidate.scores import (
    RAG_COLUMNS,
    RAG_LEVELS,
    RAG_MEANINGS,
    VFM_CRITERIA,
    VFM_LEVELS,
    VFM_SCORES,
    projected,
)
from xl_ni179.consolidate.sheet import Sheet
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import and_list, en_dash, percent
from xl_ni179.consolidate.xlhelpers import (
    FILLS,
    PCT,
    note,
    put,
    section,
    table,
    title,
    widths,
)


def write_forecast_confidence(ws: Sheet, summary: Summary) -> None:
    rnd = summary.round
    received = len(summary.received)
    row = title(
        ws,
        f"Forecast confidence: {en_dash(rnd.title)}",
        f"Ratings from the {received} accepted returns for each forecast year.",
    )
    ws.freeze(row, 1)
    counts = summary.rag_counts()
    row = table(
        ws,
        row,
        ("Year", *RAG_COLUMNS, "Returns"),
        [(y, *[counts[y][c] for c in RAG_COLUMNS], received) for y in rnd.forecast_years],
        (None, "0", "0", "0", "0", "0"),
    )
    row += 1
    row = section(ws, row, "What the ratings mean")
    for level in RAG_LEVELS:
        put(ws, row, 1, level)
        ws.restyle(row, 1, fill=FILLS[level])
        put(ws, row, 2, RAG_MEANINGS[level])
        row += 1
    row = (
        note(
            ws,
            row,
            "An Amber or Red rating needs a commentary. A year left blank is counted as not rated.",
        )
        + 1
    )
    row = section(ws, row, "Who rated what")
    first = row + 1
    rag = summary.rag
    row = table(
        ws,
        row,
        ("Organisation", "Year", "Rating", "Commentary"),
        [(r["short_name"], r["year"], r["rating"], r["commentary"]) for r in rag],
        wrap=(3,),
    )
    for offset, r in enumerate(rag):
        ws.restyle(first + offset, 3, fill=FILLS[r["rating"]])
    if not rag:
        note(ws, row, "No accepted returns yet.")
    widths(ws, (26, 10, 10, 90, 10, 10))


def write_value_for_money(ws: Sheet, summary: Summary) -> None:
    p, vfm = summary.partnership, summary.vfm
    row = title(
        ws,
        "Value for money scores",
        f"{p.vfm.assessment}: all {len(summary.organisations)} "
        "organisations, whether or not they returned (the scores come from the assessors).",
    )
    ws.freeze(row, 1)
    row = section(ws, row, "Distribution of scores")
    row = table(
        ws,
        row,
        (
            "Score",
            "Meaning",
            "Number of organisations",
            "Projected under the harder assessment (one level lower)",
        ),
        [(s, VFM_LEVELS[s], vfm["vfm"][str(s)], vfm["vfm_projected"][str(s)]) for s in VFM_SCORES],
        (None, None, "0", "0"),
        wrap=(1,),
    )
    if vfm["vfm_not_scored"]:
        row = note(ws, row, f"No score held for: {and_list(vfm['vfm_not_scored'])}.")
    row = (
        note(
            ws,
            row,
            "From 2009 the assessment is more demanding: scores are expected to fall "
            "one level, all things remaining equal (1 stays 1).",
        )
        + 1
    )
    d = vfm["vfm_districts"]
    row = section(ws, row, "District councils")
    first = row + 1
    row = table(
        ws,
        row,
        ("Measure", "Value"),
        [
            ("Districts", d["count"]),
            (f"At level {d['target']} or above", d["at_or_above_target"]),
            ("Share at level 3 or above", d["share"]),
            ("Share nationally", d["national_share"]),
            (
                f"At level {d['target']} or above after the projected fall",
                d["projected_at_or_above_target"],
            ),
            *[(f"At level {s}", d["by_score"][str(s)]) for s in VFM_SCORES],
        ],
    )
    for r in (first + 2, first + 3):  # the two shares
        ws.restyle(r, 2, number_format=PCT)
    row = (
        note(
            ws,
            row,
            f"The district target is an average score of {d['target']} over the criteria "
            f"that apply; the regional (RIEP) target is level {d['target']} for every "
            f"authority by March 2011. Nationally {percent(d['national_share'], 0)} of "
            f"districts reached level 3 or 4.",
        )
        + 1
    )
    row = section(ws, row, "Scores by organisation")
    orgs = summary.organisations
    row = (
        table(
            ws,
            row,
            ("Organisation", "Sector", "Score", "Projected score", "Return"),
            [
                (
                    o["short_name"],
                    o["sector_name"],
                    o["vfm"],
                    None if o["vfm"] is None else projected(o["vfm"]),
                    summary.statuses[code].label,
                )
                for code, o in orgs.items()
            ],
        )
        + 1
    )
    row = section(ws, row, "Use of Resources criteria")
    table(
        ws,
        row,
        ("Theme", "Criterion", "Question", "Applies to districts in the first year"),
        [
            (theme, number, text, "No" if not_districts else "Yes")
            for theme, number, text, not_districts in VFM_CRITERIA
        ],
        wrap=(2,),
    )
    widths(ws, (34, 40, 60, 26, 26))
