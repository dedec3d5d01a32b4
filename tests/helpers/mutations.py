"""Package mutations of real returns, for the differential test (tests/helpers/differential.py).

Each mutant is a real return (filled by openpyxl, saved by LibreOffice Calc, converted by
Gnumeric, re-spelt as Excel writes) with one change made in its package. Two families:

- **targeted**: every class of issue 17's items 1-7, in several spellings each: a second
  workbook part, values outside ``sheetData`` (``extLst``, ``mc:AlternateContent``,
  elsewhere), duplicate relationship Ids, decoy shared strings, formulas in disguise in an
  input, live formulas outside the inputs (these must be rejected whatever Calc shows),
  number formats (and Excel's ``_xHHHH_`` escapes) that make the shown value differ;
- **random**: seeded edits of the relationships, the content types, the workbook part,
  the shared strings and the sheet XML (swap, duplicate or delete elements, change
  attributes, rename parts, reorder rows, duplicate cells...), one to three per mutant.

Everything is found through the package's own relationships, so the same mutation applies
to every program's spelling; a mutation that does not apply to a base (no shared strings,
say) makes the base fit it first or is left out. ``generate`` is reproducible: the same
bases, seed and count give the same files.

The targeted classes are in mutations_ambiguous (items 1-4), mutations_formulas (5-6)
and mutations_shown_values (7), the random edits in mutations_random; this module assembles
them, makes the files and writes and reads their manifest.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from lxml import etree

from helpers.mutation_edits import Aim, NotApplicable
from helpers.mutations_ambiguous import (
    cell_outside_sheet_data,
    decoy_shared_strings,
    duplicate_relationship_id,
    second_workbook,
)
from helpers.mutations_formulas import PLACES, formula_in_disguise, live_formula_outside_inputs
from helpers.mutations_random import RANDOM, RANDOM_WEIGHTS
from helpers.mutations_shown_values import ESCAPED, FORMATS, escaped_text, number_format
from helpers.ooxml import Package
from xl_ni179.spec.schema import Schema


@dataclass(frozen=True)
class Mutant:
    path: Path
    base: str  # which real return it was made from
    kind: str  # the class: "second-workbook", "random", ...
    detail: str  # exactly what was changed
    must_reject: str = ""  # why accepting it is wrong whatever Calc shows (a live formula)

    def describe(self) -> str:
        return f"{self.path.name} [{self.kind}] from {self.base}: {self.detail}"


Targeted = Callable[[Package, random.Random, Aim], "str | tuple[str, str]"]
# Each class, and how many variants it has (each made at least once, on the bases in turn).
TARGETED: dict[str, tuple[Targeted, int]] = {
    "second-workbook": (second_workbook, 3),
    "cell-outside-sheetData": (cell_outside_sheet_data, 6),
    "duplicate-relationship-id": (duplicate_relationship_id, 3),
    "decoy-shared-strings": (decoy_shared_strings, 3),
    "formula-in-disguise": (formula_in_disguise, 6),
    "live-formula-outside-inputs": (live_formula_outside_inputs, 2 * len(PLACES)),
    "number-format": (number_format, len(FORMATS)),
    "escaped-text": (escaped_text, len(ESCAPED)),
}


# -- making the files ------------------------------------------------------------------------


def _make(
    base: Path,
    out: Path,
    label: str,
    kind: str,
    edits: list[Callable[[Package, random.Random], str | tuple[str, str]]],
    rng: random.Random,
) -> Mutant | None:
    pkg = Package(base)
    details, must_reject = [], ""
    try:
        for edit in edits:
            said = edit(pkg, rng)
            if isinstance(said, tuple):
                said, must_reject = said
            details.append(said)
    except (NotApplicable, KeyError, IndexError, ValueError, etree.XMLSyntaxError, StopIteration):
        return (
            None  # this edit does not apply to this base (or an earlier edit broke what it needs)
        )
    pkg.save(out)
    return Mutant(out, label, kind, "; ".join(details), must_reject)


def generate(
    bases: dict[str, Path], out_dir: Path, schema: Schema, *, seed: int, count: int
) -> list[Mutant]:
    """Every variant of every targeted class (at least twice per base for a class with few
    variants), the bases taken in turn; then seeded random mutants up to ``count`` in all.
    Written into ``out_dir``, with ``mutants.json`` describing each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    mutants: list[Mutant] = []
    labels = list(bases)
    n = 0
    for kind, (edit, variants) in TARGETED.items():
        for pick in range(max(variants, 2 * len(labels))):
            label = labels[pick % len(labels)]
            rng = random.Random(f"{seed}:{n}")
            m = _make(
                bases[label],
                out_dir / f"{n:04d}-{kind}.xlsx",
                label,
                kind,
                [lambda pkg, rng, edit=edit, pick=pick: edit(pkg, rng, Aim(schema, pick))],
                rng,
            )
            n += 1
            if m is not None:
                mutants.append(m)
    kinds, weights = list(RANDOM), [RANDOM_WEIGHTS[k] for k in RANDOM]
    tries = 0
    while len(mutants) < count and tries < 20 * count:
        tries += 1
        rng = random.Random(f"{seed}:{n}")
        label = rng.choice(labels)
        chosen = rng.choices(kinds, weights, k=rng.choice([1, 1, 1, 2, 3]))
        m = _make(
            bases[label],
            out_dir / f"{n:04d}-random.xlsx",
            label,
            "random: " + "+".join(chosen),
            [RANDOM[k] for k in chosen],
            rng,
        )
        n += 1
        if m is not None:
            mutants.append(m)
    (out_dir / "mutants.json").write_text(
        json.dumps([{**asdict(m), "path": m.path.name} for m in mutants], indent=1), "utf-8"
    )
    return mutants


def load_manifest(folder: Path) -> dict[str, Mutant]:
    """The mutants ``generate`` wrote into ``folder``, by file name ({} if it wrote none)."""
    manifest = folder / "mutants.json"
    if not manifest.exists():
        return {}
    return {
        m["path"]: Mutant(**{**m, "path": folder / m["path"]})
        for m in json.loads(manifest.read_text("utf-8"))
    }
