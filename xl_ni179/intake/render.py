"""Reports as the people who read them need them: terminal text, JSON, an HTML fragment.

Each lists at most a given number of findings (errors first) and says how many more there
are and where they are all listed; the text has every control character in the partner's
text made visible (``xl_ni179.text.visible``), and JSON escapes them itself.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

from xl_ni179.rules.findings import MAX_LISTED, Report
from xl_ni179.text import visible


def verdict(report: Report) -> str:
    if not report.valid:
        return f"NOT ACCEPTED: {len(report.errors)} error(s) to fix"
    open_warnings = len(report.unexplained_warnings)
    if open_warnings:
        return f"ACCEPTED with {open_warnings} warning(s) to explain"
    return "ACCEPTED"


def more_line(omitted: int, where: str | None) -> str:
    """What a list cut short says about the rest."""
    rest = f"{omitted} more problem{'s' if omitted != 1 else ''} not listed here"
    return f"... and {rest}: {where}." if where else f"... and {rest}."


def to_text(
    report: Report, org_name: str | None = None, *, limit: int = MAX_LISTED, rest: str | None = None
) -> str:
    """The report for a terminal, a log or a plain-text email: at most ``limit`` findings,
    then a line saying how many more (and ``rest``: where they are all listed)."""
    who = org_name or report.organisation or "unknown organisation"
    lines = [visible(f"{report.file}: {who}: {verdict(report)}")]
    listed, omitted = report.listed(limit)
    for f in listed:
        tag = f.severity.upper() + (" (explained)" if f.explained else "")
        where = f" at {f.where}" if f.where else ""
        lines.append(visible(f"  {tag} [{f.code}]{where}: {f.message}"))
        lines.append(visible(f"      What to do: {f.fix}"))
    if omitted:
        lines.append("  " + more_line(omitted, rest))
    return "\n".join(lines)


def to_json_obj(report: Report, org_name: str | None = None) -> dict:
    data = report.to_dict()
    data["organisation_name"] = org_name
    data["ready"] = report.ready
    return data


def to_json(reports: list[Report], org_names: Mapping[str, str] | None = None) -> str:
    """The reports as a JSON list; ``org_names`` (code -> name) gives each its organisation_name."""
    names = org_names or {}
    return json.dumps(
        [to_json_obj(r, names.get(r.organisation or "")) for r in reports], indent=2, default=str
    )


def to_html(
    report: Report, org_name: str | None = None, *, limit: int = MAX_LISTED, rest: str | None = None
) -> str:
    """A self-contained fragment for an email reply (inline styles: mail clients drop <style>),
    listing at most ``limit`` findings as ``to_text`` does."""
    esc = html.escape
    who = esc(org_name or report.organisation or "your organisation")
    colour = "#1e7b34" if report.valid else "#b00020"
    parts = [
        f'<p style="font-weight:bold;color:{colour}">{esc(verdict(report))}: return from {who}</p>'
    ]
    listed, omitted = report.listed(limit)
    if listed:
        parts.append(
            '<table style="border-collapse:collapse" border="1" cellpadding="4">'
            "<tr><th>Severity</th><th>Where</th><th>What is wrong</th><th>What to do</th>"
            "<th>Code</th></tr>"
        )
        for f in listed:
            sev = f.severity + (" (explained)" if f.explained else "")
            parts.append(
                f"<tr><td>{esc(sev)}</td><td>{esc(f.where)}</td><td>{esc(f.message)}</td>"
                f"<td>{esc(f.fix)}</td><td>{esc(f.code)}</td></tr>"
            )
        parts.append("</table>")
    if omitted:
        parts.append(f"<p>{esc(more_line(omitted, rest))}</p>")
    return "\n".join(parts)
