"""What the progress paper says, as a list of blocks both the Word and HTML writers render.

The structure follows the "Efficiency – 2008/9 review" paper taken to LALAT: Purpose,
Background, Progress (actual years, how the last round's forecasts turned out, then
forecast confidence and value for money), Specific projects, then Conclusions and Next
steps left for the author. Every figure and judgement comes from the summary; the wording
says what coverage a figure rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from xl_ni179.consolidate.frames import divide
from xl_ni179.consolidate.scores import (
    RAG_COLUMNS,
    RAG_LEVELS,
    RAG_MEANINGS,
    VFM_CRITERIA,
    VFM_LEVELS,
)
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import (
    and_list,
    en_dash,
    known,
    money_k,
    number_word,
    percent,
    pounds,
)
from xl_ni179.consolidate.totals import ACHIEVED, AT_RISK, LIKELY, NOT_ACHIEVED, NOT_ASSESSED
from xl_ni179.paper.outturn import outturn_sentences
from xl_ni179.partnership import Agreement, Partnership, targets

PLACEHOLDER = "[For the author to complete.]"
APPROACH = (
    "The approach agreed to meet this target is for a small number of shared services to be "
    "established between organisations who have signed up to the LAAs and MAA. The balance (and "
    "majority) of savings will be met from each organisation's internal efficiency programmes."
)


@dataclass
class Block:
    kind: str  # title, meta, heading, subheading, para, plain, bullets, table, note, placeholder
    text: str = ""
    number: int | None = None
    items: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)  # first row is the header

    @property
    def numbered_text(self) -> str:
        return f"{self.number}. {self.text}" if self.number else self.text


def is_number(text: str) -> bool:
    """Table cells that hold a figure are right-aligned by both writers."""
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


class _Paper:
    """Numbers paragraphs as it goes, as the seed paper does (1., 2., ...)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.count = 0

    def add(self, kind: str, text: str = "", **kw: Any) -> None:
        self.blocks.append(Block(kind, text, **kw))

    def para(self, text: str) -> None:
        self.count += 1
        self.add("para", text, number=self.count)


def label(agreement: Agreement) -> str:
    """'the MAA' for a short code, otherwise the agreement's name ('the Leicestershire LAA')."""
    return agreement.label


def _target_sentences(p: Partnership) -> list[str]:
    """One sentence per group of agreements with the same rates, read from the configuration."""
    groups: dict[tuple, list[Agreement]] = {}
    for a in p.agreements:
        key = (tuple((y, a.rates[y]) for y in targets.counted_years(a)), a.method)
        groups.setdefault(key, []).append(a)
    out = []
    for agreements in groups.values():
        a = agreements[0]
        counted = targets.counted_years(a)
        if not counted:
            continue
        total = targets.cumulative_rate(a, counted[-1])
        names = and_list([label(x)[4:] for x in agreements])
        verb = "each include" if len(agreements) > 1 else "includes"
        rates = and_list([percent(a.rates[y] / 100) for y in counted])
        sentence = (
            f"The {names} {verb} an efficiency target of {percent(total)} for the "
            f"{number_word(len(counted))} years {and_list(counted)} ({rates})."
        )
        if a.reported_only:
            sentence += (
                f" {and_list(list(a.reported_only))} is reported against "
                f"{and_list([percent(a.rates[y] / 100) for y in a.reported_only])} but does "
                f"not count towards this target."
            )
        out.append(sentence)
    methods = {a.method for a in p.agreements}
    if methods == {"additive"}:
        example = p.agreements[0]
        cum = and_list(
            [percent(targets.cumulative_rate(example, y)) for y in targets.counted_years(example)]
        )
        out.append(
            f"Targets are a percentage of each organisation's 2007/08 baseline expenditure and "
            f"add up year by year ({cum} of baseline for {label(example)[4:]})."
        )
    else:
        out.append(
            "Targets are a percentage of each organisation's 2007/08 baseline expenditure; "
            "where an agreement uses the compound method each year's rate applies to the "
            "baseline grown by the earlier years' rates."
        )
    return out


def _basis_sentence(p: Partnership) -> str:
    """How each agreement is measured: from its own first year, never from before it started."""
    later = [a for a in p.agreements if targets.base_year(a)]
    if not later:
        return ""
    text = " Each agreement counts gains from its own first year."
    for a in later:
        text += (
            f" {label(a)[0].upper()}{label(a)[1:]}'s target starts in {a.counts_from}, so its "
            f"progress in a year is NI 179 at that year less NI 179 at the end of "
            f"{targets.base_year(a)}: it counts {targets.basis_text(a, inline=True)}."
        )
    return text


def _headline(summary: Summary, year: str) -> list[str]:
    """The year's achievement across the headline agreement, with the coverage it rests on."""
    a = summary.headline_agreement
    t = summary.totals[a.code].get(year)
    if t is None:
        return []
    cov = t["coverage"]
    rate = percent(a.rates[year] / 100)
    full = f"The target of {rate} cashable efficiency savings (c{money_k(t['target'])}) in {year}"
    if t["assessment"] == NOT_ASSESSED:
        return [
            f"{full} cannot yet be assessed across {label(a)}: no accepted return gives a "
            f"figure for {year}."
        ]
    verdict = {
        ACHIEVED: "has been achieved",
        NOT_ACHIEVED: "has not been achieved",
        LIKELY: "is likely to be achieved",
        AT_RISK: "is at risk",
    }[t["assessment"]]
    out = [f"{full} {verdict} across {label(a)}."]
    covered_pct = t["gains_share_of_covered_baseline"]
    basis = (
        f"all {cov['members']} organisations"
        if cov["with_figures"] == cov["members"]
        else f"the {cov['with_figures']} of {cov['members']} organisations that have returned "
        f"figures, {percent(cov['baseline_share'])} of {label(a)}'s baseline"
    )
    out.append(
        f"This is based on {basis}: together they report net ongoing cash-releasing gains "
        f"of {money_k(t['gains'])} ({percent(covered_pct)} of their baseline; counting "
        f"{targets.basis_text(a, year, inline=True)}) against their "
        f"target of {money_k(t['target_covered'])}, "
        f"{money_k(abs(t['variance']))} {'above' if t['variance'] >= 0 else 'below'} it."
    )
    missing = cov["organisations_without_figures"]
    if missing:
        out.append(
            f"No figures are yet available for {and_list(missing)} "
            f"({percent(1 - cov['baseline_share'])} of the baseline), so the position across "
            f"the whole of {label(a)} cannot be confirmed until they return."
        )
    for other in summary.partnership.agreements:
        o = summary.totals[other.code].get(year)
        if other is a or o is None or o["gains"] is None:
            continue
        out.append(
            f"For {label(other)} the organisations with figures ({o['coverage']['text']}) "
            f"report {money_k(o['gains'])} (counting {targets.basis_text(other, year, inline=True)}) "
            f"against their target of "
            f"{money_k(o['target_covered'])}."
        )
    return out


def _forecast_sentence(summary: Summary) -> str:
    parts = []
    for year in summary.round.forecast_years:
        rows = [g for g in summary.gains if g["year"] == year and g["has_figure"]]
        if not rows:
            continue
        share = divide(math.fsum(g["net"] for g in rows), math.fsum(g["baseline"] for g in rows))
        parts.append(f"{percent(share)} by {year} ({number_word(len(rows))} organisations)")
    if not parts:
        return "No forecast figures have been returned."
    return (
        "The organisations that gave forecasts expect cumulative net gains of "
        f"{and_list(parts)}, as a share of their own baseline."
    )


def _rag_sentence(counts: dict[str, dict[str, int]]) -> str:
    total = sum(sum(c[k] for k in RAG_LEVELS) for c in counts.values())
    green = sum(c["Green"] for c in counts.values())
    red = sum(c["Red"] for c in counts.values())
    unrated = sum(c["Not rated"] for c in counts.values())
    first = (
        "No organisation rated any forecast year Green"
        if not green
        else f"{green} of {total} ratings are Green"
    )
    text = f"{first}; {red} of {total} ratings are Red and the rest Amber."
    if unrated:
        text += f" {number_word(unrated).capitalize()} ratings were left blank (not rated)."
    if total and green / total < 0.5:
        text += (
            " Organisations are reporting risk to achieving future targets: most forecasts "
            "carry some or significant risk."
        )
    return text


def build_paper(summary: Summary, p: Partnership) -> list[Block]:
    rnd, doc = summary.round, _Paper()
    doc.add("title", en_dash(rnd.title))
    doc.add("meta", p.group or p.name)
    doc.add("meta", f"{summary.as_of.day} {summary.as_of:%B %Y}")
    if p.illustrative:
        doc.add(
            "note", "The figures in this paper are illustrative: they come from demonstration data."
        )
    names = and_list([label(a)[4:] for a in p.agreements])
    doc.add("heading", "Purpose")
    doc.para(
        f"This report reviews progress achieving the efficiency target (NI 179) in the {names} "
        "and makes recommendations."
    )
    doc.add("heading", "Background")
    doc.para(" ".join(_target_sentences(p)))
    doc.para(APPROACH)
    doc.para(
        "NI 179 is the total net value of ongoing cash-releasing value for money gains since "
        "1 April 2008: non-cashable and one-off savings do not count, and costs of achieving "
        "the gains are deducted." + _basis_sentence(p)
    )
    doc.add("heading", "Progress")
    for year in rnd.actual_years:
        sentences = _headline(summary, year)
        if sentences:
            doc.add("subheading", year)
            doc.para(" ".join(sentences))
    outturn = outturn_sentences(summary)
    if outturn:
        doc.add("subheading", "Forecast against outturn")
        doc.para(" ".join(outturn))
    if rnd.forecast_years:
        years = rnd.forecast_years
        doc.add("subheading", f"{years[0]} to {years[-1]}" if len(years) > 1 else years[0])
        doc.para(
            "All organisations were asked to forecast whether future year targets were likely "
            "to be achieved based on the following criteria:"
        )
        doc.add("bullets", items=[f"{level} – {RAG_MEANINGS[level]}" for level in RAG_LEVELS])
        doc.add("plain", " ".join(summary.status_sentences()))
        counts = summary.rag_counts()
        doc.add(
            "table",
            rows=[
                ["Year", *RAG_COLUMNS],
                *[[y, *[str(counts[y][c]) for c in RAG_COLUMNS]] for y in years],
            ],
        )
        doc.para(_rag_sentence(counts) + " " + _forecast_sentence(summary))
    _vfm(doc, summary, p)
    _projects(doc, summary)
    doc.add("heading", "Conclusions")
    doc.add("placeholder", PLACEHOLDER)
    doc.add("heading", "Next steps")
    doc.add("placeholder", f"{PLACEHOLDER} Points for {_short_group(p)} to discuss.")
    return doc.blocks


def _short_group(p: Partnership) -> str:
    group = p.group or "the group"
    if group.endswith(")") and "(" in group:
        return group[group.rindex("(") + 1 : -1]
    return group


def _vfm(doc: _Paper, summary: Summary, p: Partnership) -> None:
    vfm, d = summary.vfm, summary.vfm["vfm_districts"]
    n = len(summary.organisations)
    doc.add("subheading", "Value for money")
    doc.para(
        f"The table below summarises the value for money scores for all {n} organisations "
        f"from the last use of resources assessment, {p.vfm.assessment}. This is a useful indicator "
        f"as it measures both whether organisations achieve value for money and whether they "
        f"have the processes in place to manage and improve it. The value for money score is "
        f"also a target for the RIEP, with the aim for all authorities to achieve level "
        f"{p.vfm.target}."
    )
    doc.add(
        "table",
        rows=[
            ["Score", "Number of organisations"],
            *[[s, str(vfm["vfm"][s])] for s in ("4", "3", "2", "1")],
        ],
    )
    doc.para("The criteria for the scores are:")
    doc.add("bullets", items=[f"{s}. {VFM_LEVELS[s]}" for s in (4, 3, 2, 1)])
    at = d["at_or_above_target"]
    doc.para(
        f"{number_word(at).capitalize()} of the {number_word(d['count'])} districts "
        f"({percent(d['share'], 0)}) are at level {d['target']} or above, against "
        f"{percent(d['national_share'], 0)} of districts nationally; "
        f"{number_word(d['by_score']['2'])} are at level 2. Under the new, more demanding "
        f"assessment scores are expected to fall by one level, all things remaining equal, which "
        f"would give the distribution below ({number_word(d['projected_at_or_above_target'])} "
        f"districts at level {d['target']} or above). Considerable improvement is needed to meet "
        f"the RIEP target of level {d['target']} for every authority by March 2011."
    )
    doc.add(
        "table",
        rows=[
            ["Score", "Projected number of organisations"],
            *[[s, str(vfm["vfm_projected"][s])] for s in ("4", "3", "2", "1")],
        ],
    )
    doc.para(
        "The use of resources criteria are (3.2 and 3.3 did not apply to districts in the "
        f"first year; the district target is an average score of {p.vfm.target} over the "
        "criteria that apply):"
    )
    doc.add("bullets", items=[f"{num} {text}" for _t, num, text, _d in VFM_CRITERIA])


def _projects(doc: _Paper, summary: Summary) -> None:
    projects, budget = summary.projects(), summary.budget()
    doc.add("heading", "Specific projects")
    doc.para(
        f"A number of shared service projects were progressed as a result of NI 179. "
        f"These are set out below, with their funding and the savings partners expect "
        f"(from the {len(summary.received)} accepted returns):"
    )
    rows = [["Project", "Funding", "Status", "Expected savings (£000 a year)"]]
    for pr in projects:
        funding = "; ".join(
            f"{f['source']} {pounds(f['amount'])}" + (" (shared)" if f["shared_with"] else "")
            for f in pr["funding"]
        )
        savings = (
            f"{pr['expected_savings']:,.1f}" if known(pr["expected_savings"]) else "none given"
        )
        rows.append([pr["name"], funding or "None", pr["status"], savings])
    doc.add("table", rows=rows)
    allocations = and_list(
        [
            f"{pounds(a['amount'])} allocated to the {a['purpose'][0].lower()}{a['purpose'][1:]}"
            for a in budget["laa_allocations"]
        ]
    )
    text = (
        f"The LAA budget is {pounds(budget['laa_budget'])}: {pounds(budget['feasibility_spent'])} "
        f"has been spent on feasibility work"
    )
    text += f" and {allocations}" if budget["laa_allocations"] else ""
    text += f", leaving {pounds(budget['laa_remaining'])}."
    others = {s: v for s, v in budget["funding_by_source"].items() if s.upper() != "LAA"}
    if others:
        text += " " + " ".join(
            f"{s} funding allocated totals {pounds(v)}." for s, v in others.items()
        )
    doc.para(text)
