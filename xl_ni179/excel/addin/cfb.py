"""A small, reproducible writer for Compound File Binary files (MS-CFB, version 3).

``vbaProject.bin`` is such a file. ``olefile`` reads them but can only overwrite streams
in place at the same size, and the PyPI writers we found are either read-only, AGPL, or
pull in extra dependencies; so this writes a whole file from ``{path: bytes}``.

What it writes, and why:
* 512-byte sectors (version 3, what Office writes for VBA projects); streams under 4096
  bytes live in the mini stream (64-byte sectors), as the format requires.
* Layout: FAT sectors, directory, mini FAT, mini stream, then the large streams. Files are
  small (well under 7 MB) so the 109 FAT slots in the header suffice and no DIFAT is needed.
* Every time stamp and CLSID is zero and entries are numbered in a fixed order, so the same
  streams always give the same bytes.
* Each storage's children form a binary search tree in MS-CFB's name order, built balanced
  from the sorted names and coloured as a valid red-black tree (deepest level red).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


class CfbError(ValueError):
    """Streams that cannot be written as a compound file (bad name, too large)."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN


def _order_key(name: str) -> tuple[int, list[int]]:
    """MS-CFB 2.6.4: shorter names sort first, then code points compared upper-cased."""
    upper = [ord(c.upper()) if len(c.upper()) == 1 else ord(c) for c in name]
    return len(name.encode("utf-16-le")) // 2, upper


def _check_name(name: str) -> None:
    if not name or len(name.encode("utf-16-le")) // 2 > 31 or any(c in name for c in "/\\:!"):
        raise CfbError(f"invalid compound file entry name {name!r}")


def _tree(entries: list[tuple[str, bytes]]) -> _Entry:
    """Build the directory tree from ``{path: bytes}`` (storages come from the paths)."""
    root = _Entry("Root Entry", _ROOT)
    for path, data in entries:
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            _check_name(part)
            node = node.children.setdefault(part, _Entry(part, _STORAGE))
            if node.kind != _STORAGE:
                raise CfbError(f"{path}: {part} is a stream, not a storage")
        _check_name(parts[-1])
        if parts[-1] in node.children:
            raise CfbError(f"duplicate entry {path}")
        node.children[parts[-1]] = _Entry(parts[-1], _STREAM, data=bytes(data))
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Give entries ids breadth-first, children in CFB order; link each storage's tree."""
    order, queue = [root], [root]
    while queue:
        storage = queue.pop(0)
        kids = sorted(storage.children.values(), key=lambda e: _order_key(e.name))
        for kid in kids:
            kid.sid = len(order)
            order.append(kid)
            if kid.kind == _STORAGE:
                queue.append(kid)
        if kids:
            depth = len(kids).bit_length() - 1  # level of the deepest nodes
            perfect = len(kids) + 1 == 1 << (depth + 1)
            storage.child = _link(kids, 0, len(kids), 0, depth, perfect)
    return order


def _link(kids: list[_Entry], lo: int, hi: int, level: int, deepest: int, perfect: bool) -> int:
    """Balanced subtree over ``kids[lo:hi]``; returns its root's id (NOSTREAM if empty).

    Splitting at the middle leaves every empty link on the last two levels, so colouring
    only an incomplete deepest level red keeps the same number of black nodes on each path.
    """
    if lo >= hi:
        return NOSTREAM
    mid = (lo + hi) // 2
    node = kids[mid]
    node.color = _RED if (level == deepest and level > 0 and not perfect) else _BLACK
    node.left = _link(kids, lo, mid, level + 1, deepest, perfect)
    node.right = _link(kids, mid + 1, hi, level + 1, deepest, perfect)
    return node.sid


def _chain(first: int, count: int, table: list[int]) -> None:
    for i in range(count):
        table.append(first + i + 1 if i < count - 1 else ENDOFCHAIN)


def _dir_entry(e: _Entry, size: int) -> bytes:
    encoded = e.name.encode("utf-16-le") + b"\x00\x00"
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        e.kind,
        e.color,
        e.left,
        e.right,
        e.child,
        bytes(16),
        0,
        0,
        0,
        e.start,
        size,
    )


def _empty_dir_entry() -> bytes:
    return struct.pack(
        "<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16), 0, 0, 0, 0, 0
    )


def _sectors(n_bytes: int, size: int) -> int:
    return -(-n_bytes // size)


def write_compound_file(streams: Mapping[str, bytes]) -> bytes:
    """Return the bytes of a compound file holding ``streams`` (``"STORAGE/NAME": data``)."""
    root = _tree(sorted(streams.items()))
    order = _number(root)
    stream_entries = [e for e in order if e.kind == _STREAM]

    # Mini stream: small streams, each padded to whole 64-byte mini sectors.
    mini, minifat = bytearray(), list[int]()
    for e in stream_entries:
        if 0 < len(e.data) < MINI_CUTOFF:
            e.start = len(mini) // MINI_SECTOR
            count = _sectors(len(e.data), MINI_SECTOR)
            _chain(e.start, count, minifat)
            mini += e.data.ljust(count * MINI_SECTOR, b"\x00")
    big = [e for e in stream_entries if len(e.data) >= MINI_CUTOFF]

    n_dir = _sectors(len(order) * 128, SECTOR)
    n_minifat = _sectors(len(minifat) * 4, SECTOR)
    n_mini = _sectors(len(mini), SECTOR)
    n_big = sum(_sectors(len(e.data), SECTOR) for e in big)
    n_fat = 1
    while n_fat * (SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise CfbError("compound file too large for a header-only FAT (over ~7 MB)")

    fat: list[int] = [FATSECT] * n_fat
    dir_start = len(fat)
    _chain(dir_start, n_dir, fat)
    minifat_start = len(fat) if n_minifat else ENDOFCHAIN
    _chain(len(fat), n_minifat, fat)
    root.start = len(fat) if n_mini else ENDOFCHAIN
    _chain(len(fat), n_mini, fat)
    for e in big:
        e.start = len(fat)
        _chain(e.start, _sectors(len(e.data), SECTOR), fat)
    fat += [FREESECT] * (n_fat * (SECTOR // 4) - len(fat))

    directory = b"".join(
        _dir_entry(e, len(mini) if e.kind == _ROOT else len(e.data) if e.kind == _STREAM else 0)
        for e in order
    )
    directory += _empty_dir_entry() * (n_dir * SECTOR // 128 - len(order))
    minifat += [FREESECT] * (n_minifat * (SECTOR // 4) - len(minifat))

    difat = list(range(n_fat)) + [FREESECT] * (109 - n_fat)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        _SIGNATURE,
        bytes(16),
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        n_fat,
        dir_start,
        0,
        MINI_CUTOFF,
        minifat_start,
        n_minifat,
        ENDOFCHAIN,
        0,
        *difat,
    )
    body = [
        struct.pack(f"<{len(fat)}I", *fat),
        directory,
        struct.pack(f"<{len(minifat)}I", *minifat),
        bytes(mini).ljust(n_mini * SECTOR, b"\x00"),
        *(e.data.ljust(_sectors(len(e.data), SECTOR) * SECTOR, b"\x00") for e in big),
    ]
    return header + b"".join(body)
