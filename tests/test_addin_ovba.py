"""MS-OVBA compression/encryption and the compound file writer, checked against oletools,
olefile and the VBA project Excel wrote into xlwings' template."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import warnings
import zipfile

import olefile
import pytest

from xl_ni179.excel.addin.build import template_path
from xl_ni179.excel.addin.cfb import NOSTREAM, write_compound_file
from xl_ni179.excel.addin.ovba import OvbaError, compress, decompress, decrypt, encrypt
from xl_ni179.excel.addin.vbaproject import build_vba_project, read_template

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # oletools uses old pyparsing names
    from oletools.olevba import decompress_stream


def _template_vba() -> bytes:
    with zipfile.ZipFile(template_path()) as zf:
        return zf.read("xl/vbaProject.bin")


def _samples() -> list[bytes]:
    rng = random.Random(179)
    text = "\r\n".join(f'    RunPython "r.step_{i}()" \' line {i}' for i in range(600)).encode()
    return [
        b"",
        b"a",
        b"abcabcabc",
        b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",  # MS-OVBA 3.2 example
        bytes(4096),  # exactly one chunk
        bytes(4097),  # a second chunk of one byte
        text,  # many chunks, long matches
        bytes(rng.randrange(256) for _ in range(9000)),  # incompressible: raw chunks
    ]


@pytest.mark.parametrize("data", _samples(), ids=lambda d: f"{len(d)}b")
def test_compression_round_trips_through_oletools(data: bytes) -> None:
    packed = compress(data)
    assert bytes(decompress_stream(bytearray(packed)))[: len(data)] == data
    assert decompress(packed)[: len(data)] == data
    if len(data) % 4096 == 0 or len(set(data)) < 200:  # compressible or whole chunks
        assert decompress(packed) == data


def test_compression_shrinks_vba_source_and_is_deterministic() -> None:
    """The add-in is built on each consolidator's machine: the same source must compress to
    the same bytes in every process (nothing may follow hash order, which differs between
    runs), to well under half its size, and read back whole by oletools."""
    source = next(m for m in read_template(_template_vba()).modules if m.name == "xlwings")
    data = source.source.encode("cp1252")
    packed = compress(data)
    assert len(packed) < len(data) / 2
    assert bytes(decompress_stream(bytearray(packed))) == data
    code = (
        "import sys; from xl_ni179.excel.addin.ovba import compress; "
        "sys.stdout.buffer.write(compress(sys.stdin.buffer.read()))"
    )
    for seed in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "-c", code],
            input=data,
            capture_output=True,
            check=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert run.stdout == packed, f"compressed differently with PYTHONHASHSEED={seed}"


def test_decompress_reads_excels_own_streams() -> None:
    ole = olefile.OleFileIO(io.BytesIO(_template_vba()))
    raw = ole.openstream("VBA/dir").read()
    assert decompress(raw) == bytes(decompress_stream(bytearray(raw)))


def test_decompress_rejects_garbage() -> None:
    with pytest.raises(OvbaError):
        decompress(b"\x02abc")
    with pytest.raises(OvbaError):
        decompress(b"\x01\xff\xff")


def test_encryption_matches_what_excel_wrote() -> None:
    """Decrypt the template's CMG/DPB/GC, then re-encrypt with the same seed and filler."""
    text = olefile.OleFileIO(io.BytesIO(_template_vba())).openstream("PROJECT").read().decode()
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    project_id = fields["ID"].strip('"')
    expected = {"CMG": bytes(4), "DPB": b"\x00", "GC": b"\xff"}
    for key, plain in expected.items():
        hex_text = fields[key].strip('"')
        proj_key, data = decrypt(hex_text)
        assert data == plain
        assert proj_key == sum(project_id.encode()) & 0xFF
        seed = int(hex_text[:2], 16)
        n_ignored = (seed & 6) // 2
        raw = bytes.fromhex(hex_text)
        # Recover Office's filler bytes by decrypting just the state machine's output.
        u1, e1, e2, filler = proj_key, raw[2], raw[1], bytearray()
        for enc in raw[3 : 3 + n_ignored]:
            byte = enc ^ ((e2 + u1) & 0xFF)
            filler.append(byte)
            u1, e1, e2 = byte, enc, e1
        assert encrypt(plain, project_id, seed, bytes(filler)) == hex_text


def test_encryption_round_trips_for_every_seed() -> None:
    for seed in range(256):
        assert decrypt(encrypt(b"\x01\x02\x03", "{ABC}", seed)) == (
            sum(b"{ABC}") & 0xFF,
            b"\x01\x02\x03",
        )


def _black_heights(entries: list, sid: int, parent_red: bool = False) -> set[int]:
    """Black nodes on each path down from ``sid``; asserts no red node has a red child."""
    if sid == NOSTREAM:
        return {0}
    e = entries[sid]
    red = e.color == 0
    assert not (red and parent_red), e.name
    below = _black_heights(entries, e.sid_left, red) | _black_heights(entries, e.sid_right, red)
    return {h + (not red) for h in below}


def test_compound_file_reads_back_strictly_with_olefile() -> None:
    rng = random.Random(7)
    streams = {
        "PROJECT": b"ID=...\r\n" * 60,
        "PROJECTwm": b"x\x00x\x00\x00\x00\x00\x00",
        "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000100"),
        "VBA/dir": bytes(rng.randrange(256) for _ in range(1300)),
        "VBA/big": bytes(rng.randrange(256) for _ in range(70_000)),  # FAT, several sectors
        "VBA/edge": bytes(4096),  # exactly the mini-stream cutoff: goes to the FAT
        "VBA/empty": b"",
        **{f"VBA/Module{i}": bytes([i]) * (100 * i + 1) for i in range(1, 12)},
        "A/B/C": b"nested",
    }
    data = write_compound_file(streams)
    assert data == write_compound_file(dict(reversed(streams.items())))
    assert len(data) % 512 == 0
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    assert sorted("/".join(p) for p in ole.listdir()) == sorted(streams)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content, path
    entries = ole.direntries
    for e in entries:
        if e is not None and e.entry_type in (olefile.STGTY_STORAGE, olefile.STGTY_ROOT):
            assert len(_black_heights(entries, e.sid_child)) == 1, e.name  # valid red-black
            assert e.sid_child == NOSTREAM or entries[e.sid_child].color == 1  # black root


def test_vba_project_round_trips_through_our_reader() -> None:
    template = read_template(_template_vba())
    rebuilt = read_template(build_vba_project(template, "NI179", template.modules))
    assert [m.name for m in rebuilt.modules] == [m.name for m in template.modules]
    for before, after in zip(template.modules, rebuilt.modules, strict=True):
        assert after.kind == before.kind
        assert after.source.replace("\r\n", "\n") == before.source.replace("\r\n", "\n")
