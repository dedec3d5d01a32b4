"""LibreOffice Calc's real window, driven by real key events: a person filling in a return.

An X server of our own (Xvfb, on a free display), one Calc with a private profile (its
default settings: AutoInput and AutoCorrect on, the machine's locale), and xdotool for the
keyboard. Keys go to whichever window has the input focus, as a person's do; there is no
window manager, so the focus is set on the window we mean before each step, and checked.
Every process started here is ended by its own id (Calc by its process group, which is
its own session).

Screenshots (ImageMagick's ``import``) of the steps worth seeing are kept in an artefact
folder the caller names.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

XVFB, XDOTOOL, SOFFICE, IMPORT = "Xvfb", "xdotool", "soffice", "import"
TOOLS_HINT = (
    "Typing in Calc's window needs Xvfb, xdotool, ImageMagick's import and a LibreOffice Calc that "
    "opens a window (not the -nogui build): run `bash scripts/setup.sh`."
)
WINDOW_TIMEOUT = 60.0
SAVE_TIMEOUT = 60.0
KEY_DELAY_MS = 12  # between key events: fast, and Calc keeps up
SCREEN = "1600x1000x24"


class CalcWindowError(RuntimeError):
    pass


def tools_missing() -> list[str]:
    return [tool for tool in (XVFB, XDOTOOL, SOFFICE, IMPORT) if shutil.which(tool) is None]


def _free_display() -> int:
    for number in range(90, 200):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise CalcWindowError("no free X display number between :90 and :199")


@contextmanager
def x_display() -> Iterator[str]:
    """A private X server for the duration; its display name (":93")."""
    for _attempt in range(3):  # another test run may take the same number at the same moment
        number = _free_display()
        proc = subprocess.Popen(
            [XVFB, f":{number}", "-screen", "0", SCREEN, "-nolisten", "tcp"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        if proc.poll() is None:
            break
    else:
        raise CalcWindowError("Xvfb would not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Calc:
    """One LibreOffice Calc on ``display``, with its own profile under ``work``."""

    display: str
    work: Path
    artefacts: Path
    proc: subprocess.Popen | None = None
    shots: list[Path] = field(default_factory=list)
    dialogs_seen: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display, "HOME": str(self.work / "home")}

    # -- processes ----------------------------------------------------------------------

    def open(self, path: Path) -> str:
        """Open ``path`` in Calc's window (starting Calc the first time); the window's id."""
        (self.work / "home").mkdir(parents=True, exist_ok=True)
        cmd = [
            SOFFICE,
            f"-env:UserInstallation={(self.work / 'profile').as_uri()}",
            "--norestore",
            "--nologo",
            "--nolockcheck",
            "--calc",
            str(path),
        ]
        if self.proc is None:
            self.proc = subprocess.Popen(
                cmd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        else:  # handed to the running Calc, which opens a second window
            subprocess.run(
                cmd, env=self.env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60
            )
        return self.window(f"^{path.name} - LibreOffice Calc$")

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        self.proc = None

    # -- windows ------------------------------------------------------------------------

    def xdotool(self, *args: str, timeout: float = 30) -> str:
        # A title is in whatever encoding the window gave it (Calc: Latin-1 for "£"): never fail on it.
        done = subprocess.run(
            [XDOTOOL, *args],
            env=self.env,
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return done.stdout.strip()

    def window(self, name: str, timeout: float = WINDOW_TIMEOUT) -> str:
        """The id of the window whose title matches ``name`` (a regular expression), once it is mapped."""
        found = self.xdotool("search", "--sync", "--onlyvisible", "--name", name, timeout=timeout)
        if not found:
            self.shot("no-window")
            raise CalcWindowError(f"no window named {name!r} within {timeout:.0f}s")
        return found.splitlines()[0]

    def visible(self) -> dict[str, str]:
        """{window id: title} of every visible window with a title."""
        ids = self.xdotool("search", "--onlyvisible", "--name", ".").splitlines()
        out = {}
        for wid in ids:
            name = self.xdotool("getwindowname", wid)
            if name:
                out[wid] = name
        return out

    def focus(self, wid: str) -> None:
        """Give ``wid`` the keyboard, and check it has it (retried: focus can lag a new window)."""
        for _attempt in range(20):
            self.xdotool(
                "windowraise", wid
            )  # on top, for the screenshots: there is no window manager
            self.xdotool("windowfocus", "--sync", wid)
            if self.xdotool("getwindowfocus") == wid:
                return
            time.sleep(0.1)
        raise CalcWindowError(f"window {wid} would not take the keyboard")

    def dialogs(self, main: set[str]) -> dict[str, str]:
        """Windows that are not the documents' own: message boxes, the Keep Format question."""
        return {wid: name for wid, name in self.visible().items() if wid not in main}

    def shot(self, name: str) -> Path:
        time.sleep(0.3)  # Calc repaints what a closed or moved window uncovered
        self.artefacts.mkdir(parents=True, exist_ok=True)
        path = self.artefacts / f"{len(self.shots) + 1:02d}-{name}.png"
        subprocess.run(
            [IMPORT, "-display", self.display, "-window", "root", str(path)],
            env=self.env,
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        self.shots.append(path)
        return path

    # -- keys -------------------------------------------------------------------------

    def keys(self, *keys: str) -> None:
        self.xdotool("key", "--delay", str(KEY_DELAY_MS), *keys)

    def type(self, text: str) -> None:
        self.xdotool("type", "--delay", str(KEY_DELAY_MS), text)

    def settle(self, wid: str) -> None:
        """Wait until Calc has handled the keys sent so far: an X round trip through its window."""
        self.xdotool("getwindowgeometry", wid)
        time.sleep(0.05)

    def goto(self, wid: str, sheet: str, cell: str) -> None:
        """Select ``cell`` of ``sheet`` as a person does: the Name Box (Ctrl+Shift+F5), where Calc
        takes 'Sheet'.B8."""
        self.focus(wid)
        self.keys("ctrl+shift+F5")
        self.keys("ctrl+a")
        self.type(f"$'{sheet}'.{cell}")
        self.keys("Return")

    def save_keeping_format(self, wid: str, path: Path, main: set[str]) -> None:
        """Ctrl+S, then 'Use Excel 2007-365!' in the Keep Current Format question."""
        before = path.stat().st_mtime_ns
        self.focus(wid)
        self.keys("ctrl+s")
        deadline = time.monotonic() + SAVE_TIMEOUT
        answered = False
        while time.monotonic() < deadline:
            if not answered:
                asked = self.dialogs(main)
                if asked:
                    question = next(iter(asked))
                    self.shot("keep-current-format")
                    self.focus(question)
                    self.keys("Return")  # the default button keeps the current format (.xlsx)
                    answered = True
            if path.stat().st_mtime_ns != before and _complete(path):
                time.sleep(0.3)
                if _complete(path):
                    return
            time.sleep(0.1)
        self.shot("save-timeout")
        raise CalcWindowError(f"Calc did not save {path.name} within {SAVE_TIMEOUT:.0f}s")


def _complete(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False
