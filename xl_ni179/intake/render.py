"""Reports as the people who read them need them: terminal text, JSON, an HTML fragment."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping

from xl_ni179.rules.findings import Finding, Report


def verdict(report: Report) -> str:
    if not report.valid:
        return f"NOT ACCEPTED: {len(report.errors)} error(s) to fix"
    open_warnings = len(report.unexplained_warnings)
    if open_warnings:
        return f"ACCEPTED with {open_warnings} warning(s) to explain"
    return "ACCEPTED"


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.severity != "error", f.explained))


def to_text(report: Report, org_name: str | None = None) -> str:
    who = org_name or report.organisation or "unknown organisation"
    lines = [f"{report.file}: {who}: {verdict(report)}"]
    for f in _sorted(report.findings):
        tag = f.severity.upper() + (" (explained)" if f.explained else "")
        where = f" at {f.where}" if f.where else ""
        lines.append(f"  {tag} [{f.code}]{where}: {f.message}")
        lines.append(f"      What to do: {f.fix}")
    return "\n".join(lines)


def to_json_obj(report: Report, org_name: str | None = None) -> dict:
    data = report.to_dict()
    data["organisation_name"] = org_name
    data["ready"] = report.ready
    return data


def to_json(reports: list[Report], org_names: Mapping[str, str] | None = None) -> str:
    """The reports as a JSON list; ``org_names`` (code -> name) gives each its organisation_name."""
    names = org_names or {}
    return json.dumps([to_json_obj(r, names.get(r.organisation or "")) for r in reports], indent=2, default=str)


def to_html(report: Report, org_name: str | None = None) -> str:
    """A self-contained fragment for an email reply (inline styles: mail clients drop <style>)."""
    esc = html.escape
    who = esc(org_name or report.organisation or "your organisation")
    colour = "#1e7b34" if report.valid else "#b00020"
    parts = [f'<p style="font-weight:bold;color:{colour}">{esc(verdict(report))}: return from {who}</p>']
    if report.findings:
        parts.append('<table style="border-collapse:collapse" border="1" cellpadding="4">'
                     "<tr><th>Severity</th><th>Where</th><th>What is wrong</th><th>What to do</th>"
                     "<th>Code</th></tr>")
        for f in _sorted(report.findings):
            sev = f.severity + (" (explained)" if f.explained else "")
            parts.append(f"<tr><td>{esc(sev)}</td><td>{esc(f.where)}</td><td>{esc(f.message)}</td>"
                         f"<td>{esc(f.fix)}</td><td>{esc(f.code)}</td></tr>")
        parts.append("</table>")
    return "\n".join(parts)
