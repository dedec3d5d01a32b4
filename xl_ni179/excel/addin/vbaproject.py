"""Read a template ``vbaProject.bin`` and write a new one with our modules (MS-OVBA 2.3).

A VBA project is a compound file with:
* ``VBA/dir`` (compressed): project information, references, then one record set per
  module naming its stream and where its source text starts (MODULEOFFSET);
* one stream per module: a p-code cache followed by the compressed source. We write no
  p-code, so MODULEOFFSET is 0 and the stream is just the compressed source;
* ``VBA/_VBA_PROJECT``: the 7-byte version-independent form (version 0xFFFF), which tells
  Office to ignore any cache and compile from source on first load;
* ``PROJECT`` (text: module list, name, protection) and ``PROJECTwm`` (module names in
  both encodings).

The template's project information and references (MSForms, Office: ``IRibbonControl``
comes from there) are copied as they are; everything about modules is written afresh.
"""

from __future__ import annotations

import io
import struct
import uuid
from dataclasses import dataclass
from typing import Literal

import olefile

from xl_ni179.excel.addin.cfb import write_compound_file
from xl_ni179.excel.addin.ovba import compress, decompress, encrypt

ModuleKind = Literal["standard", "class", "document"]

# dir stream record ids (MS-OVBA 2.3.4.2) that the builder reads or writes.
_PROJECTCODEPAGE, _PROJECTNAME, _PROJECTVERSION, _PROJECTMODULES = 0x03, 0x04, 0x09, 0x0F
_PROJECTCOOKIE, _DIR_TERMINATOR = 0x13, 0x10
_MODULENAME, _MODULESTREAMNAME, _MODULEOFFSET, _MODULETERMINATOR = 0x19, 0x1A, 0x31, 0x2B
_MODULETYPE = {"standard": 0x21, "class": 0x22, "document": 0x22}
# Version-independent _VBA_PROJECT (2.3.4.1): Reserved1 0x61CC, Version 0xFFFF,
# Reserved2 0x00, Reserved3 0x0001 -- the same 7 bytes the xlwings template carries.
VBA_PROJECT_STREAM = bytes.fromhex("CC61FFFF000100")
# Host extender for Excel's VBE, as Office writes it (2.3.1.18).
_HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"
# Fixed seeds for the PROJECT stream's obfuscated fields, so builds are reproducible.
_SEEDS = {"CMG": 0x41, "DPB": 0x42, "GC": 0x43}
_UNPROTECTED, _NO_PASSWORD, _VISIBLE = bytes(4), b"\x00", b"\xff"


class VbaProjectError(ValueError):
    """A template project this builder cannot read, or module text it cannot store."""


@dataclass(frozen=True)
class VbaModule:
    """One module: its name (also its stream name), kind, and full source text.

    ``source`` is the text as the VBE exports it, ``Attribute`` lines included.
    """

    name: str
    kind: ModuleKind
    source: str


@dataclass(frozen=True)
class TemplateProject:
    """What the builder keeps from a template: project records, code page, modules."""

    info_records: tuple[tuple[int, bytes], ...]  # dir records before PROJECTMODULES
    codepage: int
    modules: tuple[VbaModule, ...]


def _records(data: bytes) -> list[tuple[int, bytes]]:
    """Split a decompressed dir stream into ``(id, payload)`` records."""
    out, pos = [], 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == _PROJECTVERSION:
            size = 6  # its size field says 4 but MajorVersion(4) + MinorVersion(2) follow
        out.append((rid, data[pos + 6 : pos + 6 + size]))
        pos += 6 + size
    return out


def _record(rid: int, payload: bytes) -> bytes:
    size = 4 if rid == _PROJECTVERSION else len(payload)
    return struct.pack("<HI", rid, size) + payload


def read_template(vba_project_bin: bytes) -> TemplateProject:
    """Parse a ``vbaProject.bin``: project records, code page and every module's source."""
    ole = olefile.OleFileIO(io.BytesIO(vba_project_bin))
    try:
        records = _records(decompress(ole.openstream("VBA/dir").read()))
        project_text = ole.openstream("PROJECT").read().decode("latin-1")
        cut = next((i for i, (rid, _) in enumerate(records) if rid == _PROJECTMODULES), None)
        if cut is None:
            raise VbaProjectError("template dir stream has no PROJECTMODULES record")
        codepage = next(
            (struct.unpack("<H", p)[0] for rid, p in records if rid == _PROJECTCODEPAGE), 1252
        )
        info = tuple(records[:cut])
        kinds = _module_kinds(project_text)
        modules, name, stream, offset = [], "", "", 0
        for rid, payload in records[cut:]:
            if rid == _MODULENAME:
                name = payload.decode(f"cp{codepage}")
            elif rid == _MODULESTREAMNAME:
                stream = payload.decode(f"cp{codepage}")
            elif rid == _MODULEOFFSET:
                offset = struct.unpack("<I", payload)[0]
            elif rid == _MODULETERMINATOR:
                raw = ole.openstream(f"VBA/{stream}").read()
                text = decompress(raw[offset:]).decode(f"cp{codepage}")
                modules.append(VbaModule(name, kinds.get(name, "standard"), text))
    finally:
        ole.close()
    return TemplateProject(info, codepage, tuple(modules))


def _module_kinds(project_text: str) -> dict[str, ModuleKind]:
    """Module kinds from the PROJECT stream's ``Document=``/``Class=``/``Module=`` lines."""
    kinds: dict[str, ModuleKind] = {}
    for line in project_text.splitlines():
        key, _, value = line.partition("=")
        name = value.split("/")[0]
        if key == "Document":
            kinds[name] = "document"
        elif key == "Class":
            kinds[name] = "class"
        elif key == "Module":
            kinds[name] = "standard"
    return kinds


def project_id(project_name: str) -> str:
    """A fixed ``{GUID}`` per project name: reproducible, and distinct from the template's."""
    guid = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:xl_ni179:vba-project:{project_name}")
    return "{" + str(guid).upper() + "}"


def _encode(text: str, codepage: int, what: str) -> bytes:
    try:
        return text.encode(f"cp{codepage}")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise VbaProjectError(
            f"{what} contains {bad!r}, which code page {codepage} cannot store"
        ) from None


def _module_records(module: VbaModule, codepage: int) -> bytes:
    name = _encode(module.name, codepage, f"module name {module.name!r}")
    uname = module.name.encode("utf-16-le")
    return b"".join(
        [
            _record(0x19, name),  # MODULENAME
            _record(0x47, uname),  # MODULENAMEUNICODE
            _record(0x1A, name) + _record(0x32, uname),  # MODULESTREAMNAME (+ unicode)
            _record(0x1C, b"") + _record(0x48, b""),  # MODULEDOCSTRING (+ unicode): none
            _record(_MODULEOFFSET, struct.pack("<I", 0)),  # source starts at 0: no p-code
            _record(0x1E, struct.pack("<I", 0)),  # MODULEHELPCONTEXT
            _record(0x2C, struct.pack("<H", 0xFFFF)),  # MODULECOOKIE: "SHOULD be 0xFFFF"
            _record(_MODULETYPE[module.kind], b""),
            _record(_MODULETERMINATOR, b""),
        ]
    )


def _project_stream(name: str, pid: str, modules: tuple[VbaModule, ...]) -> str:
    lines = [f'ID="{pid}"']
    for m in modules:
        if m.kind == "document":
            lines.append(f"Document={m.name}/&H00000000")
        elif m.kind == "class":
            lines.append(f"Class={m.name}")
        else:
            lines.append(f"Module={m.name}")
    lines += [
        f'Name="{name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # Unprotected (0), no password (0x00), visible (0xFF), per 2.3.1.15-2.3.1.17.
        f'CMG="{encrypt(_UNPROTECTED, pid, _SEEDS["CMG"])}"',
        f'DPB="{encrypt(_NO_PASSWORD, pid, _SEEDS["DPB"])}"',
        f'GC="{encrypt(_VISIBLE, pid, _SEEDS["GC"])}"',
        "",
        "[Host Extender Info]",
        _HOST_EXTENDER,
        "",
        "[Workspace]",
        *(f"{m.name}=0, 0, 0, 0, C" for m in modules),
        "",
    ]
    return "\r\n".join(lines)


def build_vba_project(
    template: TemplateProject, project_name: str, modules: tuple[VbaModule, ...]
) -> bytes:
    """Write a complete ``vbaProject.bin`` with ``template``'s references and ``modules``."""
    cp = template.codepage
    if len({m.name.lower() for m in modules}) != len(modules):
        raise VbaProjectError("two modules have the same name")
    name = _encode(project_name, cp, "project name")
    dir_stream = (
        b"".join(
            _record(rid, name if rid == _PROJECTNAME else payload)
            for rid, payload in template.info_records
        )
        + _record(_PROJECTMODULES, struct.pack("<H", len(modules)))
        + _record(_PROJECTCOOKIE, struct.pack("<H", 0xFFFF))
        + b"".join(_module_records(m, cp) for m in modules)
        + struct.pack("<HI", _DIR_TERMINATOR, 0)
    )
    pid = project_id(project_name)
    streams = {
        "PROJECT": _encode(_project_stream(project_name, pid, modules), cp, "PROJECT"),
        "PROJECTwm": b"".join(
            _encode(m.name, cp, m.name) + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
            for m in modules
        )
        + b"\x00\x00",
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(dir_stream),
    }
    for m in modules:
        text = m.source.replace("\r\n", "\n").replace("\n", "\r\n")
        streams[f"VBA/{m.name}"] = compress(_encode(text, cp, f"module {m.name}"))
    return write_compound_file(streams)
