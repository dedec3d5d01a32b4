"""Writers of files that zipfile and Excel refuse to write: zips with lying headers, shared or
badly named entries, and minimal compound (OLE) files.

The hostile corpus and the program-parts cases build their damaged and crafted packages
with these, because no well-behaved library will write such a file on request.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass
class Entry:
    name: str | bytes
    data: bytes = b""
    method: int = 8  # 0 stored, 8 deflate
    label: int | None = None  # compression method written in the headers, if not `method`
    size: int | None = None  # declared uncompressed size, if not the real one
    crc: int | None = None
    flags: int = 0
    compressed: bytes | None = None  # data already deflated (give size and crc)
    alias: int | None = None  # share entry #alias's local header: overlapping parts


def raw_zip(entries: list[Entry]) -> bytes:
    out, central, offsets = bytearray(), bytearray(), []
    for e in entries:
        name = e.name if isinstance(e.name, bytes) else e.name.encode("utf-8")
        if e.compressed is not None:
            body = e.compressed
        elif e.method == 8:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = packer.compress(e.data) + packer.flush()
        else:
            body = e.data
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        size = len(e.data) if e.size is None else e.size
        method = e.method if e.label is None else e.label
        fields = (e.flags, method, 0, 0x21, crc, len(body), size, len(name))
        if e.alias is None:
            offset = len(out)
            out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields, 0) + name + body
        else:
            offset = offsets[e.alias]
        offsets.append(offset)
        central += (
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, offset) + name
        )
    start = len(out)
    out += central + struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (MS-CFB v3) holding up to three streams."""
    free, end, fat_sect, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat, body, entries = [fat_sect, end], b"", []
    for i, (name, data) in enumerate(streams.items()):
        blob = data.ljust(4096, b"\0")  # smaller streams would live in the mini stream
        blob = blob.ljust(-(-len(blob) // 512) * 512, b"\0")
        start, count = len(fat), len(blob) // 512
        fat += [start + k + 1 for k in range(count - 1)] + [end]
        body += blob
        right = i + 2 if i + 1 < len(streams) else none
        entries.append((name, 2, none, right, start, max(len(data), 4096)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(raw), kind, 1, none, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1, none, end, 0)
    directory += b"".join(entry(n, k, none, r, s, z) for n, k, _, r, s, z in entries)
    header = struct.pack(
        "<8s16s5H6s9I",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        1,
        1,
        0,
        4096,
        end,
        0,
        end,
        0,
    )
    header += struct.pack("<109I", 0, *[free] * 108)
    fat_sector = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))
    return header + fat_sector + directory.ljust(512, b"\0") + body
