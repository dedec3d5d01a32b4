"""Chasers: a reminder to each partner whose return is missing or was rejected.

Drafts are written as .eml files for the consolidator to check (they open in Outlook and
Thunderbird); sending goes through SMTP. Either way each chaser is recorded, so
``ni179 status`` shows when a partner was last chased.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from xl_ni179.mail.outgoing import SmtpSender, compose, stable_message_id
from xl_ni179.store.outcomes import Outcome, State
from xl_ni179.store.status import OrgStatus
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import build_template, template_filename
from xl_ni179.template.builder import checked_filename


def _annotated(workspace: Workspace, st: OrgStatus, round_id: str) -> list[tuple[str, bytes]]:
    """The checked copy of the partner's latest rejected return (built from the store, never
    from the file); nothing when that return was rejected as a whole file."""
    sub = (
        next(
            (
                x
                for x in reversed(workspace.submissions(round_id))
                if x.org_code == st.code
                and x.sha256 == st.sha256
                and x.outcome != Outcome.DUPLICATE
            ),
            None,
        )
        if st.sha256
        else None
    )
    data = workspace.annotated_copy(sub.id) if sub is not None else None
    return [(checked_filename(st.code, round_id), data)] if data else []


def build_chasers(
    workspace: Workspace, round_id: str | None = None, today: dt.date | None = None
) -> list[tuple[OrgStatus, EmailMessage]]:
    """One reminder per partner whose return is missing or rejected, ready to draft or send."""
    p = workspace.partnership
    rnd = p.round(round_id)
    today = today or dt.date.today()
    deadline = rnd.deadline.strftime("%d %B %Y").lstrip("0")
    when = f"The deadline {'was' if today > rnd.deadline else 'is'} {deadline}."
    out = []
    for st in workspace.status(rnd.id):
        if st.state not in (State.MISSING, State.REJECTED):
            continue
        org = p.organisation(st.code)
        if not org.emails:
            continue  # nobody to write to; status still shows the gap
        if st.state == State.MISSING:
            subject = f"Reminder: NI 179 return for {rnd.title} due {deadline} - not yet received"
            lines = [
                f"Dear colleague at {org.name},",
                f"We have not yet received your NI 179 value-for-money return for {rnd.title}. {when}",
                _attached(prefill := workspace.prefill(org.code, rnd.id))
                + " Please fill it in (the Checks "
                "sheet shows anything still to do), have it signed off, and send it back as an .xlsx "
                f"attachment to {p.consolidator_email}.",
            ]
            files = [
                (template_filename(org.code, rnd.id), build_template(p, org.code, rnd, prefill))
            ]
        else:
            errors = [f for f in st.findings if f["severity"] == "error"]
            theirs = p.sender(st.sender).may_send_for(org.code)  # sent from their own address
            subject = f"Reminder: NI 179 return for {rnd.title} due {deadline} - corrections needed"
            lines = [
                f"Dear colleague at {org.name},",
                f"The return {'you sent' if theirs else 'we received for you'} for {rnd.title} could "
                f"not be accepted: it has {len(errors)} error(s) still to correct. {when}",
                *(f"- {f.get('message')} What to do: {f.get('fix')}" for f in errors[:20]),
            ]
            files = _annotated(workspace, st, rnd.id) if theirs else []
            if files:
                lines.append(
                    "The attached checked copy (a fresh return template with your figures copied in) "
                    "marks each problem as a comment on its cell. "
                    f"Please correct your workbook and send it again to {p.consolidator_email}."
                )
            elif theirs:
                lines.append(
                    f"Please correct your workbook and send it again to {p.consolidator_email}."
                )
            else:  # we can't show it came from them: never send them a file someone else made
                lines.append(
                    "We cannot confirm that workbook came from your registered address, so "
                    "it is not attached. Please correct your own copy of the return and send it from "
                    f"your registered address to {p.consolidator_email}."
                )
        lines.append(f"Thank you,\n{p.consolidator_name}\n{p.consolidator_email}")
        seed = f"chaser:{rnd.id}:{org.code}:{dt.datetime.now(dt.UTC).isoformat()}"
        msg = compose(
            to=list(org.emails),
            from_addr=p.consolidator_email,
            subject=subject,
            paragraphs=lines,
            message_id=stable_message_id(seed, p.consolidator_email),
            attachments=files,
            auto="auto-generated",
        )
        out.append((st, msg))
    return out


def draft_chasers(
    workspace: Workspace, round_id: str | None = None, out_dir: str | Path | None = None
) -> list[Path]:
    """Write one .eml draft per partner to chase (default folder ``<workspace>/chasers/<round>``)."""
    rnd = workspace.partnership.round(round_id)
    folder = Path(out_dir) if out_dir else workspace.path / "chasers" / rnd.id
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for st, msg in build_chasers(workspace, rnd.id):
        path = folder / f"chaser_{st.code}_{rnd.id}.eml"
        path.write_bytes(msg.as_bytes())
        workspace.record_chaser(rnd.id, st.code, "draft", str(path))
        written.append(path)
    return written


def send_chasers(workspace: Workspace, round_id: str | None, smtp_url: str) -> list[str]:
    """Send the chasers; returns the codes of the organisations chased."""
    rnd = workspace.partnership.round(round_id)
    smtp = SmtpSender(smtp_url)
    sent = []
    for st, msg in build_chasers(workspace, rnd.id):
        smtp.send(msg)
        workspace.record_chaser(rnd.id, st.code, "sent", f"{msg['To']} {msg['Message-ID']}")
        sent.append(st.code)
    return sent


def _attached(prefill: Any) -> str:
    if prefill is None:
        return "Your blank return workbook is attached."
    return (
        f"Your return workbook is attached, with the figures you reported in {prefill.round_title} "
        "filled in."
    )
