"""The hostile corpus assembled from its families, and the benign variants, written to disk.

``build_corpus(base, out_dir)`` writes each case and returns (file, expected finding
code); ``build_benign(base, out_dir)`` writes unusual but harmless variants that must
pass. Pass the real return template as ``base`` to rerun the corpus against it; the
cases find its parts through [Content_Types].xml and its relationships. The families
keep their order here, so the test ids and the order the tests run in stay put.
"""

from __future__ import annotations

from pathlib import Path

from helpers.base_package import Builder, Pkg
from helpers.benign_packages import BENIGN
from helpers.hostile_active_content import ACTIVE_CONTENT, OUTWARD_FORMULAS
from helpers.hostile_containers import BROKEN_ZIPS, NOT_ZIPS
from helpers.hostile_oversized import OVERSIZED
from helpers.hostile_package_structure import AMBIGUOUS, MISSING_PARTS
from helpers.hostile_xml import XML_PARTS

CASES: list[tuple[str, str, Builder]] = (
    NOT_ZIPS
    + BROKEN_ZIPS
    + XML_PARTS
    + ACTIVE_CONTENT
    + MISSING_PARTS
    + OVERSIZED
    + AMBIGUOUS
    + OUTWARD_FORMULAS
)

# Found in the cells, by the reader as it reads them (``xl_ni179.intake.reader``, under the
# safety limits); every other case is refused by the package check before any reader runs.
IN_CELLS = frozenset(
    {
        "malformed-sheet.xlsx",
        "bad-cell-ref.xlsx",
        "dde-formula.xlsx",
        "dde-validation.xlsx",
        "xfd-lying-dimension.xlsx",
        "xfd-honest-dimension.xlsx",
        "dimension-only.xlsx",
        "far-column.xlsx",
        "far-row.xlsx",
        "huge-merge.xlsx",
        "huge-hyperlink.xlsx",
        "element-flood.xlsx",
        "deep-nesting.xlsx",
        "too-many-cells.xlsx",
        "many-strings.xlsx",
        "long-string.xlsx",
        "lying-unique-count.xlsx",
        "cell-in-extension.xlsx",
        "cell-given-twice.xlsx",
        "webservice-formula.xlsx",
    }
)


def _build(base: Path, out_dir: Path, name: str, builder: Builder) -> Path:
    path = out_dir / name
    path.write_bytes(builder(Pkg(base)))
    return path


def build_corpus(base: Path, out_dir: Path) -> list[tuple[Path, str]]:
    """Write every hostile case into ``out_dir``: (file, the finding code it must get)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [(_build(base, out_dir, name, builder), code) for name, code, builder in CASES]


def build_benign(base: Path, out_dir: Path) -> list[Path]:
    """Write unusual but harmless variants of ``base`` that must get no finding."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_build(base, out_dir, name, builder) for name, builder in BENIGN]
