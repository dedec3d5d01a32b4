"""The ribbon's sources in ``macros/`` and the checks that keep them in step with Python.

``RIBBON_CALLS`` is the one list of ribbon buttons' VBA Subs and the ``xl_ni179.excel.ribbon``
functions they run. The build refuses sources that disagree with it, and the tests check
``xl_ni179.excel.ribbon`` against it, so a renamed function cannot silently break a button.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from xl_ni179.errors import Ni179Error

ADDIN_FILENAME = "NI179.xlam"  # what `ni179 addin build` writes by default

# VBA Sub (onAction "NI179.<Sub>") -> function in xl_ni179.excel.ribbon it runs, no arguments.
RIBBON_CALLS: dict[str, str] = {
    "Settings": "settings",
    "GenerateTemplates": "generate_templates",
    "ReceiveFolder": "receive_folder",
    "ValidateOpenWorkbook": "validate_open_workbook",
    "RefreshStatus": "refresh_status",
    "DraftChasers": "draft_chasers",
    "Consolidate": "consolidate",
    "DraftPaper": "draft_paper",
}
# Runs first in every call as ``r.check_version('<add-in version>') and r.<step>()``:
# it must return True when the versions agree; on a mismatch it tells the user (message
# box) and returns False, so the step does not run.
VERSION_CHECK = "check_version"
RIBBON_MODULE = "xl_ni179.excel.ribbon"

MODULE_NAME = "NI179"  # the VBA module (and project) name
CUSTOM_UI_FILE = "customUI.xml"
BAS_FILE = "NI179.bas"
VERSION_CONST = "NI179_ADDIN_VERSION"

_SUB_RE = re.compile(
    r"^[ \t]*(?:(?:Public|Private)[ \t]+)?Sub[ \t]+(\w+)[ \t]*\(([^)]*)\)(.*?)^[ \t]*End[ \t]+Sub",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)
_RIBBON_ARG_RE = re.compile(r"^\s*(?:ByRef\s+|ByVal\s+)?\w+\s+As\s+IRibbonControl\s*$", re.I)
_CALL_RE = re.compile(
    r'RunPython "import '
    + re.escape(RIBBON_MODULE)
    + r' as r; r\.check_version\(\'" & '
    + VERSION_CONST
    + r' & "\'\) and r\.(\w+)\(\)"'
)
_CONST_RE = re.compile(
    r"^([ \t]*Public[ \t]+Const[ \t]+" + VERSION_CONST + r"[ \t]+As[ \t]+String"
    r'[ \t]*=[ \t]*)"[^"\n]*"',
    re.MULTILINE,
)
_SAFE_VERSION = re.compile(r"^[0-9A-Za-z.+!_-]+$")


class AddinBuildError(Ni179Error):
    """The add-in cannot be built (sources disagree, template changed, file locked...)."""


@dataclass(frozen=True)
class RibbonButton:
    id: str
    label: str
    on_action: str  # "Module.Sub"
    image_mso: str
    screentip: str
    supertip: str


def macros_dir() -> Path:
    """Where ``macros/`` is: beside the package in a checkout, else installed data files.

    An editable install (how the project is set up) finds the repository's folder; a
    wheel install needs ``macros/*`` shipped as data files under ``share/xl_ni179/macros``.
    """
    candidates = [
        Path(__file__).resolve().parents[3] / "macros",
        Path(sys.prefix) / "share" / "xl_ni179" / "macros",
    ]
    for folder in candidates:
        if (folder / CUSTOM_UI_FILE).is_file() and (folder / BAS_FILE).is_file():
            return folder
    raise AddinBuildError(
        "Cannot find the ribbon sources (macros/customUI.xml and macros/NI179.bas); "
        f"looked in {', '.join(str(c) for c in candidates)}. Reinstall xl_ni179."
    )


def ribbon_buttons(custom_ui: bytes, namespace: str) -> list[RibbonButton]:
    """Parse the ribbon XML; checks the root is ``customUI`` in ``namespace``, ids unique."""
    try:
        root = ET.fromstring(custom_ui)
    except ET.ParseError as exc:
        raise AddinBuildError(f"macros/{CUSTOM_UI_FILE} is not well-formed XML: {exc}") from None
    if root.tag != f"{{{namespace}}}customUI":
        raise AddinBuildError(
            f"macros/{CUSTOM_UI_FILE}: root element must be customUI in namespace {namespace} "
            f"(the one xlwings' template uses), found {root.tag}"
        )
    ids = [i for el in root.iter() if (i := el.get("id")) is not None]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise AddinBuildError(f"macros/{CUSTOM_UI_FILE}: duplicate ids {', '.join(dupes)}")
    return [
        RibbonButton(
            el.get("id", ""),
            el.get("label", ""),
            el.get("onAction", ""),
            el.get("imageMso", ""),
            el.get("screentip", ""),
            el.get("supertip", ""),
        )
        for el in root.iter(f"{{{namespace}}}button")
    ]


def vba_subs(source: str) -> dict[str, tuple[str, str]]:
    """``{Sub name: (parameter list, body)}`` for every Sub in a VBA module's text."""
    return {m.group(1): (m.group(2), m.group(3)) for m in _SUB_RE.finditer(source)}


def check_sources(custom_ui: bytes, bas: str, namespace: str) -> list[RibbonButton]:
    """Check the ribbon XML and VBA agree with each other and with ``RIBBON_CALLS``."""
    buttons = ribbon_buttons(custom_ui, namespace)
    subs = vba_subs(bas)
    problems: list[str] = []
    for b in buttons:
        module, _, sub = b.on_action.partition(".")
        if module != MODULE_NAME or sub not in subs:
            problems.append(f'button {b.id}: onAction "{b.on_action}" names no Sub of {BAS_FILE}')
        if not (b.label and b.image_mso and b.screentip and b.supertip):
            problems.append(f"button {b.id}: needs label, imageMso, screentip and supertip")
    ribbon_subs = {n for n, (params, _) in subs.items() if _RIBBON_ARG_RE.match(params)}
    for name in sorted(ribbon_subs ^ set(RIBBON_CALLS)):
        where = "RIBBON_CALLS" if name in ribbon_subs else BAS_FILE
        problems.append(f"Sub {name}: missing from {where}")
    for name in sorted(ribbon_subs & set(RIBBON_CALLS)):
        calls = _CALL_RE.findall(subs[name][1])
        if calls != [RIBBON_CALLS[name]]:
            problems.append(
                f"Sub {name}: must call RunPython once as r.{VERSION_CHECK}(...) and "
                f"r.{RIBBON_CALLS[name]}(), found {calls or 'no such call'}"
            )
    used = {b.on_action.partition(".")[2] for b in buttons}
    problems += [f"Sub {n}: no ribbon button calls it" for n in sorted(set(RIBBON_CALLS) - used)]
    if len(_CONST_RE.findall(bas)) != 1:
        problems.append(
            f'{BAS_FILE} must declare Public Const {VERSION_CONST} As String = "..." exactly once'
        )
    if not bas.lstrip().startswith(f'Attribute VB_Name = "{MODULE_NAME}"'):
        problems.append(f'{BAS_FILE} must start with Attribute VB_Name = "{MODULE_NAME}"')
    if problems:
        raise AddinBuildError("The ribbon sources disagree:\n  " + "\n  ".join(problems))
    return buttons


def bake_version(bas: str, version: str) -> str:
    """Set the add-in version constant (it ends up inside Python code, so keep it plain)."""
    if not _SAFE_VERSION.match(version):
        raise AddinBuildError(f"unexpected package version {version!r}")
    return _CONST_RE.sub(lambda m: f'{m.group(1)}"{version}"', bas, count=1)


def baked_version(bas: str) -> str | None:
    """The version constant's value in a module's text (None when it has none)."""
    m = _CONST_RE.search(bas.replace("\r\n", "\n"))
    return m.group(0).rsplit('"', 2)[1] if m else None
