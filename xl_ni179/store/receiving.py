"""Receiving returns into a workspace: validate a batch on every worker, record one by one.

Validation is the slow part and runs in the bounded pool, several files at once; the
store's writes stay in this process, one file at a time and in the order given, so that
versions, "replaces version N" and duplicates come out as if each file had been received
alone. ``Workspace`` takes these methods from ``Receiving``, and the writes of one
receipt from ``Recording`` (``store.recording``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xl_ni179.errors import WorkspaceError
from xl_ni179.rules.findings import Report
from xl_ni179.store.models import Submission
from xl_ni179.store.outcomes import Outcome, Source
from xl_ni179.store.recording import Incoming, Receipt, Recording, now_utc

if TYPE_CHECKING:
    from xl_ni179.intake.worker_context import IssuedTemplate


class Receiving(Recording):
    """The receiving half of ``Workspace`` (which supplies these attributes)."""

    def session(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def reading(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def receive(
        self,
        file: str | Path,
        *,
        sender: str | None = None,
        round_id: str | None = None,
        received_at: dt.datetime | None = None,
        original_name: str | None = None,
        source: Source = Source.CLI,
        pool: Any = None,
    ) -> Receipt:
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
        (receipt,) = self.receive_many(
            [Incoming(Path(file), sender, received_at, original_name)],
            round_id=round_id,
            source=source,
            pool=pool,
        )
        return receipt

    def receive_many(
        self,
        files: Iterable[str | Path | Incoming],
        *,
        sender: str | None = None,
        round_id: str | None = None,
        source: Source = Source.CLI,
        pool: Any = None,
        unreadable: Callable[[Path, OSError], None] | None = None,
    ) -> Iterator[Receipt]:
        """Receive many files: each as ``receive`` would, receipts in the order given.

        The files are validated together on every worker of the pool while this process
        records each verdict as it comes, in order; a file whose verdict is already in the
        store (a duplicate) is not validated again. ``sender`` applies to plain paths; an
        ``Incoming`` carries its own. A file that cannot be read at all (gone, or locked by
        the program that has it open) raises ``OSError`` before anything is recorded, unless
        ``unreadable`` is given: it is then told and the file left out. Stopping early leaves
        the files not yet yielded unrecorded.
        """
        from xl_ni179.intake.screen import NotRegularFile, file_sha256

        if round_id:
            self.partnership.round(
                round_id
            )  # an unknown round is the caller's mistake: say so before any work
        items: list[Incoming] = []
        keys: list[tuple[str, str]] = []
        # Each file in the order given: its index among the files read, or the receipt that
        # refuses it (a FIFO, link, folder or device is never read, and nothing is recorded).
        order: list[int | Receipt] = []
        for item in (f if isinstance(f, Incoming) else Incoming(Path(f), sender) for f in files):
            try:
                sha = file_sha256(item.file)
            except NotRegularFile as exc:
                report = Report(file=str(item.file))
                report.add(exc.finding)
                order.append(Receipt(Outcome.REFUSED, report, None, None, round_id, None))
                continue
            except OSError as exc:
                if unreadable is None:
                    raise
                unreadable(item.file, exc)
                continue
            order.append(len(items))
            items.append(item)
            keys.append((sha, self.verdict_key(sha, item.sender, round_id)))
        received = self._receive_batches(items, keys, round_id, source, pool)
        for entry in order:
            yield entry if isinstance(entry, Receipt) else next(received)

    def _receive_batches(
        self,
        items: list[Incoming],
        keys: list[tuple[str, str]],
        round_id: str | None,
        source: Source,
        pool: Any,
    ) -> Iterator[Receipt]:
        # The pool knows a file by its path: the same path with another sender starts a new
        # batch, validated once the one before it is recorded.
        start, senders = 0, dict[Path, str | None]()
        for i, item in enumerate(items):
            if senders.setdefault(item.file, item.sender) != item.sender:
                yield from self._receive_batch(
                    items[start:i], keys[start:i], round_id, source, pool
                )
                start, senders = i, {item.file: item.sender}
        if items:
            yield from self._receive_batch(items[start:], keys[start:], round_id, source, pool)

    def _receive_batch(
        self,
        items: list[Incoming],
        keys: list[tuple[str, str]],
        round_id: str | None,
        source: Source,
        pool: Any,
    ) -> Iterator[Receipt]:
        from xl_ni179.intake.batch import validate_files

        # Each verdict is worked out once: the first file with a new key is validated, the
        # rest (and those whose verdict the store holds) are recorded as its duplicates.
        fresh, seen = [], self._verdicts({key for _, key in keys})
        for i, (_, key) in enumerate(keys):
            if key not in seen:
                fresh.append(i)
                seen.add(key)
        reports = validate_files(
            self.partnership,
            [items[i].file for i in fresh],
            senders=[items[i].sender for i in fresh],
            round_id=round_id,
            pool=pool,
            issued=self.issued_templates(),
        )
        wanted = set(fresh)
        for i, (item, (sha, key)) in enumerate(zip(items, keys, strict=True)):
            report = next(reports) if i in wanted else None
            yield self._receive_checked(item, sha, key, report, round_id, source)

    def _verdicts(self, keys: set[str]) -> set[str]:
        """Which of these verdict keys the store already holds."""
        with self.reading() as s:
            return set(
                s.scalars(
                    select(Submission.verdict_key).where(
                        Submission.verdict_key.in_(keys), Submission.outcome != Outcome.DUPLICATE
                    )
                )
            )

    def _receive_checked(
        self,
        item: Incoming,
        sha: str,
        key: str,
        report: Report | None,
        round_id: str | None,
        source: Source,
    ) -> Receipt:
        """Record one file given its validation report (None: a duplicate is expected).

        Everything from "is this a duplicate?" to the new row is one write transaction, the
        only one recording a receipt at that moment (``store.locks.lock_receiving``), so
        receipts made at once by several processes come out as if made one after another:
        one verdict per key, consecutive versions, and the stored file written and (after a
        failure) removed only while no other receipt can refer to it.
        """
        from xl_ni179.checks.receipt import closed_round_finding
        from xl_ni179.intake.cross_return import add_cross_return
        from xl_ni179.spec.prefill import verify_prefill
        from xl_ni179.store.locks import lock_receiving

        p = self.partnership
        received_at = item.received_at or now_utc()
        with self.session() as s:
            lock_receiving(s)
            dup = s.scalars(
                select(Submission)
                .where(Submission.verdict_key == key, Submission.outcome != Outcome.DUPLICATE)
                .order_by(Submission.id)
            ).first()
            if dup is not None:  # also when another process recorded it since the batch began
                return self._record_duplicate(s, item, dup, sha, key, received_at, source)
            if report is None:  # the batch's workers are busy: they cannot check this file now
                raise WorkspaceError(
                    f"The verdict on {item.file} was removed from the store while it was being "
                    "received: receive the file again."
                )
            filed = p.filed_under(report.organisation, item.sender)  # xl_ni179.partnership.senders
            if filed and filed == report.organisation and report.round_id:
                # Only the organisation's own earlier returns: never compare (and so quote) another's.
                # Asked now, not when the batch began: an earlier receipt may be one of them.
                if report.prefill is not None:
                    verify_prefill(p, report, self.accepted_report(filed, report.prefill.sha256))
                add_cross_return(
                    p,
                    report,
                    self.latest_accepted_report(filed, before_round=report.round_id),
                    self.latest_accepted_report(filed, round_id=report.round_id),
                )
            if report.round_id:
                closed = closed_round_finding(p, report.round_id, received_at)
                if closed is not None:
                    report.add(closed)
            if (
                report.sha256 and report.sha256 != sha
            ):  # the worker read other bytes than were hashed
                raise WorkspaceError(
                    f"{item.file} changed while it was being received, so it was not recorded: "
                    "receive it again once it is saved."
                )
            report.sha256 = sha
            outcome = Outcome.ACCEPTED if report.valid else Outcome.REJECTED
            stored, created = self.store_file(item.file, sha)
            try:
                sub, supersedes = self._record(
                    s, item, report, filed, sha, key, stored, outcome, received_at, source
                )
            except BaseException:
                if created:  # nothing refers to the new file: leave the store exactly as it was
                    stored.unlink(missing_ok=True)
                raise
        late = bool(report.round_id) and received_at.date() > p.round(report.round_id).deadline
        return Receipt(
            outcome,
            report,
            sub.id,
            filed,
            report.round_id,
            sub.version,
            supersedes,
            stored_path=stored,
            late=late,
        )

    @property
    def config_sha(self) -> str:
        """A hash of what the configuration this workspace was opened with says (its
        comments and layout aside): a verdict (and a mail intake's "already answered")
        holds only under the same configuration."""
        return self.partnership.content_key

    def verdict_key(self, sha: str, sender: str | None, round_id: str | None) -> str:
        """What a verdict depends on besides the rules: the file, who sent it, the round
        asked for and the configuration (which says who may send for whom)."""
        parts = (sha, (sender or "").strip().lower(), round_id or "", self.config_sha)
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    def accepted_report(self, org_code: str, sha256: str) -> Report | None:
        raise NotImplementedError

    def issued_templates(self) -> frozenset[IssuedTemplate]:
        raise NotImplementedError

    def latest_accepted_report(
        self, org_code: str, *, round_id: str | None = None, before_round: str | None = None
    ) -> Report | None:
        raise NotImplementedError
