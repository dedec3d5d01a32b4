"""Several `ni179` commands on one store at once, as real processes on real SQLite files (and a
live PostgreSQL): eight receives of one file or of different files, and a store held by
another program.

Before the store took turns (BEGIN IMMEDIATE, one recording transaction, unique indexes),
eight receives of one file at once gave raw IntegrityError tracebacks, lost receipts, a
second "version 2" of the same file and, twice, a stored file deleted while the store still
referred to it (issue 18, item 9).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from xl_ni179.store.models import StoredFile, Submission
from xl_ni179.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
NI179 = [sys.executable, "-m", "xl_ni179"]  # the `ni179` command
ROUND = "2008-09-review"
MELTON = "finance@melton.example.org"
AT_ONCE = 8


def run_at_once(
    commands: list[list[str]], env: dict[str, str], timeout: float = 240
) -> list[tuple[int, str, str]]:
    """Start every command before waiting for any; (exit code, stdout, stderr) of each."""
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        for cmd in commands
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=timeout)
        out.append((proc.returncode, stdout.decode(), stderr.decode()))
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.real_component)])
def store(request, tmp_path):
    """A workspace and the environment its commands run in (SQLite file, or a shared PostgreSQL)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NI179_DATABASE_URL", None)
    url = None
    if request.param == "postgresql":
        from helpers.pgserver import fresh_database

        url = fresh_database(request.getfixturevalue("postgres"))
        env["NI179_DATABASE_URL"] = url
    ws = Workspace.init(tmp_path / "ws", url=url)
    yield ws, env
    ws.engine.dispose()


def check_store(ws: Workspace) -> list[Submission]:
    """Every stored file the store refers to is there, with the bytes of its hash."""
    with ws.reading() as s:
        files = s.query(StoredFile).all()
    for f in files:
        data = (ws.path / f.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f.sha256, f"{f.path} is missing or changed"
    return ws.submissions()


@pytest.mark.slow
def test_eight_receives_of_one_file_at_once(store, returns_dir):
    ws, env = store
    path = returns_dir / "NI179_MELTON_2008-09-review.xlsx"
    rounds = 2
    for attempt in range(rounds):
        results = run_at_once(
            [
                [*NI179, "--workspace", str(ws.path), "receive", str(path), "--sender", MELTON]
                for _ in range(AT_ONCE)
            ],
            env,
        )
        for code, out, err in results:
            assert code == 0, err
            assert "Traceback" not in err and "Error" not in err, err
            assert out.count(str(path)) == 1, out  # each run printed its receipt
        said = Counter("ACCEPTED (version 1)" in out for _, out, _ in results)
        assert said[True] == (1 if attempt == 0 else 0), (
            results
        )  # accepted once, in the first round only
    subs = check_store(ws)
    assert len(subs) == rounds * AT_ONCE  # no receipt lost
    assert Counter(s.outcome for s in subs) == {"accepted": 1, "duplicate": rounds * AT_ONCE - 1}
    assert {s.version for s in subs} == {1}  # never a second version of the same file
    assert len(list((ws.path / "files").rglob("*.xlsx"))) == 1
    assert not list((ws.path / "files").rglob("*.part"))


@pytest.mark.slow
def test_eight_receives_of_different_files_at_once(store, make_return):
    ws, env = store
    # Two organisations, four different returns each, plus one file received twice at once.
    files = [make_return("MELTON", {"gains_procurement_2008_09": 60.0 + i}) for i in range(4)]
    files += [make_return("NWL", {"gains_procurement_2008_09": 30.0 + i}) for i in range(3)]
    files.append(files[0])
    senders = [MELTON] * 4 + ["finance@nwleics.example.org"] * 3 + [MELTON]
    results = run_at_once(
        [
            [*NI179, "--workspace", str(ws.path), "receive", str(f), "--sender", who]
            for f, who in zip(files, senders, strict=True)
        ],
        env,
    )
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err and "Error" not in err, err
    subs = check_store(ws)
    assert len(subs) == len(files)
    originals = [s for s in subs if s.outcome != "duplicate"]
    assert Counter(s.outcome for s in subs) == {"accepted": 7, "duplicate": 1}
    # Each organisation's versions are 1, 2, 3... with none given twice, in the order recorded.
    for code, count in (("MELTON", 4), ("NWL", 3)):
        mine = sorted((s.id, s.version) for s in originals if s.org_code == code)
        assert [v for _, v in mine] == list(range(1, count + 1)), mine
    assert len(list((ws.path / "files").rglob("*.xlsx"))) == 7


HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("holding", flush=True)
time.sleep(120)
"""

HOLD_NI179 = """
import sys, time
from xl_ni179.store.activity import set_activity
from xl_ni179.store.workspace import Workspace
set_activity("ni179 consolidate")
ws = Workspace(sys.argv[1])
with ws.session() as s:
    ws.audit("test-hold", {}, session=s)
    s.flush()
    print("holding", flush=True)
    time.sleep(120)
"""


def hold(script: str, arg: str, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, arg],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"holding", proc.stderr
    return proc


def end(holder: subprocess.Popen) -> None:
    """Kill a holder, wait for it and close its pipes."""
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=10)


@pytest.mark.slow
def test_a_locked_store_waits_a_bounded_time_then_names_the_holder(tmp_path, returns_dir):
    ws = Workspace.init(tmp_path / "ws")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NI179_LOCK_WAIT": "2"}
    env.pop("NI179_DATABASE_URL", None)
    receive = [
        *NI179,
        "--workspace",
        str(ws.path),
        "receive",
        str(returns_dir / "NI179_NWL_2008-09-review.xlsx"),
    ]

    # Another program (here a plain sqlite3 session) holds the file's lock.
    holder = hold(HOLD, str(ws.path / "ni179.sqlite"), env)
    try:
        started = time.monotonic()
        ((code, out, err),) = run_at_once([receive], env, timeout=60)
        waited = time.monotonic() - started
    finally:
        end(holder)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    assert err.startswith("Error: The returns store (") and "is busy" in err
    assert f"(process {holder.pid}, running since " in err, err  # found through /proc
    assert "Waited 2 seconds, so this command stopped" in err and "NI179_LOCK_WAIT" in err
    assert waited < 20, waited

    # An ni179 command holds the write lock: it says what it is and since when. Reading goes on.
    holder = hold(HOLD_NI179, str(ws.path), env)
    try:
        ((code, out, err),) = run_at_once([receive], env, timeout=60)
        status = run_at_once(
            [[*NI179, "--workspace", str(ws.path), "status", "--round", ROUND]], env, 60
        )
    finally:
        end(holder)
    assert code == 2 and "Traceback" not in err, err
    assert f"ni179 consolidate (process {holder.pid}, since " in err, err
    assert status[0][0] == 0, status  # `ni179 status` only reads: a writer does not hold it up

    # The holder died holding the lock: the store is free again at once.
    ((code, out, err),) = run_at_once([receive], env, timeout=120)
    assert code == 0 and "ACCEPTED" in out, err
    print(f"\nbusy store: gave up after {waited:.1f} s (NI179_LOCK_WAIT=2)")


HOLD_PG = """
import sys, time
from sqlalchemy import create_engine, text
from xl_ni179.store.locks import _key
engine = create_engine(sys.argv[1], connect_args={"application_name": "ni179 consolidate (test)"})
with engine.connect() as conn:
    conn.execute(text("BEGIN"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _key("ni179-receive")})
    print("holding", flush=True)
    time.sleep(120)
"""


@pytest.mark.slow
def test_a_busy_shared_database_names_the_session_holding_it(tmp_path, postgres, returns_dir):
    from helpers.pgserver import fresh_database

    url = fresh_database(postgres)
    ws = Workspace.init(tmp_path / "ws", url=url)
    ws.engine.dispose()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NI179_LOCK_WAIT": "2", "NI179_DATABASE_URL": url}
    holder = hold(HOLD_PG, url, env)
    try:
        ((code, out, err),) = run_at_once(
            [
                [
                    *NI179,
                    "--workspace",
                    str(ws.path),
                    "receive",
                    str(returns_dir / "NI179_NWL_2008-09-review.xlsx"),
                ]
            ],
            env,
            60,
        )
    finally:
        end(holder)
    assert code == 2 and "Traceback" not in err, err
    assert (
        "The returns store (the shared database) is busy: held by ni179 consolidate (test) (database session "
        in err
    ), err
    assert "Waited 2 seconds, so this command stopped and recorded nothing more" in err
    with Workspace(ws.path, url=url) as again:
        assert again.submissions() == []


def test_a_store_with_receipts_recorded_at_once_before_is_repaired_on_upgrade(tmp_path, store_url):
    """Migration 0003: a later copy of a verdict becomes a duplicate of the first, versions are
    numbered again in the order received, and the unique indexes then refuse the race."""
    import datetime as dt

    from alembic import command
    from sqlalchemy import create_engine, insert, select
    from sqlalchemy.exc import IntegrityError

    from xl_ni179.store.migrate import alembic_config
    from xl_ni179.store.models import AuditEntry

    engine = create_engine(store_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        at = dt.datetime(2009, 5, 12, 9)
        conn.execute(
            insert(StoredFile.__table__),
            [{"sha256": "a" * 64, "size": 1, "path": "f", "first_seen": at}],
        )
        rows = [  # (verdict key, outcome, version, duplicate_of), as the race recorded them
            ("K1", "accepted", 1, None),
            ("K1", "accepted", 2, None),
            ("K2", "rejected", 2, None),
            ("K1", "duplicate", 2, 2),
        ]
        conn.execute(
            insert(Submission.__table__),
            [
                {
                    "id": i,
                    "round_id": ROUND,
                    "org_code": "MELTON",
                    "sha256": "a" * 64,
                    "verdict_key": key,
                    "sender": MELTON,
                    "original_name": "r.xlsx",
                    "source": "cli",
                    "received_at": at,
                    "outcome": outcome,
                    "version": version,
                    "duplicate_of": dup,
                    "errors": 0,
                    "warnings": 0,
                    "report": {},
                }
                for i, (key, outcome, version, dup) in enumerate(rows, start=1)
            ],
        )
    engine.dispose()
    ws = Workspace.init(tmp_path / "ws", url=store_url)  # brings the store up to date
    got = [(s.id, s.outcome, s.version, s.duplicate_of) for s in ws.submissions()]
    assert got == [
        (1, "accepted", 1, None),
        (2, "duplicate", 1, 1),
        (3, "rejected", 2, None),
        (4, "duplicate", 1, 1),
    ]
    with ws.reading() as s:
        repair = s.scalars(select(AuditEntry).where(AuditEntry.action == "repair")).one()
    assert [c["submission"] for c in repair.detail["changes"]] == [2, 4]
    with pytest.raises(IntegrityError), ws.session() as s:
        s.add(
            Submission(
                round_id=ROUND,
                org_code="MELTON",
                sha256="a" * 64,
                verdict_key="K1",
                sender=MELTON,
                source="cli",
                received_at=dt.datetime(2009, 5, 13),
                outcome="accepted",
                version=3,
                errors=0,
                warnings=0,
                report={},
            )
        )
    ws.engine.dispose()
