"""The binary parts a returned workbook may hold, and nothing posing as one.

No reader of ours parses a binary part, so what matters is what it is. Pictures are
harmless, and so are the printer settings Excel saves with each sheet once it has been
printed (an opaque Windows DEVMODE block that only the printer driver reads). Anything
else binary is how macros, embedded objects and programs travel inside an Office file,
so a binary part is accepted only at a place and under a type that Excel gives it, and
never when its bytes are an Office compound file, a zip or a program, whatever its name.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.graph import Relationship
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.sniff import container_kind
from xl_ni179.intake.safety.xmlscan import chunks, shown

PRINTER_SETTINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.printersettings"
)
PRINTER_SETTINGS_REL = "printersettings"  # last segment of the relationship type, lower case
_PRINTER_SETTINGS_RE = re.compile(r"xl/printersettings/printersettings[1-9][0-9]{0,3}\.bin")


def is_printer_settings_name(low: str) -> bool:
    """``low``: a part name in lower case (part names are case-insensitive)."""
    return _PRINTER_SETTINGS_RE.fullmatch(low) is not None


def flagged_by_name(low: str) -> bool:
    """Binary parts reported by their name alone (macros, embedded objects, controls)."""
    base = posixpath.basename(low)
    return (base.startswith("vbaproject") and base.endswith(".bin")) or low.startswith(
        ("xl/embeddings/", "xl/activex/")
    )


def targets_of_printer_settings(rels: Iterable[Relationship]) -> set[str]:
    """The parts (lower case) that these relationships name as a sheet's printer settings."""
    return {
        rel.part.lower()
        for rel in rels
        if not rel.external
        and rel.part is not None
        and rel.type.rsplit("/", 1)[-1].lower() == PRINTER_SETTINGS_REL
    }


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def check_binaries(
    zf: zipfile.ZipFile,
    infos: Iterable[zipfile.ZipInfo],
    content_type: Callable[[str], str],
    printer_targets: set[str],
) -> list[Problem]:
    """Findings for the binary parts ``infos`` (pictures and ``.bin`` parts).

    ``content_type(name)`` is the type [Content_Types].xml gives a part;
    ``printer_targets`` are the parts (lower case) that a sheet's relationships name as its
    printer settings.
    """
    found: list[Problem] = []
    for info in infos:
        name = info.filename
        low = name.lower()
        if low.endswith(".bin"):
            problem = _printer_settings_problem(info, low, content_type(name), printer_targets)
            if problem is not None:
                found.append(problem)
                continue
            # The whole part, small by now: reading it checks its size and checksum too.
            head = b"".join(chunks(zf, info))[:16]
        else:
            with zf.open(info) as stream:
                head = stream.read(16)
        kind = container_kind(head)
        if kind is not None:
            found.append(
                P.EMBEDDED_OBJECT.problem(detail=f"the part '{shown(name)}' is really {kind}")
            )
    return found


def _printer_settings_problem(
    info: zipfile.ZipInfo, low: str, declared: str, printer_targets: set[str]
) -> Problem | None:
    """Why a ``.bin`` part is not a sheet's printer settings (None when it is one)."""
    name = info.filename
    if not is_printer_settings_name(low):
        return P.EMBEDDED_OBJECT.problem(
            detail=f"the binary part '{shown(posixpath.basename(name))}', which is not one Excel "
            "saves in a workbook"
        )
    if declared.lower() != PRINTER_SETTINGS_TYPE:
        return P.EMBEDDED_OBJECT.problem(
            detail=f"the part '{shown(name)}' is named as printer settings but declared as "
            f"'{shown(declared or 'nothing', 60)}'"
        )
    if low not in printer_targets:
        return P.EMBEDDED_OBJECT.problem(
            detail=f"the part '{shown(name)}' is named as printer settings but no sheet uses it"
        )
    if info.file_size > L.MAX_PRINTER_SETTINGS_BYTES:
        return P.TOO_LARGE.problem(
            detail=f"the printer settings '{shown(name)}' are {_kb(info.file_size)}; at most "
            f"{_kb(L.MAX_PRINTER_SETTINGS_BYTES)}"
        )
    return None
