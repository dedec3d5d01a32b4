"""The links a returned workbook may hold: only the one Calc makes of a typed email address.

LibreOffice Calc turns an email address typed into a cell into a link to ``mailto:`` that
address, and saves the link with the workbook. That one is harmless and expected. Any
other link to outside the workbook (a web page, a network folder, a file, a mailto of some
other address) could take whoever opens the stored return somewhere the partner's
figures never needed to go, so it is refused wherever it is. A link to a place inside the
workbook (``#Sheet!A1``, as our own checked copy makes) goes nowhere and is allowed.

The reader gives the links as ``{sheet: {ref: target}}``: ``ref`` the cell or range the
link covers, ``target`` the external address its relationship names, or ``#place`` for a
link within the workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from xl_ni179.rules.findings import Finding
from xl_ni179.rules.structure_rules import HYPERLINK
from xl_ni179.spec.schema import EMAIL, Schema

MAX_SHOWN = 120  # characters of a target quoted back to the sender


def link_findings(
    links: Mapping[str, Mapping[str, str]], schema: Schema, value: Callable[[str, str], Any]
) -> Iterator[Finding]:
    """A finding for each link but Calc's own link of a typed email address to that address."""
    emails = {(f.sheet, f.cell) for f in schema.fields if f.type == EMAIL}
    for sheet, found in links.items():
        for ref, target in found.items():
            target = str(target or "")
            if target.startswith("#"):
                continue  # a place in this workbook
            cell = _one_cell(ref)
            if cell and (sheet, cell) in emails and _mailto_of(target, value(sheet, cell)):
                continue
            yield HYPERLINK.finding(sheet=sheet[:40], cell=ref[:20], target=_shown(target))


def _one_cell(ref: str) -> str | None:
    """'B8', '$B$8' or 'B8:B8' -> 'B8'; None for a range of several cells."""
    corners = {part.replace("$", "").strip().upper() for part in ref.split(":")}
    return corners.pop() if len(corners) == 1 else None


def _mailto_of(target: str, typed: Any) -> bool:
    """Whether ``target`` is ``mailto:`` the address typed in the cell (as Calc writes it)."""
    if not isinstance(typed, str) or not target.lower().startswith("mailto:"):
        return False
    return target[len("mailto:") :].strip().lower() == typed.strip().lower() != ""


def _shown(target: str) -> str:
    """The target quoted back, short and with no control characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in target)
    return f"'{clean[:MAX_SHOWN]}...'" if len(clean) > MAX_SHOWN else f"'{clean}'"
