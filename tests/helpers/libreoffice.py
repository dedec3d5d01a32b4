"""Recalculate workbooks in LibreOffice headless: the real spreadsheet engine we have here.

The tests use it to see what a partner sees in their own workbook; the package does not
(it recalculates nothing itself), so it lives here rather than in ``xl_ni179``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from helpers.components import require_component

# Calc's default for .xlsx is to trust the cached results; "always recalculate" makes
# it compute every formula as Excel would on opening.
_PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""

INSTALL_HINT = "LibreOffice is not installed: run `apt-get install libreoffice-calc-nogui` (scripts/setup.sh does)."


class LibreOfficeError(RuntimeError):
    pass


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(
    files: list[Path], out_dir: Path, fmt: str = "xlsx", timeout: float = 180
) -> list[Path]:
    """Open each file in LibreOffice, recalculate, and save it as ``fmt`` into ``out_dir``."""
    exe = soffice()
    require_component(exe is not None, INSTALL_HINT)
    assert exe is not None
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ni179-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_PROFILE_SETTINGS)
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            *map(str, files),
        ]
        env = {**os.environ, "HOME": profile}
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
        )
    outputs = [out_dir / (f.stem + "." + fmt.split(":")[0]) for f in files]
    missing = [o for o in outputs if not o.exists()]
    if result.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice could not convert {missing or files}: {result.stderr.strip()}"
        )
    return outputs
