"""Type inputs into workbooks in LibreOffice Calc through UNO, then save them as .xlsx.

Runs under the system Python (``/usr/bin/python3``), the only one that can import
Debian's ``python3-uno``; it imports nothing from this project. Usage::

    /usr/bin/python3 calc_typist.py jobs.json

``jobs.json`` is ``[{"template": path, "out": path, "unprotect": [sheet, ...],
"cells": [[sheet, "B8", "63.5"], ...]}, ...]``. Each text goes through
``XCell.setFormula``, which interprets it as Calc interprets typing: "63.5" becomes a
number, "2009-05-12" a date, "=SUM(B8:B13)" a formula, anything else text. One Calc
serves every job; it is started with its own profile on a private pipe and always
terminated, killed if it will not go (the caller also ends the driver's process
group, which Calc shares).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno  # first: it registers the import hooks for the com.sun.star modules below
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

CONNECT_TIMEOUT = 60.0
XLSX_FILTER = "Calc MS Excel 2007 XML"


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def start_calc(profile: Path, pipe: str) -> subprocess.Popen:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise SystemExit("soffice is not installed")
    cmd = [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
    ]
    env = {**os.environ, "HOME": str(profile)}
    # Same process group as this driver: whoever runs it ends Calc with it (see realprograms).
    return subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def connect(pipe: str, proc: subprocess.Popen):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + CONNECT_TIMEOUT
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Calc did not start (exit code {proc.poll()})") from None
            time.sleep(0.2)


def type_into(desktop, job: dict) -> None:
    doc = desktop.loadComponentFromURL(
        Path(job["template"]).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),)
    )
    try:
        sheets = doc.Sheets
        for name in job.get("unprotect", []):
            sheets.getByName(name).unprotect("")
        for sheet, coord, text in job["cells"]:
            sheets.getByName(sheet).getCellRangeByName(coord).setFormula(text)
        doc.calculateAll()  # what the person sees before saving
        doc.storeToURL(
            Path(job["out"]).resolve().as_uri(),
            (prop("FilterName", XLSX_FILTER), prop("Overwrite", True)),
        )
    finally:
        doc.close(True)


def stop(desktop, proc: subprocess.Popen) -> None:
    try:
        if desktop is not None:
            desktop.terminate()
    except Exception:  # noqa: BLE001 - the bridge drops as Calc exits
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def main(jobs_file: str) -> int:
    jobs = json.loads(Path(jobs_file).read_text("utf-8"))
    pipe = f"ni179-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="ni179-calc-") as profile:
        proc = start_calc(Path(profile), pipe)
        desktop = None
        try:
            desktop = connect(pipe, proc)
            for job in jobs:
                type_into(desktop, job)
        finally:
            stop(desktop, proc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
