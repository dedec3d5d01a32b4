"""Findings and reports: what validation says about one returned file.

A finding is a flat record (code, severity, where, message, what to do); a report
collects every finding for one file and knows whether the file can be accepted.
Renderers (text, JSON, HTML, annotated workbook) live in ``xl_ni179.intake.render``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from xl_ni179.text import quote

Severity = Literal["error", "warning"]

# Bounds on what one finding and one report may hold, whatever the partner's file holds:
# a finding quotes at most a few hundred characters of it (``Rule.finding`` cuts each
# parameter), and a stored or printed report lists at most MAX_LISTED findings.
MESSAGE_CHARS = 1_000  # a message or fix: a template with a quotation or two
PLACE_CHARS = 100  # a sheet, cell or input name (Excel's own sheet names are up to 31)
MAX_LISTED = 500  # far more than a return's inputs can give; the rest are counted


def place(sheet: str, cell: str) -> str:
    """A cell as the officer is told of it: "sheet Gains, cell B8". Not Excel's Gains!B8, which
    Calc's Name Box refuses, nor Calc's Gains.B8, which Excel's refuses: words read the same in both."""
    return f"sheet {sheet}, cell {cell}"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    fix: str
    sheet: str = ""
    cell: str = ""
    field: str = ""
    explained: bool = False  # a warning the partner has explained no longer blocks

    def __post_init__(self) -> None:
        # Also for findings rebuilt from a store that an older version wrote unbounded.
        for name, limit in (
            ("message", MESSAGE_CHARS),
            ("fix", MESSAGE_CHARS),
            ("sheet", PLACE_CHARS),
            ("cell", PLACE_CHARS),
            ("field", PLACE_CHARS),
        ):
            value = getattr(self, name)
            if len(value) > limit:
                object.__setattr__(self, name, quote(value, limit))

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return place(self.sheet, self.cell)
        return f"sheet {self.sheet}" if self.sheet else ""

    @property
    def blocking(self) -> bool:
        return self.severity == "error" or not self.explained

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """Everything validation found in one file."""

    file: str
    organisation: str | None = None  # organisation code read from the file, if any
    round_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # inputs by defined name
    sha256: str = ""
    # The prefill the workbook says it was issued with (xl_ni179.spec.prefill.Prefill), until checked.
    prefill: Any = None
    omitted: int = 0  # findings a stored report left out (it keeps the first MAX_LISTED)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def unexplained_warnings(self) -> list[Finding]:
        return [f for f in self.warnings if not f.explained]

    @property
    def valid(self) -> bool:
        """Acceptable: no errors. Warnings are allowed (and listed for explanation)."""
        return not self.errors

    @property
    def ready(self) -> bool:
        """What the workbook's own status calls 'ready': no errors, every warning explained."""
        return not any(f.blocking for f in self.findings)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def extend(self, findings: list[Finding]) -> None:
        self.findings.extend(findings)

    def listed(self, limit: int = MAX_LISTED) -> tuple[list[Finding], int]:
        """The findings to list, errors first, at most ``limit`` of them; and how many are left out."""
        ordered = sorted(self.findings, key=lambda f: (f.severity != "error", f.explained))
        limit = max(limit, 0)
        return ordered[:limit], max(len(ordered) - limit, 0) + self.omitted

    def to_dict(self) -> dict[str, Any]:
        """The report as stored and as ``--json`` prints it: every count, and the first
        ``MAX_LISTED`` findings (errors first) with ``omitted`` saying how many more there were."""
        if len(self.findings) > MAX_LISTED:
            findings, omitted = self.listed()
        else:
            findings, omitted = self.findings, self.omitted
        return {
            "file": self.file,
            "organisation": self.organisation,
            "round": self.round_id,
            "valid": self.valid,
            "sha256": self.sha256,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in findings],
            "omitted": omitted,
        }
