"""The mail stack's process supervisor: its network namespace, and every daemon started in it.

``NamespaceSupervisor`` makes the namespace (``ip netns add``, a resolv.conf naming the
namespace's own dnsmasq, loopback addresses), runs commands and daemons inside it, waits
until each listens, starts Postfix instances and keeps their master's pid, and at the end
stops every process by its pid (including policyd-spf, which outlives Postfix's master)
and deletes the namespace and the temporary folder. Held apart from ``helpers.mailstack``
(what runs, and in which order) because starting and stopping processes reliably is a
concern of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


class NamespaceSupervisor:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ni179ms"))
        self.root.chmod(0o755)
        self.ns = f"ni179ms{os.getpid()}"
        self._procs: list[tuple[str, subprocess.Popen]] = []
        self._masters: list[int] = []  # Postfix master daemons, by the pid in their pid files
        self._netns_etc = Path("/etc/netns") / self.ns

    def _make_namespace(self, addresses: tuple[str, ...]) -> None:
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
        self._netns_etc.mkdir(parents=True, exist_ok=True)
        (self._netns_etc / "resolv.conf").write_text(
            "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n"
        )
        self.run(["ip", "link", "set", "lo", "up"])
        for addr in addresses:
            self.run(["ip", "addr", "add", f"{addr}/32", "dev", "lo"])

    # -- running things in the namespace ---------------------------------------------------

    def ns_cmd(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *argv]

    def run(
        self,
        argv: list[str],
        *,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            self.ns_cmd(argv),
            input=input,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=self.root,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{argv[0]} failed ({done.returncode}): {done.stdout.decode(errors='replace')}"
                f"{done.stderr.decode(errors='replace')}"
            )
        return done

    def _daemon(
        self,
        name: str,
        argv: list[str],
        *,
        ready: tuple[str, int] | None = None,
        log: Path | None = None,
    ) -> None:
        out = open(
            log or self.root / f"{name}.out", "ab"
        )  # the daemon writes to it; closed here once handed over
        proc = subprocess.Popen(
            self.ns_cmd(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            start_new_session=True,
        )
        out.close()
        self._procs.append((name, proc))
        if ready:
            self._wait_port(name, lambda: proc.poll() is None, *ready)

    def _wait_port(
        self, name: str, alive: Callable[[], bool], host: str, port: int, timeout: float = 30
    ) -> None:
        probe = (
            "import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()\n"
            "except OSError:\n sys.exit(1)"
        )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not alive():
                raise RuntimeError(f"{name} exited: {self.log(name)}")
            if self.run(["python3", "-c", probe, host, str(port)], check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start listening on {host}:{port}: {self.log(name)}")

    def log(self, name: str) -> str:
        for path in (self.root / f"{name}.out", self.root / name / "maillog"):
            if path.exists():
                return path.read_text(errors="replace")[-4000:]
        return ""

    # -- Postfix -----------------------------------------------------------------------------

    def _postfix(self, name: str, main: str, master: str, *, ready: tuple[str, int]) -> None:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        (folder / "main.cf").write_text(main)
        (folder / "master.cf").write_text(master)
        for sub in ("spool", "data"):
            (folder / sub).mkdir(exist_ok=True)
        os.chown(folder / "data", *_ids("postfix"))
        self.run(["postfix", "-c", str(folder), "check"])
        # `postfix start` returns once the master daemon is up (it detaches into a session of
        # its own); it is stopped by the pid in its pid file.
        self.run(["postfix", "-c", str(folder), "start"])
        pid = int((folder / "spool" / "pid" / "master.pid").read_text().split()[0])
        self._masters.append(pid)
        self._wait_port(name, lambda: pid_alive(pid), *ready)

    # -- shutting down -----------------------------------------------------------------------

    def _stop_processes(self) -> None:
        for pid in self._masters:  # SIGTERM: the master stops every Postfix process it started
            _signal(pid, signal.SIGTERM)
        end = time.monotonic() + 15
        while any(pid_alive(pid) for pid in self._masters) and time.monotonic() < end:
            time.sleep(0.1)
        for pid in self._masters:
            _signal(pid, signal.SIGKILL)
        self._masters.clear()
        for _name, proc in reversed(self._procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for _name, proc in reversed(self._procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self._procs.clear()
        self._stop_strays()

    def _remove_namespace(self) -> None:
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        shutil.rmtree(self._netns_etc, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _stop_strays(self) -> None:
        """Postfix's spawn service starts policyd-spf in a session of its own, which outlives the
        master: stop every process still running with our temporary folder in its command line
        (only ours have it), by its pid."""
        mark = str(self.root).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                ours = (
                    mark in (entry / "cmdline").read_bytes()
                    or b"MAIL_CONFIG=" + mark in (entry / "environ").read_bytes()
                )
            except OSError:
                continue
            if ours:
                _signal(int(entry.name), signal.SIGKILL)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has finished: only its parent has yet to collect it
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except OSError:
        return False


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
