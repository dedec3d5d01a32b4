"""Validating returns in the bounded pool: the side that hands out files and collects reports.

The command, the ribbon, the mail intake and receiving call this. It never opens a return
itself (each file is read in a worker, ``xl_ni179.intake.validate``), so it imports no
parser, no template builder and no checks: a command's own start-up overlaps the fork
server's, which loads those once for every worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from xl_ni179.intake.screen import file_sha256, findings_of, regular_file_finding
from xl_ni179.intake.worker_context import IssuedTemplate, worker_context
from xl_ni179.partnership import Partnership
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.text import visible

log = logging.getLogger(__name__)


def validate_file(
    p: Partnership,
    path: str | Path,
    *,
    sender: str | None = None,
    round_id: str | None = None,
    previous: Report | None = None,
    replaces: Report | None = None,
    pool: Any = None,
    issued: Iterable[IssuedTemplate] = (),
) -> Report:
    """Validate one returned workbook. Never raises for a bad file: problems are findings.

    The untrusted file is only ever opened in a worker process with time and memory
    limits (``pool``, or a shared default one), so a hostile file cannot take this
    process down. ``previous`` is the organisation's last accepted return (any round);
    ``replaces`` is the accepted version of this round that a resubmission supersedes.
    A return prefilled from ``previous`` has its "as reported" figures checked against it.
    ``issued`` are the templates recorded as issued (see ``Workspace.issued_templates``):
    a return whose locked content is one of them is recognised without building its template.
    """
    (report,) = validate_files(
        p,
        [path],
        sender=sender,
        round_id=round_id,
        previous=previous,
        replaces=replaces,
        pool=pool,
        issued=issued,
    )
    return report


def validate_files(
    p: Partnership,
    paths: Iterable[str | Path],
    *,
    sender: str | None = None,
    round_id: str | None = None,
    pool: Any = None,
    senders: Sequence[str | None] | None = None,
    previous: Report | None = None,
    replaces: Report | None = None,
    issued: Iterable[IssuedTemplate] = (),
) -> Iterator[Report]:
    """Validate many files, in order, using every worker of the pool (both cores by default).

    Each report is ``validate_file``'s for that file. ``senders`` gives each file its own
    sender (one per path, in order; ``sender`` is then ignored). Files are read ahead of the
    caller, a few per worker, so a caller that records each report keeps the workers busy.
    A path that is not an ordinary file (a FIFO, a link, a folder, a device) is never handed
    to a worker: its report is the ``not-a-regular-file`` finding, at once.
    """
    from xl_ni179.intake.pool import shared_pool

    names = [str(x) for x in paths]
    refused = {
        i: f for i, f in enumerate(regular_file_finding(name) for name in names) if f is not None
    }
    if refused:
        yield from _with_refused(
            p,
            names,
            refused,
            sender=sender,
            round_id=round_id,
            pool=pool,
            senders=senders,
            previous=previous,
            replaces=replaces,
            issued=issued,
        )
        return
    pool = pool or shared_pool()
    task: Callable[[tuple[Partnership, frozenset[IssuedTemplate]], str], Report]
    if senders is None:
        task = partial(_validate_task, sender, round_id)
    else:
        by_path: dict[str, str | None] = {}
        for name, who in zip(names, senders, strict=True):
            if by_path.setdefault(name, who) != who:
                raise ValueError(
                    f"{name} is given twice with different senders: validate them separately"
                )
        task = partial(_validate_sent_task, by_path, round_id)
    for outcome in pool.map(task, names, context=worker_context(p, issued)):
        if outcome.ok:
            report = outcome.value
        else:  # the worker died, hung or ran out of memory on this file
            log.warning(
                "validation of %s stopped: %s", visible(outcome.path), visible(str(outcome.detail))
            )
            report = Report(file=outcome.path, sha256=_sha256_if_readable(outcome.path))
            report.extend(findings_of(outcome.problems))
        if previous is not None or replaces is not None:
            _compare_with_earlier(p, report, previous, replaces)
        yield report


def _with_refused(
    p: Partnership,
    names: list[str],
    refused: dict[int, Finding],
    *,
    senders: Sequence[str | None] | None,
    **options: Any,
) -> Iterator[Report]:
    """``validate_files`` with the refused paths answered in place and the rest validated."""
    kept = [i for i in range(len(names)) if i not in refused]
    reports = validate_files(
        p,
        [names[i] for i in kept],
        senders=None if senders is None else [senders[i] for i in kept],
        **options,
    )
    for i, name in enumerate(names):
        if i in refused:
            report = Report(file=name)
            report.add(refused[i])
            yield report
        else:
            yield next(reports)


def _sha256_if_readable(path: str) -> str:
    try:
        return file_sha256(Path(path))
    except OSError:  # NotRegularFile among them: it was swapped for something else meanwhile
        return ""


def _compare_with_earlier(
    p: Partnership, report: Report, previous: Report | None, replaces: Report | None
) -> None:
    from xl_ni179.intake.cross_return import add_cross_return
    from xl_ni179.spec.prefill import verify_prefill

    if (
        report.prefill is not None
        and previous is not None
        and previous.sha256 == report.prefill.sha256
    ):
        verify_prefill(p, report, previous)
    add_cross_return(p, report, previous, replaces)


def _validate_task(
    sender: str | None,
    round_id: str | None,
    context: tuple[Partnership, frozenset[IssuedTemplate]],
    path: str,
) -> Report:
    """What a pool worker runs on one file; ``context`` (from ``worker_context``) reaches
    each worker once, and the specs compiled from it stay cached there across files."""
    from xl_ni179.intake.validate import validate_in_process  # preloaded in the workers

    p, issued = context
    return validate_in_process(p, path, sender=sender, round_id=round_id, issued=issued)


def _validate_sent_task(
    senders: dict[str, str | None],
    round_id: str | None,
    context: tuple[Partnership, frozenset[IssuedTemplate]],
    path: str,
) -> Report:
    return _validate_task(senders[path], round_id, context, path)
