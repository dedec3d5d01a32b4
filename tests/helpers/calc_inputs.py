"""What LibreOffice Calc shows in given cells of many workbooks: the oracle of the differential test.

Runs under the system Python (``/usr/bin/python3``, the one with Debian's ``python3-uno``),
like ``calc_cells.py``, with whose start/connect/stop (``calc_typist``) it shares one Calc
for every file. Usage::

    /usr/bin/python3 calc_inputs.py spec.json

``spec.json`` is ``{"cells": [[sheet, cell], ...], "files": [path, ...]}``. For each file
it prints one JSON line before opening it, ``{"opening": path}``, and one after:
``{"path": path, "sheets": [name, ...], "null_date": "1899-12-30", "cells": {"Sheet!B8":
{"kind": "value" | "text" | "formula" | "empty", "value": number, "string": what the cell
shows, "text": a text cell's own text, "format": the number format's code, "formula":
...}}}``, or ``{"path": path, "error": why}`` when Calc cannot open it. The caller watches
the lines, so a file that hangs Calc is known (the ``opening`` line without its answer).

Calc recalculates each workbook first (``calculateAll``), as a person's first edit would.
What a cell shows is Calc's own formatted string, ``getString`` (a number formatted by the
cell's number format; text through the format's text section, which can show other words
than the cell holds, kept apart as ``text``). The cells are read inside Calc by
``calc_inputs_macro.py`` (LibreOffice's Python script provider), one call per workbook.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import calc_typist as ct

MACRO = Path(__file__).with_name("calc_inputs_macro.py")
SCRIPT = f"vnd.sun.star.script:{MACRO.name}$read_inputs?language=Python&location=user"


def _script(pipe: str):
    import uno

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
    factory = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.script.provider.MasterScriptProviderFactory", ctx
    )
    return factory.createScriptProvider("").getScript(SCRIPT)


def main(spec_file: str) -> int:
    spec = json.loads(Path(spec_file).read_text("utf-8"))
    cells = json.dumps(spec["cells"])
    pipe = f"ni179-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="ni179-calc-") as profile:
        scripts = Path(profile) / "user" / "Scripts" / "python"
        scripts.mkdir(parents=True)
        shutil.copy(MACRO, scripts / MACRO.name)
        proc = ct.start_calc(Path(profile), pipe)
        desktop = None
        try:
            desktop = ct.connect(pipe, proc)
            read = _script(pipe)
            for path in spec["files"]:
                print(json.dumps({"opening": path}), flush=True)
                try:
                    (answer, _, _) = read.invoke((Path(path).resolve().as_uri(), cells), (), ())
                    result = {"path": path, **json.loads(answer)}
                except Exception as exc:  # noqa: BLE001 - one file Calc refuses must not stop the rest
                    result = {"path": path, "error": f"{type(exc).__name__}: {exc}"[:300]}
                print(json.dumps(result), flush=True)
        finally:
            ct.stop(desktop, proc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
