"""The consolidated picture of one round: what the master workbook and the paper show.

``build_summary`` does the arithmetic once (the tables in ``frames``); the workbook,
the paper and ``to_json`` only read the result, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xl_ni179.consolidate import frames, scores, totals
from xl_ni179.consolidate.trajectory import History, Trajectory, build_trajectory
from xl_ni179.partnership import Agreement, Partnership, Round, targets
from xl_ni179.spec.schema import explain_name, project_comment_name, project_savings_name
from xl_ni179.store.status import ACCEPTED, MISSING, REJECTED, OrgStatus, RoundState, round_state


@dataclass
class Summary:
    partnership: Partnership
    round: Round
    as_of: dt.date
    statuses: dict[str, OrgStatus]  # every organisation, config order; unknown ones are missing
    returns: dict[str, dict[str, Any]]  # accepted returns only
    organisations: dict[str, frames.Row]  # code -> row, config order
    targets: list[frames.Row]
    gains: list[frames.Row]
    progress: list[frames.Row]
    rag: list[frames.Row]
    totals: dict[str, Any]
    sector_totals: dict[str, Any]
    vfm: dict[str, Any]
    trajectory: Trajectory | None = None  # every round up to this one, from the store

    # -- who returned ---------------------------------------------------------------
    def names_in_state(self, state: str) -> list[str]:
        return [o["short_name"] for o in self.organisations.values() if o["state"] == state]

    @property
    def received(self) -> list[str]:
        return self.names_in_state(ACCEPTED)

    @property
    def missing(self) -> list[str]:
        return self.names_in_state(MISSING)

    @property
    def rejected(self) -> list[str]:
        return self.names_in_state(REJECTED)

    @property
    def late(self) -> list[str]:
        return [o["short_name"] for o in self.organisations.values() if o["late"]]

    def round_state(self) -> RoundState:
        """Open, past its deadline (with how many are late) or closed, at ``as_of``."""
        return round_state(
            self.round, list(self.statuses.values()), dt.datetime.combine(self.as_of, dt.time(12))
        )

    def status_sentences(self) -> list[str]:
        """Who returned, who did not, and whose return is on hold (the paper uses these too)."""
        # Plain comma lists, as the review paper writes them.
        out = [f"Returns have been received from: {', '.join(self.received) or 'none'}."]
        if self.missing:
            out.append(f"Returns were not received from: {', '.join(self.missing)}.")
        if self.rejected:
            out.append(
                f"Returns received but not yet accepted (awaiting a fix): "
                f"{', '.join(self.rejected)}."
            )
        return out

    # -- headline -------------------------------------------------------------------
    @property
    def headline_agreement(self) -> Agreement:
        return headline_agreement(self.partnership)

    def rag_counts(self) -> dict[str, dict[str, int]]:
        return scores.rag_counts(self.rag, self.round)

    def projects(self) -> list[dict[str, Any]]:
        p = self.partnership
        funding = {f.code: f for f in p.funding}
        out = []
        for project in p.projects:
            savings, comments = [], []
            for org in p.organisations:
                values = self.returns.get(org.code)
                if values is None or org.code not in project.participants:
                    continue  # a figure or comment on someone else's project is not theirs to give
                amount = frames.number(values.get(project_savings_name(project.code)))
                if amount is not None:
                    savings.append(amount)
                comment = values.get(project_comment_name(project.code))
                if comment not in (None, ""):
                    comments.append({"organisation": org.short_name, "comment": str(comment)})
            out.append(
                {
                    "code": project.code,
                    "name": project.name,
                    "status": project.status,
                    "participants": [p.organisation(c).short_name for c in project.participants],
                    "funding": [
                        {
                            "code": c,
                            "source": funding[c].source,
                            "purpose": funding[c].purpose,
                            "amount": funding[c].amount,
                            "shared_with": [
                                q.name
                                for q in p.projects
                                if c in q.funding and q.code != project.code
                            ],
                        }
                        for c in project.funding
                    ],
                    "expected_savings": sum(savings) if savings else None,
                    "returns_with_savings": len(savings),
                    "comments": comments,
                }
            )
        return out

    def budget(self) -> dict[str, Any]:
        p = self.partnership
        laa = [f for f in p.funding if f.source.upper() == "LAA"]
        allocated = sum(f.amount for f in laa)
        by_source: dict[str, float] = {}
        for f in p.funding:
            by_source[f.source] = by_source.get(f.source, 0.0) + f.amount
        return {
            "laa_budget": p.laa_budget,
            "feasibility_spent": p.feasibility_spent,
            "laa_allocated": allocated,
            "laa_allocations": [
                {"code": f.code, "purpose": f.purpose, "amount": f.amount} for f in laa
            ],
            "laa_remaining": p.laa_budget - p.feasibility_spent - allocated,
            "funding_by_source": by_source,
        }

    def findings(self) -> list[dict[str, Any]]:
        """Every finding on every organisation's latest return, with the partner's explanation."""
        out = []
        for code, status in self.statuses.items():
            values = self.returns.get(code, {})
            for finding in status.findings:
                explanation = values.get(explain_name(str(finding.get("code", ""))))
                out.append(
                    {
                        "organisation": status.short_name,
                        "state": status.state,
                        "code": finding.get("code", ""),
                        "severity": finding.get("severity", ""),
                        "message": finding.get("message", ""),
                        "fix": finding.get("fix", ""),
                        "sheet": finding.get("sheet", ""),
                        "cell": finding.get("cell", ""),
                        "explained": bool(finding.get("explained", False)),
                        "explanation": str(explanation) if explanation not in (None, "") else "",
                    }
                )
        return out

    def organisation_rows(self) -> list[dict[str, Any]]:
        # One pass over each table, grouped once: per-organisation filtering would make this
        # quadratic in the number of organisations (and a frame per group costs a millisecond).
        gains_by = _records_by_code(self.gains)
        progress_by = _records_by_code(self.progress)
        rows = []
        for code, org in self.organisations.items():
            status = self.statuses[code]
            mine = gains_by.get(code, [])
            years = {
                g["year"]: {
                    "kind": g["kind"],
                    "net_gains": _clean(g["net"]),
                    "in_year": _clean(g["in_year"]),
                    "gains_incl_carry_forward": _clean(g["progress"]),
                    "share_of_baseline": _clean(g["share_of_baseline"]),
                }
                for g in mine
            }
            target_rows: dict[str, dict[str, Any]] = {}
            for r in progress_by.get(code, []):
                target_rows.setdefault(r["year"], {})[r["agreement"]] = {
                    "annual": _clean(r["annual_target"]),
                    "cumulative": _clean(r["cumulative_target"]),
                    "gains_counted": _clean(r["net"]),
                    "variance": _clean(r["variance"]),
                }
            carry = [g["carry_forward"] for g in mine if not frames.missing(g["carry_forward"])]
            rows.append(
                {
                    "code": code,
                    "name": org["name"],
                    "short_name": org["short_name"],
                    "sector": org["sector"],
                    "baseline": org["baseline"],
                    "state": org["state"],
                    "label": status.label,
                    "late": bool(org["late"]),
                    "vfm": org["vfm"],
                    "agreements": [a.code for a in self.partnership.agreements_of(code)],
                    "carry_forward": _clean(max(carry)) if carry else None,
                    "years": years,
                    "targets": target_rows,
                }
            )
        return rows

    def to_json(self) -> dict[str, Any]:
        """The summary as plain JSON data (computed once; the summary does not change)."""
        cached = self.__dict__.get("_json")
        if cached is None:
            cached = self.__dict__["_json"] = self._to_json()
        return cached

    def round_json(self) -> dict[str, Any]:
        """The round and its state, as in ``to_json`` (without building the rest)."""
        rnd = self.round
        return {
            "id": rnd.id,
            "title": rnd.title,
            "actual_years": list(rnd.actual_years),
            "forecast_years": list(rnd.forecast_years),
            "deadline": rnd.deadline.isoformat(),
            "opens": rnd.opens.isoformat() if rnd.opens else None,
            "closes": rnd.closes.isoformat() if rnd.closes else None,
            "state": self.round_state().to_dict(),
        }

    def _to_json(self) -> dict[str, Any]:
        data = {
            "round": self.round_json(),
            "as_of": self.as_of.isoformat(),
            "partnership": self.partnership.name,
            "group": self.partnership.group,
            "illustrative": self.partnership.illustrative,
            "received": self.received,
            "missing": self.missing,
            "rejected": self.rejected,
            "late": self.late,
            "rag": self.rag_counts(),
            "rag_by_organisation": scores.rag_by_organisation(self.rag),
            **self.vfm,
            "headline_agreement": self.headline_agreement.code,
            "agreements": [
                {
                    "code": a.code,
                    "name": a.name,
                    "counts_from": a.counts_from,
                    "base_year": targets.base_year(a),
                    "reported_only": list(a.reported_only),
                    "basis": targets.basis_text(a),
                }
                for a in self.partnership.agreements
            ],
            "totals": self.totals,
            "sector_totals": self.sector_totals,
            "organisations": self.organisation_rows(),
            "projects": self.projects(),
            "budget": self.budget(),
            "findings": self.findings(),
            "trajectory": self.trajectory.to_json() if self.trajectory else None,
        }
        return _clean(data)


def _records_by_code(rows: list[frames.Row]) -> dict[str, list[frames.Row]]:
    """The rows grouped by their "code", in order."""
    out: dict[str, list[frames.Row]] = {}
    for record in rows:
        out.setdefault(record["code"], []).append(record)
    return out


def headline_agreement(p: Partnership) -> Agreement:
    """The agreement covering the most organisations (the MAA): the paper's headline."""
    return max(p.agreements, key=lambda a: len(set(a.members)))


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinity become None (JSON has neither)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # most values: nothing to do
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        # Sums of one-decimal figures pick up float noise (1948.7000000000007).
        return float(f"{value:.12g}") if math.isfinite(value) else None
    return value


def build_summary(
    p: Partnership,
    rnd: Round,
    statuses: list[OrgStatus],
    returns: Mapping[str, Mapping[str, Any]],
    *,
    as_of: dt.date | None = None,
    history: History | None = None,
) -> Summary:
    """Consolidate one round. Only accepted returns are counted; the rest are listed.

    ``history`` holds the accepted returns of every round (round id -> organisation ->
    figures) for the trajectory across rounds; without it, the trajectory is this round's.
    """
    by_code: dict[str, OrgStatus] = {}
    given = {s.code: s for s in statuses}
    for org in p.organisations:
        by_code[org.code] = given.get(org.code) or OrgStatus(
            org.code, org.name, org.short_name, org.sector, MISSING
        )
    accepted = {
        code: dict(returns.get(code) or {}) for code, s in by_code.items() if s.state == ACCEPTED
    }
    orgs = frames.organisations_frame(p, by_code)
    target_rows = frames.targets_frame(p)
    gain_rows = frames.gains_frame(p, rnd, accepted)
    progress_rows = frames.progress_frame(p, target_rows, gain_rows, orgs)
    return Summary(
        partnership=p,
        round=rnd,
        as_of=as_of or dt.date.today(),
        statuses=by_code,
        returns=accepted,
        organisations=orgs,
        targets=target_rows,
        gains=gain_rows,
        progress=progress_rows,
        rag=scores.rag_frame(p, rnd, accepted),
        totals=totals.agreement_totals(p, rnd, progress_rows),
        sector_totals=totals.sector_totals(p, rnd, orgs, gain_rows),
        vfm=scores.vfm_summary(p, orgs),
        trajectory=build_trajectory(
            p,
            rnd,
            {**(history or {}), rnd.id: accepted},
            headline_agreement(p),
            target_rows=target_rows,
            gains={rnd.id: gain_rows},
        ),
    )
