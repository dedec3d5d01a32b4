"""How many typed amounts a template loses in Calc's window: the before/after figure of issue 19.

Types every amount of the typing scenario (``typing_scenario``) into each template of a
folder, one cell at a time through the Name Box, answering any message box with OK and
Escape (so a refused entry costs that entry only), saves, and counts the amounts that the
saved file does not hold as typed. Run it on templates issued by older code to see what
they lost, and on new ones::

    python tests/helpers/typing_count.py TEMPLATE_DIR WORK_DIR

It prints one line per template and a total, e.g. ``lost 13 of 99``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from helpers.calc_window import Calc, x_display
from helpers.typing_scenario import plan
from xl_ni179.intake.batch import validate_file
from xl_ni179.partnership import load_partnership
from xl_ni179.spec.schema import MONEY, build_schema
from xl_ni179.template.fill import read_meta


def count(template_dir: Path, work: Path) -> tuple[int, int]:
    from openpyxl import load_workbook

    p = load_partnership()
    work.mkdir(parents=True, exist_ok=True)
    lost = typed = 0
    with x_display() as display:
        calc = Calc(display, work / "calc", work / "shots")
        try:
            for template in sorted(template_dir.rglob("*.xlsx")):
                meta = read_meta(load_workbook(template, read_only=True))
                rnd = p.round(meta["round"])
                schema = build_schema(p, rnd)
                ret = plan(p, meta["organisation"], rnd, schema, {}, paste=False)
                amounts = [e for row in ret.rows for e in row if schema.field(e.name).type == MONEY]
                path = work / template.name
                shutil.copyfile(template, path)
                book = calc.open(path)
                boxes = 0
                for e in amounts:
                    calc.goto(book, e.sheet, e.cell)
                    calc.type(e.text)
                    calc.keys("Return")
                    calc.settle(book)
                    for box in calc.dialogs({book}):
                        boxes += 1
                        calc.focus(box)
                        calc.keys("Return")
                        calc.focus(book)
                        calc.keys("Escape")
                calc.save_keeping_format(book, path, {book})
                calc.focus(book)
                calc.keys("ctrl+w")
                values = validate_file(p, path).values
                missed = [e for e in amounts if values.get(e.name) != e.expected]
                print(
                    f"{template.name}: lost {len(missed)} of {len(amounts)} typed amounts "
                    f"({boxes} message boxes): {[(e.cell, e.text, values.get(e.name)) for e in missed]}"
                )
                lost += len(missed)
                typed += len(amounts)
        finally:
            calc.stop()
    print(f"lost {lost} of {typed}")
    return lost, typed


if __name__ == "__main__":
    count(Path(sys.argv[1]), Path(sys.argv[2]))
