"""A workspace: the partnership configuration, the returns store and the received files.

This is the library API the CLI, the Excel ribbon and the mail intake all call.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from xl_ni179.errors import WorkspaceError
from xl_ni179.partnership import WORKSPACE_CONFIG_NAME as CONFIG_NAME
from xl_ni179.partnership import Partnership, default_config_text, load_partnership
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.store import migrate
from xl_ni179.store.database import open_engine
from xl_ni179.store.models import AuditEntry, Chaser, Figure, StoredFile, Submission
from xl_ni179.store.status import ACCEPTED, MISSING, REJECTED, OrgStatus

if TYPE_CHECKING:
    from xl_ni179.intake.spec import IssuedTemplate
    from xl_ni179.spec.prefill import Prefill
DB_NAME = "ni179.sqlite"
FILES_DIR = "files"
DEMO_MARKER = "NI179-DEMO-FOLDER.txt"  # in a folder `ni179 demo` made, and may delete again
DEMO_MARKER_TEXT = ("This folder was made by `ni179 demo`. Running the demo again deletes and rewrites "
                    "what is in it: do not keep real returns here.\n")


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
    late: bool = False  # received after its round's deadline


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
        self.engine: Engine = open_engine(self.url)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._config_sha: str | None = None

    @classmethod
    def init(cls, path: str | Path, config: str | Path | None = None, url: str | None = None, *,
             allow_demo: bool = False) -> Workspace:
        """Create (or reuse) a workspace folder with a checked copy of ``config``.

        A folder the demo made is refused (unless the demo itself asks): the next demo run
        would delete whatever real returns were received there.
        """
        path = Path(path)
        if is_demo_folder(path) and not allow_demo:
            raise WorkspaceError(f"{path} holds the demo ({DEMO_MARKER}): running `ni179 demo` again would "
                                 "delete it. Use another folder for the real collection, or delete this "
                                 "one first.")
        text = Path(config).read_text("utf-8") if config else default_config_text()
        from xl_ni179.partnership import parse_partnership

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
        """Validate a returned file and record it: accepted, rejected or a duplicate.

        A duplicate is the same file from the same sender for the same round, checked
        against the same configuration: only then would checking it again give the same
        verdict. The same bytes from another address (or after the sender was registered)
        are checked afresh.

        A file whose sender is not registered for the organisation it names is filed under
        the sender's own organisation (or none): it never changes another's status.

        ``received_at`` (naive UTC; now if not given) is when the return arrived: after its
        round's deadline it is late, after the round closed it is refused.
        """
        from xl_ni179.checks.receipt import closed_round_finding
        from xl_ni179.intake.validate import add_cross_return, file_sha256, validate_file
        from xl_ni179.spec.prefill import verify_prefill

        file = Path(file)
        p = self.partnership
        if round_id:
            p.round(round_id)
        received_at = received_at or _now()
        sha = file_sha256(file)
        key = self.verdict_key(sha, sender, round_id)
        with self.session() as s:
            dup = s.scalars(select(Submission).where(Submission.verdict_key == key,
                                                     Submission.outcome != "duplicate")
                            .order_by(Submission.id)).first()
        if dup is not None:
            return self._record_duplicate(file, dup, sha, key, sender, received_at, original_name, source)
        report = validate_file(p, file, sender=sender, round_id=round_id, pool=pool,
                               issued=self.issued_templates())
        filed = filed_under(p, report.organisation, sender)
        if filed and filed == report.organisation and report.round_id:
            # Only the organisation's own earlier returns: never compare (and so quote) another's.
            if report.prefill is not None:
                verify_prefill(p, report, self.accepted_report(filed, report.prefill.sha256))
            add_cross_return(p, report, self.latest_accepted_report(filed, before_round=report.round_id),
                             self.latest_accepted_report(filed, round_id=report.round_id))
        if report.round_id:
            closed = closed_round_finding(p, report.round_id, received_at)
            if closed is not None:
                report.add(closed)
        report.sha256 = sha
        stored, created = self.store_file(file, sha)
        outcome = ACCEPTED if report.valid else REJECTED
        try:
            sub, supersedes = self._record(file, report, filed, sha, key, stored, outcome, sender, received_at,
                                           original_name, source)
        except BaseException:
            if created:  # nothing refers to the new file: leave the store exactly as it was
                stored.unlink(missing_ok=True)
            raise
        late = bool(report.round_id) and received_at.date() > p.round(report.round_id).deadline
        return Receipt(outcome, report, sub.id, filed, report.round_id, sub.version,
                       supersedes, stored_path=stored, late=late)

    def verdict_key(self, sha: str, sender: str | None, round_id: str | None) -> str:
        """What a verdict depends on besides the rules: the file, who sent it, the round
        asked for and the configuration (which says who may send for whom)."""
        if self._config_sha is None:
            self._config_sha = hashlib.sha256((self.path / CONFIG_NAME).read_bytes()).hexdigest()
        parts = (sha, (sender or "").strip().lower(), round_id or "", self._config_sha)
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    def _record(self, file: Path, report: Report, org_code: str | None, sha: str, key: str, stored: Path,
                outcome: str, sender: str | None, received_at: dt.datetime, original_name: str | None,
                source: str) -> tuple[Submission, int | None]:
        """The new submission, and the accepted version it supersedes (if any)."""
        with self.session() as s:
            if s.get(StoredFile, sha) is None:
                s.add(StoredFile(sha256=sha, size=file.stat().st_size,
                                 path=str(stored.relative_to(self.path)), first_seen=received_at))
            version = None
            supersedes = None
            if org_code and report.round_id:
                version = 1 + (s.scalar(select(func.count()).select_from(Submission).where(
                    Submission.org_code == org_code, Submission.round_id == report.round_id,
                    Submission.outcome != "duplicate")) or 0)
                if outcome == ACCEPTED:
                    supersedes = s.scalar(select(Submission.version).where(
                        Submission.org_code == org_code, Submission.round_id == report.round_id,
                        Submission.outcome == ACCEPTED).order_by(Submission.id.desc()).limit(1))
            sub = Submission(round_id=report.round_id, org_code=org_code, sha256=sha, verdict_key=key,
                             sender=sender,
                             original_name=original_name or file.name, source=source, received_at=received_at,
                             outcome=outcome, version=version, errors=len(report.errors),
                             warnings=len(report.unexplained_warnings), report=report.to_dict())
            s.add(sub)
            s.flush()
            # Kept for rejected returns too: the checked copy sent back is rebuilt from them,
            # never from the received file. Only accepted ones are ever consolidated.
            rows = _figures(sub.id, report.values)
            if rows:  # one executemany, not an INSERT per figure
                s.execute(insert(Figure), rows)
            self.audit("receive", {"submission": sub.id, "outcome": outcome, "organisation": org_code,
                                   "file_names": report.organisation, "round": report.round_id,
                                   "version": version, "sha256": sha, "sender": sender, "source": source},
                       session=s)
        return sub, supersedes

    def _record_duplicate(self, file: Path, dup: Submission, sha: str, key: str, sender: str | None,
                          received_at: dt.datetime, original_name: str | None, source: str) -> Receipt:
        report = Report(file=str(file), organisation=dup.org_code, round_id=dup.round_id, sha256=sha)
        report.findings = [Finding(**f) for f in dup.report.get("findings", [])]
        with self.session() as s:
            sub = Submission(round_id=dup.round_id, org_code=dup.org_code, sha256=sha, verdict_key=key,
                             sender=sender,
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

    def annotated_copy(self, submission_id: int) -> bytes | None:
        """The checked copy to send back with a submission's findings (our template, its
        figures copied in, a comment at each finding); None when nothing may go back, as
        after a file-level rejection. Built from the store: the received file is not opened."""
        from xl_ni179.intake.annotate import annotated_bytes

        with self.session() as s:
            sub = s.get(Submission, submission_id)
            if sub is not None and sub.duplicate_of is not None:
                sub = s.get(Submission, sub.duplicate_of)
        if sub is None:
            return None
        report = Report(file=sub.original_name or "", organisation=sub.org_code, round_id=sub.round_id,
                        findings=[Finding(**f) for f in (sub.report or {}).get("findings", [])],
                        values=self.figures(sub.id), sha256=sub.sha256)
        return annotated_bytes(self.partnership, report)

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

    def prefill(self, org_code: str, round_id: str) -> Prefill | None:  # imported lazily
        """What the organisation's template for ``round_id`` fills in: the figures of its
        latest accepted return of an earlier round, for the years that were actual in it."""
        from xl_ni179.spec.prefill import prefill_from

        rnd = self.partnership.round(round_id)
        return prefill_from(self.partnership, rnd, self.latest_accepted_report(org_code, before_round=rnd.id))

    def issued_templates(self) -> frozenset[IssuedTemplate]:
        """The templates issued from this workspace (``store.issue``) under the present
        configuration and program version: a return holding one of them unchanged is
        recognised by its fingerprint (see ``validate_file``)."""
        from xl_ni179.intake.spec import IssuedTemplate, issue_key

        key = issue_key(self.partnership)
        with self.session() as s:
            entries: list[dict[str, Any]] = list(
                s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "templates")).all())
        out = set()
        for detail in entries:
            if detail.get("issue_key") != key:
                continue
            prefilled = detail.get("prefilled") or {}
            for code, fp in (detail.get("fingerprints") or {}).items():
                source = prefilled.get(code) or {}
                out.add(IssuedTemplate(detail["round"], code, source.get("round"), source.get("sha256"), fp))
        return frozenset(out)

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
        now = now or _now()
        rnd = p.round(round_id, on=now.date())
        deadline = dt.datetime.combine(rnd.deadline, dt.time(23, 59, 59))
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
            base: dict[str, Any] = dict(code=org.code, name=org.name, short_name=org.short_name,
                                        sector=org.sector, last_chased=chased.get(org.code))
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


def is_demo_folder(path: Path) -> bool:
    """A folder the demo made (it holds the demo's marker file)."""
    marker = Path(path) / DEMO_MARKER
    return marker.is_file() and not marker.is_symlink()


def filed_under(p: Partnership, named: str | None, sender: str | None) -> str | None:
    """The organisation a receipt counts for: the one the file names when the sender is
    registered for it (or unknown); else the sender's own, if the address is one
    organisation's; else none."""
    if named is None or not sender:
        return named
    address = sender.strip().lower()
    own = [o.code for o in p.organisations if address in (e.lower() for e in o.emails)]
    if named in own:
        return named
    return own[0] if len(own) == 1 else None


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
