"""Run one `ni179` command in a fresh interpreter and say which heavy libraries it loaded.

What a command imports is part of how quickly it starts (docs/performance.md), so the
tests that keep a command light run it as the user would, in a process of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def command_loads(
    args: Sequence[str], watched: Sequence[str], cwd: Path
) -> tuple[int | str | None, list[str], str]:
    """Run `ni179 ARGS`; return its exit code, which of ``watched`` modules it loaded, and
    its standard output."""
    script = (
        "import json, sys\n"
        "from xl_ni179.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        f"loaded = sorted(m for m in {tuple(watched)!r} if m in sys.modules)\n"
        "print(json.dumps([code, loaded]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return code, loaded, done.stdout
