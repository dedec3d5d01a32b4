"""How much of a message we are willing to parse, checked on its raw bytes before Python's
``email`` package parses any of it.

Python's header parser costs the square of a header's encoded-words (5,000 of them in a
From header take 3.6 s and 660 MB; 10,000 take 15 s and 2.5 GB), its MIME parser recurses
once per nested part (about 300 levels end in RecursionError) and builds an object per
part. A stranger can send any of these. So before parsing, one pass over the bytes - no
parser, no recursion, nothing built per part - measures:

- each header block (the message's own and each MIME part's): its size, each field's
  size and each field's count of encoded-words (``=?charset?q?...?=``);
- the MIME structure as the parser would follow it: each multipart's boundary, each
  part's delimiter line, nested messages (``message/rfc822``); so the nesting depth and
  the number of parts;
- the message's size.

A message beyond any limit is quarantined unparsed, with the reason (``problem``). Where
the structure is written in a way that real mail programs never use and that this scan
could read differently from the parser (a boundary split into RFC 2231 pieces, two
Content-Type headers in one part, comments inside one), the message is quarantined too,
rather than guessed at. A genuine return is a message of a few parts, two or three levels
deep, with a few kilobytes of header: every limit is at least ten times that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEADER_BYTES = 128 * 1024  # the message's own header (Microsoft 365 writes ~15 KB)
MAX_PART_HEADER_BYTES = 128 * 1024  # all MIME parts' headers together
MAX_FIELD_BYTES = 32 * 1024  # one header field, unfolded (the longest real ones are ~10 KB)
MAX_ENCODED_WORDS_PER_FIELD = 100  # a long non-Latin subject has 10-20
MAX_ENCODED_WORDS = 1000  # in all header fields together
MAX_MIME_DEPTH = 10  # a return from Outlook is 3 deep (mixed > alternative > related)
MAX_MIME_PARTS = 200  # a return is 3-10 parts
MAX_CONTAINERS = 50  # Content-Type multipart/... or message/... anywhere in the message
MAX_CONTENT_TYPE_BYTES = 4096  # one Content-Type header (real ones are under 300 bytes)

_ENCODED_WORD = re.compile(rb"=\?[^?\s]*\?[bBqQ]\?")
_FIELD_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_TYPE = re.compile(rb"^\s*\"?([A-Za-z0-9!#$%&'*+.^_`{|}~-]+)\s*/\s*([A-Za-z0-9!#$%&'*+.^_`{|}~-]+)")
_BOUNDARY_NAME = re.compile(rb"(?i);\s*boundary\s*(\*[0-9]*\*?)?\s*=")
_BOUNDARY_VALUE = re.compile(rb'(?i);\s*boundary\s*=\s*(?:"((?:[^"\\\n]|\\.)*)"|([^;\s"]+))')
_CONTAINER = re.compile(rb"(?i)\ncontent-type[ \t]*:(?:[^\n]|\n[ \t])*?\b(?:multipart|message)\s*/")


@dataclass(frozen=True)
class Size:
    """What the scan measured (for the test and the audit trail)."""

    header_bytes: int = 0
    parts: int = 0
    depth: int = 0


class _Over(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def problem(raw: bytes, max_bytes: int, *, headers_only: bool = False) -> str | None:
    """Why this message must not be parsed (in the consolidator's words), or None.

    ``headers_only``: ``raw`` is only the message's header (the body of an oversized
    message is never downloaded), so only the header is measured.
    """
    try:
        _scan(raw, max_bytes, headers_only)
    except _Over as over:
        return over.reason
    return None


def _scan(raw: bytes, max_bytes: int, headers_only: bool) -> Size:
    if not headers_only and len(raw) > max_bytes:
        raise _Over(
            f"the message is {len(raw):,} bytes, more than the {max_bytes:,} this mailbox accepts"
        )
    # One spelling of line ends, as the parser reads \r\n, \r and \n alike.
    data = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not headers_only:
        containers = len(_CONTAINER.findall(b"\n" + data))
        if containers > MAX_CONTAINERS:
            raise _Over(
                f"the message declares {containers:,} nested MIME containers; at most "
                f"{MAX_CONTAINERS} are read"
            )
    scan = _Scan(data)
    end, ctype = scan.header_block(0, top=True)
    if headers_only:
        return Size(scan.top_header_bytes)
    scan.structure(end, ctype)
    return Size(scan.top_header_bytes, scan.parts, scan.max_depth)


class _Scan:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.top_header_bytes = 0
        self.part_header_bytes = 0
        self.encoded_words = 0
        self.parts = 0
        self.max_depth = 0
        # Open containers, innermost last: (a multipart's boundary, or None for a nested
        # message; its subtype).
        self.stack: list[tuple[bytes | None, bytes]] = []
        self._delimiters: re.Pattern[bytes] | None = None

    # -- header blocks ----------------------------------------------------------------------

    def header_block(
        self, start: int, *, top: bool = False, in_digest: bool = False
    ) -> tuple[int, tuple[bytes, bytes, bytes | None]]:
        """Measure the header block at ``start``; (where its body starts, (type, subtype, boundary))."""
        data, pos = self.data, start
        fields: list[bytes] = []
        limit = MAX_HEADER_BYTES if top else MAX_PART_HEADER_BYTES - self.part_header_bytes
        while pos < len(data):
            nl = data.find(b"\n", pos)
            line_end = len(data) if nl < 0 else nl + 1
            line = data[pos:line_end]
            if line in (b"\n", b""):
                pos = line_end
                break
            if self.stack and line.startswith(b"--") and self._is_delimiter(line):
                break  # a part with no body: the parser ends its header here
            if line[:1] in (b" ", b"\t") and fields:
                fields[-1] += line
            else:
                fields.append(line)
            if pos + len(line) - start > limit:
                what = "message's header" if top else "headers of its MIME parts"
                most = MAX_HEADER_BYTES if top else MAX_PART_HEADER_BYTES
                raise _Over(f"the {what} {'is' if top else 'are'} more than {most:,} bytes")
            if len(fields[-1]) > MAX_FIELD_BYTES:
                raise _Over(
                    f"its {_name(fields[-1])} header is more than {MAX_FIELD_BYTES:,} bytes long"
                )
            pos = line_end
        size = pos - start
        if top:
            self.top_header_bytes = size
        else:
            self.part_header_bytes += size
        content_types = []
        for field in fields:
            words = len(_ENCODED_WORD.findall(field))
            if words > MAX_ENCODED_WORDS_PER_FIELD:
                raise _Over(
                    f"its {_name(field)} header holds {words:,} encoded-words; at most "
                    f"{MAX_ENCODED_WORDS_PER_FIELD} are read"
                )
            self.encoded_words += words
            if self.encoded_words > MAX_ENCODED_WORDS:
                raise _Over(f"its headers hold more than {MAX_ENCODED_WORDS:,} encoded-words")
            match = _FIELD_NAME.match(field)
            if match and match[1].lower() == b"content-type":
                content_types.append(field[match.end() :])
        if len(content_types) > 1:
            raise _Over(
                "one of its parts has two Content-Type headers, which no mail program writes"
            )
        default = (b"message", b"rfc822", None) if in_digest else (b"text", b"plain", None)
        return pos, _content_type(content_types[0]) if content_types else default

    # -- MIME structure ----------------------------------------------------------------------

    def _push(self, boundary: bytes | None, subtype: bytes) -> None:
        self.stack.append((boundary, subtype))
        self.max_depth = max(self.max_depth, len(self.stack))
        if len(self.stack) > MAX_MIME_DEPTH:
            raise _Over(f"its MIME parts are nested more than {MAX_MIME_DEPTH} deep")
        self._delimiters = None

    def _pattern(self) -> re.Pattern[bytes] | None:
        boundaries = {b for b, _ in self.stack if b is not None}
        if not boundaries:
            return None
        if self._delimiters is None:
            alternatives = b"|".join(
                re.escape(b) for b in sorted(boundaries, key=len, reverse=True)
            )
            self._delimiters = re.compile(rb"^--(" + alternatives + rb")(--)?[ \t]*$", re.M)
        return self._delimiters

    def _is_delimiter(self, line: bytes) -> bool:
        pattern = self._pattern()
        return pattern is not None and pattern.match(line.rstrip(b"\n")) is not None

    def structure(self, pos: int, ctype: tuple[bytes, bytes, bytes | None]) -> None:
        """Follow the parts from the top-level body at ``pos``, as the parser would."""
        while True:
            maintype, subtype, boundary = ctype
            if maintype == b"multipart" and boundary is not None:
                self._push(boundary, subtype)
            elif maintype == b"message":
                self._push(None, subtype)  # its body is a message: a header block, then its body
                pos, ctype = self.header_block(pos)
                continue
            pattern = self._pattern()
            found = pattern.search(self.data, pos) if pattern is not None else None
            if found is None:
                return  # the rest is one part's body (or the epilogue): nothing more is parsed
            # The innermost open multipart with this boundary; everything inside it ends here.
            while self.stack and self.stack[-1][0] != found[1]:
                self.stack.pop()
            self._delimiters = None
            pos = found.end() + 1
            if found[2]:  # the close delimiter: this multipart ends, its parent's text goes on
                self.stack.pop()
                ctype = (b"text", b"plain", None)
                continue
            self.parts += 1
            if self.parts > MAX_MIME_PARTS:
                raise _Over(f"it has more than {MAX_MIME_PARTS} MIME parts")
            pos, ctype = self.header_block(pos, in_digest=self.stack[-1][1] == b"digest")


def _name(field: bytes) -> str:
    match = _FIELD_NAME.match(field)
    name = match[1].decode("ascii", "replace") if match else "unnamed"
    return name[:60]


def _without_comments(value: bytes) -> bytes:
    """The value with its (possibly nested) comments taken out; quoted strings kept whole."""
    out = bytearray()
    depth, quoted, escaped = 0, False, False
    for byte in value:
        ch = bytes((byte,))
        if escaped:
            escaped = False
            if depth == 0:
                out += ch
            continue
        if ch == b"\\":
            escaped = True
            if depth == 0:
                out += ch
            continue
        if quoted:
            quoted = ch != b'"'
            out += ch
        elif ch == b"(":
            depth += 1
        elif ch == b")" and depth:
            depth -= 1
            if depth == 0:
                out += b" "
        elif depth == 0:
            quoted = ch == b'"'
            out += ch
    if depth or quoted:
        raise _Over(
            "a Content-Type header has an unclosed comment or quotation, which no mail program writes"
        )
    return bytes(out)


def _content_type(value: bytes) -> tuple[bytes, bytes, bytes | None]:
    """(type, subtype, boundary) of a Content-Type value, read as the parser would; _Over when
    it is written so that the two readings could differ."""
    value = value.replace(b"\n", b"")
    if len(value) > MAX_CONTENT_TYPE_BYTES:
        raise _Over(f"a Content-Type header is more than {MAX_CONTENT_TYPE_BYTES:,} bytes long")
    if b"(" in value or b'"' in value:
        value = _without_comments(value)
    match = _TYPE.match(value)
    if match is None:
        return b"text", b"plain", None  # the parser falls back to text/plain too
    maintype, subtype = match[1].lower(), match[2].lower()
    if maintype != b"multipart":
        return maintype, subtype, None
    names = _BOUNDARY_NAME.findall(value)
    if not names:
        return maintype, subtype, None  # no boundary: the parser reads the body as text
    if len(names) > 1 or any(names):
        raise _Over(
            "a multipart's boundary is written in pieces or twice, which no mail program does"
        )
    found = _BOUNDARY_VALUE.search(value)
    if found is None:
        raise _Over("a multipart's boundary cannot be read")
    if found[1] is not None:
        boundary = re.sub(rb"\\(.)", rb"\1", found[1])
    else:
        boundary = found[2]
    boundary = boundary.rstrip(b" \t")
    if not boundary or len(boundary) > 200:
        raise _Over("a multipart's boundary is empty or far too long")
    return maintype, subtype, boundary
