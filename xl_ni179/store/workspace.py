"""A workspace: the partnership configuration, the returns store and the received files.

This is the library API the CLI, the Excel ribbon and the mail intake all call.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from xl_ni179.errors import WorkspaceError
from xl_ni179.partnership import (
    Partnership,
    default_config_text,
    load_partnership,
    parse_partnership,
)
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.store import migrate
from xl_ni179.store.database import BEGIN_OPTION, open_engine
from xl_ni179.store.issued import template_issues
from xl_ni179.store.models import AuditEntry, Chaser, Figure, Submission
from xl_ni179.store.outcomes import Outcome, State
from xl_ni179.store.paths import CONFIG_NAME, DB_NAME, FILES_DIR, store_url
from xl_ni179.store.receiving import Receiving
from xl_ni179.store.recording import Incoming, Receipt, now_utc
from xl_ni179.store.status import OrgStatus

if TYPE_CHECKING:
    from xl_ni179.intake.worker_context import IssuedTemplate
    from xl_ni179.spec.prefill import Prefill

__all__ = [
    "CONFIG_NAME",
    "DB_NAME",
    "FILES_DIR",
    "Incoming",
    "Receipt",
    "Workspace",
    "is_demo_folder",
]

DEMO_MARKER = "NI179-DEMO-FOLDER.txt"  # in a folder `ni179 demo` made, and may delete again
DEMO_MARKER_TEXT = (
    "This folder was made by `ni179 demo`. Running the demo again deletes and rewrites "
    "what is in it: do not keep real returns here.\n"
)


_now = now_utc


FIGURES_PER_QUERY = 500  # submissions per query: well inside SQLite's limit on bound parameters


class Workspace(Receiving):
    """A workspace folder and its store; receiving comes from ``Receiving``."""

    def __init__(self, path: str | Path, url: str | None = None) -> None:
        self.path = Path(path)
        if not (self.path / CONFIG_NAME).exists():
            raise WorkspaceError(
                f"{self.path} is not a workspace (no {CONFIG_NAME}); create one with `ni179 init`."
            )
        self.partnership: Partnership = load_partnership(self.path / CONFIG_NAME)
        self.url = url or store_url(self.path)
        self.engine: Engine = open_engine(self.url)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Read-only sessions begin deferred: on SQLite they never wait for a writer's turn.
        self._readers = sessionmaker(
            self.engine.execution_options(**{BEGIN_OPTION: "DEFERRED"}), expire_on_commit=False
        )

    @classmethod
    def init(
        cls,
        path: str | Path,
        config: str | Path | None = None,
        url: str | None = None,
        *,
        allow_demo: bool = False,
    ) -> Workspace:
        """Create (or reuse) a workspace folder with a checked copy of ``config``.

        A folder the demo made is refused (unless the demo itself asks): the next demo run
        would delete whatever real returns were received there.
        """
        path = Path(path)
        if is_demo_folder(path) and not allow_demo:
            raise WorkspaceError(
                f"{path} holds the demo ({DEMO_MARKER}): running `ni179 demo` again would "
                "delete it. Use another folder for the real collection, or delete this "
                "one first."
            )
        text = Path(config).read_text("utf-8") if config else default_config_text()
        parse_partnership(
            text, str(config or "built-in configuration")
        )  # refuse a broken file up front
        path.mkdir(parents=True, exist_ok=True)
        target = path / CONFIG_NAME
        if not target.exists():
            target.write_text(text, "utf-8")
        workspace = cls(path, url)
        workspace.audit("init", {"config": str(config or "built-in")})
        return workspace

    def close(self) -> None:
        """Close the store's connections. A command's process ends anyway; a long-running one
        (the intake service, Excel's ribbon) or a test would otherwise leave them open until
        the garbage collector finds them. The workspace opens new ones if used again."""
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction that may write: committed on success, rolled back entirely on any
        exception. On SQLite it holds the store's write lock from its first statement (see
        ``store.database``), so what it reads stays true until it commits."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: it never waits for, nor holds up, a writer's turn."""
        with self._readers() as session, session.begin():
            yield session

    def audit(self, action: str, detail: dict[str, Any], session: Session | None = None) -> None:
        entry = AuditEntry(at=_now(), actor=_actor(), action=action, detail=detail)
        if session is not None:
            session.add(entry)
            return
        with self.session() as s:
            s.add(entry)

    # -- reading -------------------------------------------------------------------------

    def latest_accepted(self, org_code: str, round_id: str) -> Submission | None:
        with self.reading() as s:
            return s.scalars(
                select(Submission)
                .where(
                    Submission.org_code == org_code,
                    Submission.round_id == round_id,
                    Submission.outcome == Outcome.ACCEPTED,
                )
                .order_by(Submission.id.desc())
                .limit(1)
            ).first()

    def figures(self, submission_id: int) -> dict[str, Any]:
        with self.reading() as s:
            rows = s.scalars(select(Figure).where(Figure.submission_id == submission_id)).all()
        return {r.name: r.number if r.number is not None else r.text for r in rows}

    def annotated_copy(self, submission_id: int) -> bytes | None:
        """The checked copy to send back with a submission's findings (our template, its
        figures copied in, a comment at each finding); None when nothing may go back, as
        after a file-level rejection. Built from the store: the received file is not opened."""
        from xl_ni179.intake.annotate import annotated_bytes

        with self.reading() as s:
            sub = s.get(Submission, submission_id)
            if sub is not None and sub.duplicate_of is not None:
                sub = s.get(Submission, sub.duplicate_of)
        if sub is None:
            return None
        report = Report(
            file=sub.original_name or "",
            organisation=sub.org_code,
            round_id=sub.round_id,
            findings=[Finding(**f) for f in (sub.report or {}).get("findings", [])],
            values=self.figures(sub.id),
            sha256=sub.sha256,
            omitted=int((sub.report or {}).get("omitted") or 0),
        )
        return annotated_bytes(self.partnership, report)

    def latest_accepted_report(
        self, org_code: str, *, round_id: str | None = None, before_round: str | None = None
    ) -> Report | None:
        """The organisation's latest accepted return in ``round_id``, or in any round before
        ``before_round`` (by deadline), as a Report carrying its figures."""
        p = self.partnership
        if round_id:
            rounds = [round_id]
        else:
            limit = p.round(before_round).deadline if before_round else None
            rounds = [
                r.id
                for r in sorted(p.rounds, key=lambda r: r.deadline, reverse=True)
                if limit is None or r.deadline < limit
            ]
        for rid in rounds:
            sub = self.latest_accepted(org_code, rid)
            if sub is not None:
                return Report(
                    file=sub.original_name or "",
                    organisation=org_code,
                    round_id=rid,
                    values=self.figures(sub.id),
                    sha256=sub.sha256,
                )
        return None

    def accepted_report(self, org_code: str, sha256: str) -> Report | None:
        """The organisation's accepted return with this file hash (any round and version)."""
        with self.reading() as s:
            sub = s.scalars(
                select(Submission)
                .where(
                    Submission.org_code == org_code,
                    Submission.sha256 == sha256,
                    Submission.outcome == Outcome.ACCEPTED,
                )
                .order_by(Submission.id)
                .limit(1)
            ).first()
        if sub is None:
            return None
        return Report(
            file=sub.original_name or "",
            organisation=org_code,
            round_id=sub.round_id,
            values=self.figures(sub.id),
            sha256=sub.sha256,
        )

    def prefill(self, org_code: str, round_id: str) -> Prefill | None:  # imported lazily
        """What the organisation's template for ``round_id`` fills in: the figures of its
        latest accepted return of an earlier round, for the years that were actual in it."""
        from xl_ni179.spec.prefill import prefill_from

        rnd = self.partnership.round(round_id)
        return prefill_from(
            self.partnership, rnd, self.latest_accepted_report(org_code, before_round=rnd.id)
        )

    def issued_templates(self) -> frozenset[IssuedTemplate]:
        """The templates issued from this workspace (``store.issue``) under the present
        configuration and program version: a return holding one of them unchanged is
        recognised by its fingerprint (see ``validate_file``)."""
        from xl_ni179.intake.worker_context import issued_in

        with self.reading() as s:
            return issued_in(template_issues(s), self.partnership)

    def accepted_returns(self, round_id: str) -> dict[str, dict[str, Any]]:
        """The figures of each organisation's current (latest accepted) return.

        Two queries for the whole round, not two per organisation: a round of hundreds of
        returns reads in a fraction of a second."""
        with self.reading() as s:
            latest: dict[str, int] = {}
            for code, sub_id in s.execute(
                select(Submission.org_code, Submission.id)
                .where(Submission.round_id == round_id, Submission.outcome == Outcome.ACCEPTED)
                .order_by(Submission.id)
            ):
                if code is not None:
                    latest[code] = sub_id  # the last one wins: the latest
            wanted = {
                org.code: latest[org.code]
                for org in self.partnership.organisations
                if org.code in latest
            }
            by_sub: dict[int, dict[str, Any]] = {sub_id: {} for sub_id in wanted.values()}
            ids = list(by_sub)
            # Plain rows through the session's connection: the ORM's handling of a column
            # query costs a third more over the tens of thousands of figures of a large round.
            conn = s.connection()
            for start in range(0, len(ids), FIGURES_PER_QUERY):
                for sub_id, name, number, text in conn.execute(
                    select(Figure.submission_id, Figure.name, Figure.number, Figure.text)
                    .where(Figure.submission_id.in_(ids[start : start + FIGURES_PER_QUERY]))
                    .order_by(Figure.submission_id, Figure.id)
                ):
                    by_sub[sub_id][name] = number if number is not None else text
        return {code: by_sub[sub_id] for code, sub_id in wanted.items()}

    def status(
        self, round_id: str | None = None, now: dt.datetime | None = None
    ) -> list[OrgStatus]:
        p = self.partnership
        now = now or _now()
        rnd = p.round(round_id, on=now.date())
        deadline = dt.datetime.combine(rnd.deadline, dt.time(23, 59, 59))
        with self.reading() as s:
            subs = s.scalars(
                select(Submission)
                .where(Submission.round_id == rnd.id, Submission.outcome != Outcome.DUPLICATE)
                .order_by(Submission.id)
            ).all()
            chased = dict(
                s.execute(
                    select(Chaser.org_code, func.max(Chaser.at))
                    .where(Chaser.round_id == rnd.id)
                    .group_by(Chaser.org_code)
                ).all()
            )
        by_org: dict[str | None, list[Submission]] = {}  # grouped once: a round may have hundreds
        for x in subs:
            by_org.setdefault(x.org_code, []).append(x)
        out = []
        for org in p.organisations:
            mine = by_org.get(org.code, [])
            accepted = [x for x in mine if x.outcome == Outcome.ACCEPTED]
            current = accepted[-1] if accepted else (mine[-1] if mine else None)
            base: dict[str, Any] = dict(
                code=org.code,
                name=org.name,
                short_name=org.short_name,
                sector=org.sector,
                last_chased=chased.get(org.code),
            )
            if current is None:
                out.append(OrgStatus(state=State.MISSING, late=now > deadline, **base))
                continue
            findings = tuple(current.report.get("findings", []))
            warnings = tuple(
                f["message"] for f in findings if f["severity"] == "warning" and not f["explained"]
            )
            out.append(
                OrgStatus(
                    state=State.ACCEPTED if accepted else State.REJECTED,
                    late=(accepted[0].received_at if accepted else now) > deadline,
                    version=current.version,
                    received_at=current.received_at,
                    sender=current.sender,
                    sha256=current.sha256,
                    errors=current.errors,
                    warnings=warnings,
                    findings=findings,
                    **base,
                )
            )
        return out

    def submissions(self, round_id: str | None = None) -> list[Submission]:
        with self.reading() as s:
            query = select(Submission).order_by(Submission.id)
            if round_id:
                query = query.where(Submission.round_id == round_id)
            return list(s.scalars(query).all())

    def record_chaser(self, round_id: str, org_code: str, mode: str, detail: str = "") -> None:
        with self.session() as s:
            s.add(Chaser(round_id=round_id, org_code=org_code, at=_now(), mode=mode, detail=detail))
            self.audit(
                "chase", {"round": round_id, "organisation": org_code, "mode": mode}, session=s
            )


def is_demo_folder(path: Path) -> bool:
    """A folder the demo made (it holds the demo's marker file)."""
    marker = Path(path) / DEMO_MARKER
    return marker.is_file() and not marker.is_symlink()


def _actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some service contexts
        return "unknown"
