"""The two MS-OVBA algorithms a VBA project needs: stream compression and data "encryption".

* Compression (MS-OVBA 2.4.1) is used for the ``dir`` stream and for each module's source
  code. It is an LZ77 variant working on 4096-byte chunks; copy tokens are 16 bits whose
  split between offset and length depends on how far into the chunk they are.
* Data encryption (MS-OVBA 2.4.3) is a byte-wise XOR obfuscation used for the ``CMG``,
  ``DPB`` and ``GC`` lines of the ``PROJECT`` stream (protection state, password, visibility).
  Office writes a random seed; we take the seed as a parameter so builds are reproducible.

Both have their inverse here too: the builder reads the xlwings template's ``dir`` stream,
and the tests check every round trip (and against ``oletools``' independent decompressor).
"""

from __future__ import annotations

CHUNK_SIZE = 4096
_SIGNATURE = 0x01
_MAX_CANDIDATES = 64  # positions tried per match; keeps compression fast, output deterministic


class OvbaError(ValueError):
    """Bytes that are not a valid MS-OVBA compressed container or encrypted structure."""


def _copy_token_bits(difference: int) -> int:
    """Offset bit count for a copy token ``difference`` bytes into its chunk (2.4.1.3.19.1)."""
    bits = max((difference - 1).bit_length(), 4)
    return bits


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    seen: dict[bytes, list[int]] = {}  # 3-byte prefix -> positions, to find matches quickly
    pos, n = 0, len(chunk)

    def remember(p: int) -> None:
        if p + 3 <= n:
            seen.setdefault(chunk[p : p + 3], []).append(p)

    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos >= 1 and pos + 3 <= n:
                bits = _copy_token_bits(pos)
                max_len = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(seen.get(chunk[pos : pos + 3], [])[-_MAX_CANDIDATES:]):
                    length = 3
                    while length < max_len and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == max_len:
                            break
            if best_len >= 3:
                bits = _copy_token_bits(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                for p in range(pos, pos + best_len):
                    remember(p)
                pos += best_len
            else:
                out.append(chunk[pos])
                remember(pos)
                pos += 1
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer (signature byte + chunks)."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK_SIZE):
        chunk = data[start : start + CHUNK_SIZE]
        body = _compress_chunk(chunk)
        if len(body) <= CHUNK_SIZE:
            # Header: bits 0-11 chunk size - 3 (size counts the 2 header bytes),
            # bits 12-14 signature 0b011, bit 15 "compressed".
            out += (0x8000 | 0x3000 | (len(body) + 2 - 3)).to_bytes(2, "little")
            out += body
        else:
            # Incompressible: the spec's raw chunk always holds 4096 bytes (zero padded).
            out += (0x3000 | (CHUNK_SIZE + 2 - 3)).to_bytes(2, "little")
            out += chunk.ljust(CHUNK_SIZE, b"\x00")
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Inverse of :func:`compress`; raises :class:`OvbaError` on malformed input."""
    if not container or container[0] != _SIGNATURE:
        raise OvbaError("not an MS-OVBA compressed container (first byte must be 0x01)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise OvbaError("truncated chunk header")
        header = int.from_bytes(container[pos : pos + 2], "little")
        if (header >> 12) & 0b111 != 0b011:
            raise OvbaError(f"bad chunk signature at byte {pos}")
        end = min(pos + (header & 0x0FFF) + 3, len(container))
        p, chunk_start = pos + 2, len(out)
        if not header & 0x8000:
            out += container[p : p + CHUNK_SIZE]
        else:
            while p < end:
                flags = container[p]
                p += 1
                for bit in range(8):
                    if p >= end:
                        break
                    if not flags & (1 << bit):
                        out.append(container[p])
                        p += 1
                        continue
                    if p + 2 > end:
                        raise OvbaError("truncated copy token")
                    token = int.from_bytes(container[p : p + 2], "little")
                    p += 2
                    bits = _copy_token_bits(len(out) - chunk_start)
                    length = (token & (0xFFFF >> bits)) + 3
                    offset = (token >> (16 - bits)) + 1
                    src = len(out) - offset
                    if src < chunk_start:
                        raise OvbaError("copy token points before its chunk")
                    for i in range(length):  # byte by byte: source and target may overlap
                        out.append(out[src + i])
        pos = end
    return bytes(out)


def project_key(project_id: str) -> int:
    """ProjKey (2.4.3.2): the byte sum of the project's ``{GUID}`` text, modulo 256."""
    return sum(project_id.encode("ascii")) & 0xFF


def encrypt(data: bytes, project_id: str, seed: int, ignored: bytes | None = None) -> str:
    """Obfuscate ``data`` as MS-OVBA 2.4.3.2 does; returns the upper-case hex for PROJECT.

    ``seed`` (0-255) replaces Office's random byte so the same input gives the same output.
    ``ignored`` are the ``(seed & 6) // 2`` filler bytes the spec lets be anything (zeros
    by default); passing Office's own lets a test reproduce a file Excel wrote.
    """
    n_ignored = (seed & 6) // 2
    ignored = bytes(n_ignored) if ignored is None else ignored
    if len(ignored) != n_ignored:
        raise OvbaError(f"seed {seed:#04x} needs {n_ignored} ignored bytes")
    version = 2
    key = project_key(project_id)
    version_enc, key_enc = seed ^ version, seed ^ key
    out = bytearray([seed, version_enc, key_enc])
    state = [key, key_enc, version_enc]  # UnencryptedByte1, EncryptedByte1, EncryptedByte2

    def put(byte: int) -> None:
        enc = byte ^ ((state[2] + state[0]) & 0xFF)
        out.append(enc)
        state[:] = [byte, enc, state[1]]

    for byte in ignored + len(data).to_bytes(4, "little") + data:
        put(byte)
    return out.hex().upper()


def decrypt(hex_text: str) -> tuple[int, bytes]:
    """Inverse of :func:`encrypt` (2.4.3.3): returns ``(project_key, data)``."""
    raw = bytes.fromhex(hex_text)
    if len(raw) < 7:
        raise OvbaError("encrypted structure too short")
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    if seed ^ version_enc != 2:
        raise OvbaError("unsupported encryption version")
    key = seed ^ key_enc
    plain, u1, e1, e2 = bytearray(), key, key_enc, version_enc
    for enc in raw[3:]:
        byte = enc ^ ((e2 + u1) & 0xFF)
        plain.append(byte)
        u1, e1, e2 = byte, enc, e1
    rest = plain[(seed & 6) // 2 :]
    length = int.from_bytes(rest[:4], "little")
    if len(rest) - 4 != length:
        raise OvbaError("encrypted data length does not match")
    return key, bytes(rest[4:])
