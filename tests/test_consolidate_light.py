"""What `ni179 consolidate` loads and leaves behind (issue 20: a consolidation that scales).

The command's time for a large round is mostly imports and writing cells, so what it imports
is part of its speed: no data-frame library, and no PostgreSQL dialect on a SQLite store.
"""

from __future__ import annotations

import gc

import pytest
from click.testing import CliRunner
from helpers.loaded_modules import command_loads

from xl_ni179.cli import main

MELTON = "finance@melton.example.org"
HEAVY = ("pandas", "numpy", "sqlalchemy.dialects.postgresql", "openpyxl", "lxml")


@pytest.mark.slow
def test_consolidate_loads_no_data_frames_and_no_postgresql_dialect(tmp_path, make_return):
    ws = str(tmp_path / "ws")
    runner = CliRunner()
    assert runner.invoke(main, ["--workspace", ws, "init"]).exit_code == 0
    path = make_return("MELTON", {})
    result = runner.invoke(main, ["--workspace", ws, "receive", str(path), "--sender", MELTON])
    assert result.exit_code == 0, result.output
    out = tmp_path / "master.xlsx"
    args = ["--workspace", ws, "consolidate", "--round", "2008-09-review", "--out", str(out)]
    code, heavy, out_text = command_loads(args, HEAVY, tmp_path)
    assert code == 0 and out.is_file(), out_text
    assert heavy == []


def test_the_postgresql_indexes_keep_their_condition():
    """The partial unique indexes are declared for PostgreSQL only when its dialect is
    loaded anyway; the tables as the migrations describe them still carry the condition."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex

    from xl_ni179.store.schema_models import metadata

    made = {
        index.name: str(CreateIndex(index).compile(dialect=postgresql.dialect()))
        for index in metadata.tables["submissions"].indexes
        if index.name.startswith("uq_")
    }
    assert set(made) == {"uq_submissions_verdict", "uq_submissions_version"}
    assert all(text.endswith("WHERE outcome <> 'duplicate'") for text in made.values()), made


def test_consolidating_turns_the_collector_back_on(tmp_path):
    """The collector is paused while the master is written, and on again afterwards (also
    when writing fails), so a ribbon session or the intake does not keep garbage."""
    from xl_ni179.consolidate.run import collector_paused

    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the master could not be written")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
