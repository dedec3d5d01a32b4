"""Findings and reports: what validation says about one returned file.

A finding is a flat record (code, severity, where, message, what to do); a report
collects every finding for one file and knows whether the file can be accepted.
Renderers (text, JSON, HTML, annotated workbook) live in ``xl_ni179.intake.render``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


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

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "organisation": self.organisation,
            "round": self.round_id,
            "valid": self.valid,
            "sha256": self.sha256,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }
