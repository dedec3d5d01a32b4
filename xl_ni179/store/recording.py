"""Recording one received file in the store: its bytes kept under their hash, its
submission row, its figures and the audit entry, all in the receipt's write transaction
(``store.receiving`` decides what to record; ``Workspace`` takes these methods from
``Recording``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from xl_ni179.errors import WorkspaceError
from xl_ni179.partnership import Partnership
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.store.models import Figure, StoredFile, Submission
from xl_ni179.store.outcomes import Outcome, Source
from xl_ni179.store.paths import FILES_DIR
from xl_ni179.text import quote


@dataclass
class Receipt:
    """What happened to one received file."""

    outcome: Outcome
    report: Report
    submission_id: int | None  # None only when refused
    org_code: str | None
    round_id: str | None
    version: int | None
    supersedes: int | None = None  # the accepted version this one replaces
    duplicate_of: int | None = None
    stored_path: Path | None = None
    late: bool = False  # received after its round's deadline


@dataclass(frozen=True)
class Incoming:
    """A file to receive and what came with it (None: the batch's value, or now)."""

    file: Path
    sender: str | None = None
    received_at: dt.datetime | None = None  # naive UTC
    original_name: str | None = None


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Recording:
    """The recording half of receiving, for ``Workspace`` (which supplies these attributes)."""

    path: Path
    partnership: Partnership

    def audit(self, action: str, detail: dict[str, Any], session: Session | None = None) -> None:
        raise NotImplementedError

    def store_file(self, source: Path, sha256: str) -> tuple[Path, bool]:
        """Keep the bytes under their hash (temp name, then an atomic rename); True if new.

        Called inside the recording transaction, so no other receipt can add or remove the
        same file meanwhile. The copy is read from an ordinary file only and must have the
        hash the file was checked under: bytes changed since then are never stored.
        """
        from xl_ni179.intake.screen import open_regular

        target = self.path / FILES_DIR / sha256[:2] / f"{sha256}.xlsx"
        if target.exists():
            return target, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out, open_regular(source) as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                raise WorkspaceError(
                    f"{source} changed while it was being received, so it was not recorded: "
                    "receive it again once it is saved."
                )
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target, True

    def _text_inputs(self, round_id: str | None) -> frozenset[str] | None:
        """The names of the round's text inputs (None: no round, so every text is kept whole)."""
        if round_id is None or not any(r.id == round_id for r in self.partnership.rounds):
            return None
        from xl_ni179.intake.compiled import return_spec
        from xl_ni179.spec.schema import TEXT

        return frozenset(
            f.name for f in return_spec(self.partnership, round_id).schema.fields if f.type == TEXT
        )

    def _record(
        self,
        s: Session,
        item: Incoming,
        report: Report,
        org_code: str | None,
        sha: str,
        key: str,
        stored: Path,
        outcome: Outcome,
        received_at: dt.datetime,
        source: Source,
    ) -> tuple[Submission, int | None]:
        """The new submission, and the accepted version it supersedes (if any)."""
        if s.get(StoredFile, sha) is None:
            s.add(
                StoredFile(
                    sha256=sha,
                    size=stored.stat().st_size,
                    path=str(stored.relative_to(self.path)),
                    first_seen=received_at,
                )
            )
        version = None
        supersedes = None
        if org_code and report.round_id:
            version = 1 + (
                s.scalar(
                    select(func.count())
                    .select_from(Submission)
                    .where(
                        Submission.org_code == org_code,
                        Submission.round_id == report.round_id,
                        Submission.outcome != Outcome.DUPLICATE,
                    )
                )
                or 0
            )
            if outcome == Outcome.ACCEPTED:
                supersedes = s.scalar(
                    select(Submission.version)
                    .where(
                        Submission.org_code == org_code,
                        Submission.round_id == report.round_id,
                        Submission.outcome == Outcome.ACCEPTED,
                    )
                    .order_by(Submission.id.desc())
                    .limit(1)
                )
        sub = Submission(
            round_id=report.round_id,
            org_code=org_code,
            sha256=sha,
            verdict_key=key,
            sender=item.sender,
            original_name=item.original_name or item.file.name,
            source=source,
            received_at=received_at,
            outcome=outcome,
            version=version,
            errors=len(report.errors),
            warnings=len(report.unexplained_warnings),
            report=report.to_dict(),
        )
        s.add(sub)
        s.flush()
        # Kept for rejected returns too: the checked copy sent back is rebuilt from them,
        # never from the received file. Only accepted ones are ever consolidated.
        rows = _figures(sub.id, report.values, self._text_inputs(report.round_id))
        if rows:  # one executemany, not an INSERT per figure
            s.execute(insert(Figure), rows)
        self.audit(
            "receive",
            {
                "submission": sub.id,
                "outcome": outcome,
                "organisation": org_code,
                "file_names": report.organisation,
                "round": report.round_id,
                "version": version,
                "sha256": sha,
                "sender": item.sender,
                "source": source,
            },
            session=s,
        )
        s.flush()
        return sub, supersedes

    def _record_duplicate(
        self,
        s: Session,
        item: Incoming,
        dup: Submission,
        sha: str,
        key: str,
        received_at: dt.datetime,
        source: Source,
    ) -> Receipt:
        report = Report(
            file=str(item.file), organisation=dup.org_code, round_id=dup.round_id, sha256=sha
        )
        report.findings = [Finding(**f) for f in dup.report.get("findings", [])]
        report.omitted = int(dup.report.get("omitted") or 0)
        sub = Submission(
            round_id=dup.round_id,
            org_code=dup.org_code,
            sha256=sha,
            verdict_key=key,
            sender=item.sender,
            original_name=item.original_name or item.file.name,
            source=source,
            received_at=received_at,
            outcome=Outcome.DUPLICATE,
            version=dup.version,
            duplicate_of=dup.id,
            errors=dup.errors,
            warnings=dup.warnings,
            report=dup.report,
        )
        s.add(sub)
        s.flush()
        self.audit(
            "receive",
            {
                "submission": sub.id,
                "outcome": Outcome.DUPLICATE,
                "duplicate_of": dup.id,
                "sha256": sha,
                "sender": item.sender,
                "source": source,
            },
            session=s,
        )
        return Receipt(
            Outcome.DUPLICATE,
            report,
            sub.id,
            dup.org_code,
            dup.round_id,
            dup.version,
            duplicate_of=dup.id,
            stored_path=self.path / FILES_DIR / sha[:2] / f"{sha}.xlsx",
        )


def _figures(
    submission_id: int, values: dict[str, Any], text_inputs: frozenset[str] | None
) -> list[dict[str, Any]]:
    """The rows of a return's figures. Text where a figure, date, rating or address belongs is
    an error whatever it says: only its first few hundred characters are kept (enough for
    the checked copy to show it), so a small file cannot fill the store with text."""
    rows = []
    for name, value in values.items():
        if value is None:
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        text = None if number else str(value)
        if text is not None and text_inputs is not None and name not in text_inputs:
            text = quote(text)
        rows.append(
            {
                "submission_id": submission_id,
                "name": name,
                "number": float(value) if number else None,
                "text": text,
            }
        )
    return rows
