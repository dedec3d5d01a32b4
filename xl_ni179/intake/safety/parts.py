"""The parts of one package: each decompressed at most once, each XML part parsed at most once.

Reading a returned file is one pass over its parts. A part is decompressed through the
size cap (``xmlscan.chunks``), its text encoding and any DTD are checked on the bytes, its
elements are counted from the bytes before anything is built, and only then does lxml
parse it, once, for whoever needs it: the relationship graph, the screens of parts that
can carry formulas, and the reader of the workbook's sheets, text and styles.
"""

from __future__ import annotations

import re
import zipfile
from typing import Any

from lxml import etree

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.sniff import container_kind
from xl_ni179.intake.safety.xmlscan import Stop, chunks, dtd_finding, shown, xml_encoding

# DTDs are refused on the bytes (below) before lxml sees a part; lxml is still told never
# to load one, expand an entity or reach the network. Comments and processing
# instructions carry nothing any program reads as content.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)
_DTD = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)


class Parts:
    """The package's parts by name. Part names are case-insensitive in an Office file, as
    Excel reads them: ``find`` matches a name in any case (two names that differ only in
    case were refused by the package check)."""

    def __init__(self, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
        self.zf = zf
        self.infos = {i.filename: i for i in infos if not i.filename.endswith("/")}
        self._folded = {name.casefold(): name for name in self.infos}
        self._data: dict[str, bytes] = {}
        self._trees: dict[str, Any] = {}

    def find(self, name: str) -> str | None:
        """The part's name as stored, or None when the package has no such part."""
        if name in self.infos:
            return name
        return self._folded.get(name.casefold())

    def data(self, name: str) -> bytes:
        """The part's bytes, decompressed once and never past the size limit."""
        held = self._data.get(name)
        if held is None:
            held = self._data[name] = b"".join(chunks(self.zf, self.infos[name]))
        return held

    def is_xml(self, name: str) -> bool:
        """Whether the part starts as XML does (its encoding checked); a part that is really
        another file under an XML name is refused."""
        head = self.data(name)[:1024]
        if xml_encoding(head, name) is not None:
            return True
        kind = container_kind(head)
        if kind is not None:
            raise Stop(
                P.EMBEDDED_OBJECT.problem(detail=f"the part '{shown(name)}' is really {kind}")
            )
        return False

    def check_dtd(self, name: str) -> None:
        """Refuse a DTD anywhere in an XML part (in UTF-8 or UTF-16), well-formed or not."""
        data = self.data(name)
        head = data[:4]
        if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
            family = "utf-16-be" if head.startswith((b"\xfe\xff", b"\x00<")) else "utf-16-le"
            text = data[: len(data) // 2 * 2].decode(family, "replace").lower()
            if "<!doctype" in text or "<!entity" in text:
                raise Stop(dtd_finding(name))
        elif b"<!" in data and _DTD.search(data):
            raise Stop(dtd_finding(name))

    def tree(self, name: str, max_elements: int = L.MAX_ELEMENTS_LARGE) -> Any:
        """The part parsed (its root element), once; Stop when it is not XML, not
        well-formed, holds a DTD or has more than ``max_elements`` elements."""
        held = self._trees.get(name)
        if held is not None:
            return held
        data = self.data(name)
        if not self.is_xml(name):
            raise Stop(
                P.CORRUPT_FILE.problem(detail=f"part {shown(name)} should be XML but is not")
            )
        self.check_dtd(name)
        # Every element opens with '<' and a closing tag with '</': their difference bounds
        # the elements, so a flood is refused before lxml builds anything.
        if len(data) > max_elements and data.count(b"<") - data.count(b"</") > max_elements:
            raise Stop(
                P.TOO_LARGE.problem(
                    detail=f"part {shown(name)} has more than {max_elements:,} XML elements"
                )
            )
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            if "depth" in str(exc).lower():  # lxml stops very deep nesting
                raise Stop(
                    P.TOO_LARGE.problem(detail=f"part {shown(name)} nests its XML too deeply")
                ) from None
            raise Stop(
                P.CORRUPT_FILE.problem(
                    detail=f"part {shown(name)} is not well-formed XML ({shown(str(exc), 60)})"
                )
            ) from None
        if root.getroottree().docinfo.doctype:
            raise Stop(dtd_finding(name))
        self._trees[name] = root
        return root

    def drop(self, name: str) -> None:
        """Forget a part's bytes and tree once read (a sheet's tree is the largest thing held)."""
        self._data.pop(name, None)
        self._trees.pop(name, None)


# Memos of parts already read in this process, keyed on their bytes (compared whole) and
# what else the reading depended on. A worker validating a round meets the same unchanged
# parts of a template in return after return. Bounded in entries and in the size of a part.
MEMO_ENTRIES = 32
MEMO_PART_BYTES = 1024 * 1024


def memorable(data: bytes) -> bool:
    """Whether a part is small enough to be kept in a memo (a sheet of a return always is)."""
    return len(data) <= MEMO_PART_BYTES


def remember(memo: dict[Any, Any], key: object, value: object) -> None:
    """Keep ``value`` under ``key``, forgetting the entry least recently used when the memo is full."""
    if len(memo) >= MEMO_ENTRIES:
        del memo[next(iter(memo))]
    memo[key] = value


def recall(memo: dict[Any, Any], key: object) -> Any:
    """The value kept under ``key`` (None if none), now the most recently used."""
    value = memo.pop(key, None)
    if value is not None:
        memo[key] = value
    return value
