"""A workspace: the partnership configuration, the returns store and the received files.

This is the library API the CLI, the Excel ribbon and the mail intake all call.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from xl_ni179.config import Partnership, default_config_text, load_partnership
from xl_ni179.errors import WorkspaceError
from xl_ni179.findings import Finding, Report
from xl_ni179.status_model import ACCEPTED, MISSING, REJECTED, OrgStatus
from xl_ni179.store import migrate
from xl_ni179.store.models import AuditEntry, Chaser, Figure, StoredFile, Submission

CONFIG_NAME = "config.toml"
DB_NAME = "ni179.sqlite"
FILES_DIR = "files"


@dataclass
class Receipt:
    """What happened to one received file."""

    outcome: str  # accepted, rejected or duplicate
    report: Report
    submission_id: int
    org_code: str | None
    round_id: str | None
    version: int | None
    supersedes: int | None = None  # the accepted version this one replaces
    duplicate_of: int | None = None
    stored_path: Path | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Workspace:
    def __init__(self, path: str | Path, url: str | None = None) -> None:
        self.path = Path(path)
        if not (self.path / CONFIG_NAME).exists():
            raise WorkspaceError(f"{self.path} is not a workspace (no {CONFIG_NAME}); create one with "
                                 "`ni179 init`.")
        self.partnership: Partnership = load_partnership(self.path / CONFIG_NAME)
        self.url = url or os.environ.get("NI179_DATABASE_URL") or f"sqlite:///{self.path / DB_NAME}"
        self.engine: Engine = create_engine(self.url)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def init(cls, path: str | Path, config: str | Path | None = None, url: str | None = None) -> Workspace:
        """Create (or reuse) a workspace folder with a checked copy of ``config``."""
        path = Path(path)
        text = Path(config).read_text("utf-8") if config else default_config_text()
        from xl_ni179.config import parse_partnership

        parse_partnership(text, str(config or "built-in configuration"))  # refuse a broken file up front
        path.mkdir(parents=True, exist_ok=True)
        target = path / CONFIG_NAME
        if not target.exists():
            target.write_text(text, "utf-8")
        ws = cls(path, url)
        ws.audit("init", {"config": str(config or "built-in")})
        return ws

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back entirely on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    def audit(self, action: str, detail: dict[str, Any], session: Session | None = None) -> None:
        entry = AuditEntry(at=_now(), actor=_actor(), action=action, detail=detail)
        if session is not None:
            session.add(entry)
            return
        with self.session() as s:
            s.add(entry)

    # -- receiving -------------------------------------------------------------------------

    def store_file(self, source: Path, sha256: str) -> tuple[Path, bool]:
        """Keep the bytes under their hash (temp name, then an atomic rename); True if new."""
        target = self.path / FILES_DIR / sha256[:2] / f"{sha256}.xlsx"
        if target.exists():
            return target, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
        return target, True

    def receive(self, file: str | Path, *, sender: str | None = None, round_id: str | None = None,
                received_at: dt.datetime | None = None, original_name: str | None = None,
                source: str = "cli", pool: Any = None) -> Receipt:
        """Validate a returned file and record it: accepted, rejected or a duplicate."""
        from xl_ni179.prefill import verify_prefill
        from xl_ni179.validate import add_cross_return, file_sha256, validate_file

        file = Path(file)
        p = self.partnership
        if round_id:
            p.round(round_id)
        received_at = received_at or _now()
        sha = file_sha256(file)
        with self.session() as s:
            dup = s.scalars(select(Submission).where(Submission.sha256 == sha,
                                                     Submission.outcome != "duplicate")
                            .order_by(Submission.id)).first()
        if dup is not None:
            return self._record_duplicate(file, dup, sha, sender, received_at, original_name, source)
        report = validate_file(p, file, sender=sender, round_id=round_id, pool=pool)
        org, rnd_id = report.organisation, report.round_id
        if org and rnd_id:
            if report.prefill is not None:
                verify_prefill(p, report, self.accepted_report(org, report.prefill.sha256))
            add_cross_return(p, report, self.latest_accepted_report(org, before_round=rnd_id),
                             self.latest_accepted_report(org, round_id=rnd_id))
        report.sha256 = sha
        stored, created = self.store_file(file, sha)
        outcome = ACCEPTED if report.valid else REJECTED
        try:
            sub = self._record(file, report, sha, stored, outcome, sender, received_at, original_name, source)
        except BaseException:
            if created:  # nothing refers to the new file: leave the store exactly as it was
                stored.unlink(missing_ok=True)
            raise
        return Receipt(outcome, report, sub.id, report.organisation, report.round_id, sub.version,
                       getattr(sub, "supersedes", None), stored_path=stored)

    def _record(self, file: Path, report: Report, sha: str, stored: Path, outcome: str, sender: str | None,
                received_at: dt.datetime, original_name: str | None, source: str) -> Submission:
        with self.session() as s:
            if s.get(StoredFile, sha) is None:
                s.add(StoredFile(sha256=sha, size=file.stat().st_size,
                                 path=str(stored.relative_to(self.path)), first_seen=received_at))
            version = None
            supersedes = None
            if report.organisation and report.round_id:
                version = 1 + (s.scalar(select(func.count()).select_from(Submission).where(
                    Submission.org_code == report.organisation, Submission.round_id == report.round_id,
                    Submission.outcome != "duplicate")) or 0)
                if outcome == ACCEPTED:
                    supersedes = s.scalar(select(Submission.version).where(
                        Submission.org_code == report.organisation, Submission.round_id == report.round_id,
                        Submission.outcome == ACCEPTED).order_by(Submission.id.desc()).limit(1))
            sub = Submission(round_id=report.round_id, org_code=report.organisation, sha256=sha, sender=sender,
                             original_name=original_name or file.name, source=source, received_at=received_at,
                             outcome=outcome, version=version, errors=len(report.errors),
                             warnings=len(report.unexplained_warnings), report=report.to_dict())
            s.add(sub)
            s.flush()
            if outcome == ACCEPTED:
                rows = _figures(sub.id, report.values)
                if rows:  # one executemany, not an INSERT per figure
                    s.execute(insert(Figure), rows)
            self.audit("receive", {"submission": sub.id, "outcome": outcome, "organisation": report.organisation,
                                   "round": report.round_id, "version": version, "sha256": sha,
                                   "sender": sender, "source": source}, session=s)
        sub.supersedes = supersedes  # type: ignore[attr-defined]
        return sub

    def _record_duplicate(self, file: Path, dup: Submission, sha: str, sender: str | None,
                          received_at: dt.datetime, original_name: str | None, source: str) -> Receipt:
        report = Report(file=str(file), organisation=dup.org_code, round_id=dup.round_id, sha256=sha)
        report.findings = [Finding(**f) for f in dup.report.get("findings", [])]
        with self.session() as s:
            sub = Submission(round_id=dup.round_id, org_code=dup.org_code, sha256=sha, sender=sender,
                             original_name=original_name or file.name, source=source, received_at=received_at,
                             outcome="duplicate", version=dup.version, duplicate_of=dup.id,
                             errors=dup.errors, warnings=dup.warnings, report=dup.report)
            s.add(sub)
            s.flush()
            self.audit("receive", {"submission": sub.id, "outcome": "duplicate", "duplicate_of": dup.id,
                                   "sha256": sha, "sender": sender, "source": source}, session=s)
        return Receipt("duplicate", report, sub.id, dup.org_code, dup.round_id, dup.version,
                       duplicate_of=dup.id, stored_path=self.path / FILES_DIR / sha[:2] / f"{sha}.xlsx")

    # -- reading -------------------------------------------------------------------------

    def latest_accepted(self, org_code: str, round_id: str) -> Submission | None:
        with self.session() as s:
            return s.scalars(select(Submission).where(
                Submission.org_code == org_code, Submission.round_id == round_id,
                Submission.outcome == ACCEPTED).order_by(Submission.id.desc()).limit(1)).first()

    def figures(self, submission_id: int) -> dict[str, Any]:
        with self.session() as s:
            rows = s.scalars(select(Figure).where(Figure.submission_id == submission_id)).all()
        return {r.name: r.number if r.number is not None else r.text for r in rows}

    def latest_accepted_report(self, org_code: str, *, round_id: str | None = None,
                               before_round: str | None = None) -> Report | None:
        """The organisation's latest accepted return in ``round_id``, or in any round before
        ``before_round`` (by deadline), as a Report carrying its figures."""
        p = self.partnership
        if round_id:
            rounds = [round_id]
        else:
            limit = p.round(before_round).deadline if before_round else None
            rounds = [r.id for r in sorted(p.rounds, key=lambda r: r.deadline, reverse=True)
                      if limit is None or r.deadline < limit]
        for rid in rounds:
            sub = self.latest_accepted(org_code, rid)
            if sub is not None:
                return Report(file=sub.original_name or "", organisation=org_code, round_id=rid,
                              values=self.figures(sub.id), sha256=sub.sha256)
        return None

    def accepted_report(self, org_code: str, sha256: str) -> Report | None:
        """The organisation's accepted return with this file hash (any round and version)."""
        with self.session() as s:
            sub = s.scalars(select(Submission).where(
                Submission.org_code == org_code, Submission.sha256 == sha256,
                Submission.outcome == ACCEPTED).order_by(Submission.id).limit(1)).first()
        if sub is None:
            return None
        return Report(file=sub.original_name or "", organisation=org_code, round_id=sub.round_id,
                      values=self.figures(sub.id), sha256=sub.sha256)

    def prefill(self, org_code: str, round_id: str):  # noqa: ANN201 - Prefill | None, imported lazily
        """What the organisation's template for ``round_id`` fills in: the figures of its
        latest accepted return of an earlier round, for the years that were actual in it."""
        from xl_ni179.prefill import prefill_from

        rnd = self.partnership.round(round_id)
        return prefill_from(self.partnership, rnd, self.latest_accepted_report(org_code, before_round=rnd.id))

    def accepted_returns(self, round_id: str) -> dict[str, dict[str, Any]]:
        """The figures of each organisation's current (latest accepted) return."""
        out = {}
        for org in self.partnership.organisations:
            sub = self.latest_accepted(org.code, round_id)
            if sub is not None:
                out[org.code] = self.figures(sub.id)
        return out

    def status(self, round_id: str | None = None, now: dt.datetime | None = None) -> list[OrgStatus]:
        p = self.partnership
        rnd = p.round(round_id)
        deadline = dt.datetime.combine(rnd.deadline, dt.time(23, 59, 59))
        now = now or _now()
        with self.session() as s:
            subs = s.scalars(select(Submission).where(Submission.round_id == rnd.id,
                                                      Submission.outcome != "duplicate")
                             .order_by(Submission.id)).all()
            chased = dict(s.execute(select(Chaser.org_code, func.max(Chaser.at))
                                    .where(Chaser.round_id == rnd.id).group_by(Chaser.org_code)).all())
        out = []
        for org in p.organisations:
            mine = [x for x in subs if x.org_code == org.code]
            accepted = [x for x in mine if x.outcome == ACCEPTED]
            current = accepted[-1] if accepted else (mine[-1] if mine else None)
            base = dict(code=org.code, name=org.name, short_name=org.short_name, sector=org.sector,
                        last_chased=chased.get(org.code))
            if current is None:
                out.append(OrgStatus(state=MISSING, late=now > deadline, **base))
                continue
            findings = tuple(current.report.get("findings", []))
            warnings = tuple(f["message"] for f in findings if f["severity"] == "warning" and not f["explained"])
            out.append(OrgStatus(state=ACCEPTED if accepted else REJECTED,
                                 late=(accepted[0].received_at if accepted else now) > deadline,
                                 version=current.version, received_at=current.received_at,
                                 sender=current.sender, sha256=current.sha256, errors=current.errors,
                                 warnings=warnings, findings=findings, **base))
        return out

    def submissions(self, round_id: str | None = None) -> list[Submission]:
        with self.session() as s:
            query = select(Submission).order_by(Submission.id)
            if round_id:
                query = query.where(Submission.round_id == round_id)
            return list(s.scalars(query).all())

    def record_chaser(self, round_id: str, org_code: str, mode: str, detail: str = "") -> None:
        with self.session() as s:
            s.add(Chaser(round_id=round_id, org_code=org_code, at=_now(), mode=mode, detail=detail))
            self.audit("chase", {"round": round_id, "organisation": org_code, "mode": mode}, session=s)


def _figures(submission_id: int, values: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, value in values.items():
        if value is None:
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        rows.append({"submission_id": submission_id, "name": name,
                     "number": float(value) if number else None, "text": None if number else str(value)})
    return rows


def _actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some service contexts
        return "unknown"
