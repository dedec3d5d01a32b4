"""Assemble ``NI179.xlam`` from ``macros/`` and xlwings' custom add-in template.

The template is ``quickstart_addin_ribbon.xlam`` from the installed xlwings package: the
add-in ``xlwings quickstart --addin --ribbon`` starts from. Its VBA project holds the
xlwings runtime (module ``xlwings``: ``RunPython``, config lookup), a ``Dictionary`` class
it needs on Mac, two document modules, and a sample ribbon module ``RibbonMyAddin``. We:

* replace ``RibbonMyAddin`` with ``macros/NI179.bas`` (version constant baked in) and set
  the runtime's ``PROJECT_NAME`` to ``ni179``, so its settings sheet is ``ni179.conf``
  (xlwings reads ``<PROJECT_NAME>.conf``; a partner's workbook won't have such a sheet);
* replace the ribbon part with ``macros/customUI.xml``;
* write the settings sheet: interpreter, workspace, and xlwings switches;
* zip it all with fixed dates and order, so the same inputs give the same bytes.

No Excel is involved, so this runs on any OS (and in CI).
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET

import xl_ni179
from xl_ni179.excel.addin.sources import (
    ADDIN_FILENAME,
    BAS_FILE,
    CUSTOM_UI_FILE,
    MODULE_NAME,
    RIBBON_CALLS,
    VERSION_CHECK,
    AddinBuildError,
    bake_version,
    baked_version,
    check_sources,
    macros_dir,
)
from xl_ni179.excel.addin.vbaproject import (
    VbaModule,
    VbaProjectError,
    build_vba_project,
    read_template,
)

__all__ = [
    "ADDIN_FILENAME",
    "CONF_SHEET",
    "RIBBON_CALLS",
    "VERSION_CHECK",
    "WORKSPACE_KEY",
    "AddinBuildError",
    "AddinInfo",
    "build_addin",
    "read_addin",
]

TEMPLATE_FILE = "quickstart_addin_ribbon.xlam"
SAMPLE_MODULE = "RibbonMyAddin"  # the template's sample ribbon module we replace
RUNTIME_MODULE = "xlwings"
CONF_PROJECT = "ni179"
CONF_SHEET = f"{CONF_PROJECT}.conf"
WORKSPACE_KEY = "NI179_Workspace"
_TEMPLATE_CONF_SHEET = "_myaddin.conf"
_PROJECT_NAME_RE = re.compile(r'^(Public Const PROJECT_NAME As String = )"myaddin"', re.M)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say; any fixed date would do
_CUSTOM_UI_PART = "customUI/customUI.xml"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REPLACED_PARTS = (
    _CUSTOM_UI_PART,
    "xl/vbaProject.bin",
    "xl/workbook.xml",
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "docProps/core.xml",
)


@dataclass(frozen=True)
class AddinInfo:
    """What a built add-in holds: baked version, settings sheet, VBA module sources."""

    version: str | None
    settings: dict[str, str]
    modules: dict[str, str]


def template_path() -> Path:
    """The xlwings custom add-in template, located without importing xlwings (slow)."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise AddinBuildError("xlwings is not installed: pip install xlwings")
    path = Path(spec.origin).parent / TEMPLATE_FILE
    if not path.is_file():
        raise AddinBuildError(f"xlwings has no add-in template at {path}; reinstall xlwings")
    return path


def _settings_rows(interpreter: str | None, workspace: str | None) -> list[tuple[str, object]]:
    """Rows of the settings sheet; xlwings reads column A (key) and B (value).

    A key present with an empty value would hide the same key in the user's
    ``%USERPROFILE%\\.ni179\\ni179.conf``, so unset values are left out entirely.
    """
    rows: list[tuple[str, object]] = []
    if interpreter:
        # The add-in is built where it is used, so one value serves whichever OS reads it.
        rows += [("Interpreter_Win", interpreter), ("Interpreter_Mac", interpreter)]
    rows += [
        ("Show Console", False),
        ("Use UDF Server", False),
        ("Debug UDFs", False),
        # The worksheet functions NI179_TARGET, NI179_GAINS and NI179_RAG.
        ("UDF Modules", "xl_ni179.excel.udfs"),
        # Our code is an installed package: don't put a partner workbook's folder on
        # sys.path, where a stray .py file could shadow a module.
        ("ADD_WORKBOOK_TO_PYTHONPATH", False),
    ]
    if workspace:
        rows.append((WORKSPACE_KEY, workspace))
    return rows


def _sheet_parts(rows: list[tuple[str, object]]) -> tuple[bytes, bytes]:
    """The settings worksheet and its shared strings table."""
    strings: list[str] = []
    refs = 0

    def sst(text: str) -> int:
        nonlocal refs
        refs += 1
        if text not in strings:
            strings.append(text)
        return strings.index(text)

    cells = []
    for r, (key, value) in enumerate(rows, start=1):
        row = f'<row r="{r}"><c r="A{r}" s="1" t="s"><v>{sst(key)}</v></c>'
        if isinstance(value, bool):
            row += f'<c r="B{r}" s="1" t="b"><v>{int(value)}</v></c>'
        else:
            row += f'<c r="B{r}" s="1" t="s"><v>{sst(str(value))}</v></c>'
        cells.append(row + "</row>")
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet = (
        f'{head}<worksheet xmlns="{_MAIN_NS}">'
        '<sheetPr codeName="Sheet2"/>'
        f'<dimension ref="A1:B{len(rows)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15.75"/>'
        '<cols><col min="1" max="1" width="30" style="1" customWidth="1"/>'
        '<col min="2" max="2" width="60" style="1" customWidth="1"/></cols>'
        f"<sheetData>{''.join(cells)}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )
    shared = (
        f'{head}<sst xmlns="{_MAIN_NS}" count="{refs}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings)
        + "</sst>"
    )
    return sheet.encode("utf-8"), shared.encode("utf-8")


def _core_properties(version: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>NI 179 add-in</dc:title><dc:creator>xl_ni179</dc:creator>"
        f"<dc:description>Built by ni179 addin build from xl_ni179 {escape(version)}"
        "</dc:description></cp:coreProperties>"
    ).encode()


def _replace_once(text: str, old: str, new: str, what: str) -> str:
    if text.count(old) != 1:
        raise AddinBuildError(f"xlwings' add-in template changed ({what}); update xl_ni179")
    return text.replace(old, new)


def _modules(template_modules: tuple[VbaModule, ...], ours: str) -> tuple[VbaModule, ...]:
    names = [m.name for m in template_modules]
    if SAMPLE_MODULE not in names or RUNTIME_MODULE not in names:
        raise AddinBuildError(f"xlwings' add-in template changed (modules are {names})")
    out = []
    for m in template_modules:
        if m.name == SAMPLE_MODULE:
            out.append(VbaModule(MODULE_NAME, "standard", ours))
        elif m.name == RUNTIME_MODULE:
            if len(_PROJECT_NAME_RE.findall(m.source)) != 1:
                raise AddinBuildError("xlwings' add-in template changed (PROJECT_NAME)")
            src = _PROJECT_NAME_RE.sub(lambda g: f'{g.group(1)}"{CONF_PROJECT}"', m.source)
            out.append(VbaModule(m.name, m.kind, src))
        else:
            out.append(m)
    return tuple(out)


def addin_parts(*, interpreter: str | None, workspace: str | None) -> dict[str, bytes]:
    """Every part of the add-in package, by name (what :func:`build_addin` zips)."""
    version = xl_ni179.__version__
    folder = macros_dir()
    custom_ui = (folder / CUSTOM_UI_FILE).read_bytes()
    bas = (folder / BAS_FILE).read_text(encoding="utf-8")
    with zipfile.ZipFile(template_path()) as tz:
        parts = {name: tz.read(name) for name in tz.namelist() if not name.endswith("/")}
    missing = sorted(set(_REPLACED_PARTS) - set(parts))
    if missing:
        raise AddinBuildError(f"xlwings' add-in template changed (no {', '.join(missing)})")
    namespace = SafeET.fromstring(parts[_CUSTOM_UI_PART]).tag[1:].partition("}")[0]
    check_sources(custom_ui, bas, namespace)
    try:
        template = read_template(parts["xl/vbaProject.bin"])
        modules = _modules(template.modules, bake_version(bas, version))
        parts["xl/vbaProject.bin"] = build_vba_project(template, MODULE_NAME, modules)
    except VbaProjectError as exc:
        raise AddinBuildError(f"Cannot write the VBA project: {exc}") from None
    parts[_CUSTOM_UI_PART] = custom_ui
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    workbook = _replace_once(
        workbook, f'name="{_TEMPLATE_CONF_SHEET}"', f'name="{CONF_SHEET}"', "settings sheet name"
    )
    # Drop the template author's saved folder (an absPath hint Excel rewrites on save).
    workbook = re.sub(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", workbook, flags=re.S)
    parts["xl/workbook.xml"] = workbook.encode("utf-8")
    sheet, shared = _sheet_parts(_settings_rows(interpreter, workspace))
    parts["xl/worksheets/sheet1.xml"], parts["xl/sharedStrings.xml"] = sheet, shared
    parts["docProps/core.xml"] = _core_properties(version)
    return parts


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(parts):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0  # else it records the building OS
            info.external_attr = 0
            zf.writestr(info, parts[name], compresslevel=6)
    return buf.getvalue()


def build_addin(out: Path, *, interpreter: str | None, workspace: str | None) -> Path:
    """Build the add-in at ``out`` (a ``.xlam`` path, or a folder to put NI179.xlam in).

    ``interpreter`` is the Python that Excel runs (with xl_ni179 installed); None leaves
    it to xlwings' defaults (a ``ni179.conf`` user file, else ``python`` on PATH).
    ``workspace`` is the default workspace folder the ribbon uses. Returns the path written.
    """
    out = Path(out)
    if out.is_dir():
        out = out / ADDIN_FILENAME
    if out.suffix.lower() != ".xlam":
        raise AddinBuildError(f"{out}: an Excel add-in file must end in .xlam")
    data = _zip(addin_parts(interpreter=interpreter, workspace=workspace))
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target, then swap in: a failed build never leaves half a file.
    fd, tmp = tempfile.mkstemp(prefix=".ni179-", suffix=".xlam", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except PermissionError:
        raise AddinBuildError(
            f"Cannot write {out}: it is probably open in Excel. Close Excel and try again."
        ) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def read_addin(path: Path) -> AddinInfo:
    """Read back a built add-in: version constant, settings sheet, module sources."""
    try:
        with zipfile.ZipFile(path) as zf:
            vba = read_template(zf.read("xl/vbaProject.bin"))
            sheet = SafeET.fromstring(zf.read("xl/worksheets/sheet1.xml"))
            shared = SafeET.fromstring(zf.read("xl/sharedStrings.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, VbaProjectError) as exc:
        raise AddinBuildError(f"{path} is not an add-in built by ni179: {exc}") from None
    ns = {"m": _MAIN_NS}
    strings = [
        "".join(t.text or "" for t in si.iter(f"{{{_MAIN_NS}}}t"))
        for si in shared.findall("m:si", ns)
    ]
    settings: dict[str, str] = {}
    for row in sheet.iterfind("m:sheetData/m:row", ns):
        values = []
        for c in row.findall("m:c", ns):
            v = c.findtext("m:v", default="", namespaces=ns)
            values.append(
                strings[int(v)]
                if c.get("t") == "s"
                else ("TRUE" if v == "1" else "FALSE")
                if c.get("t") == "b"
                else v
            )
        if values:
            settings[values[0]] = values[1] if len(values) > 1 else ""
    modules = {m.name: m.source for m in vba.modules}
    version = baked_version(modules.get(MODULE_NAME, ""))
    return AddinInfo(version=version, settings=settings, modules=modules)
