"""Which workspace: the command line, the ribbon, the worksheet functions and every help text
give one answer (xl_ni179.store.location).

For each source, that source and every one below it name a different folder; the CLI's
`init` must create the workspace where the source under test says, the ribbon's Settings
button (on xlwings' remote engine, in a copy of the master workbook) must report that folder,
and =NI179_TARGET called from a cell of the same workbook must read that workspace's
configuration. The add-in's own settings are Excel's alone (they are read only when the
engine is Excel), so they are not among the sources run here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.remote_book import MASTER, Replay, remote_book
from openpyxl import load_workbook

from xl_ni179.cli import main
from xl_ni179.excel import ribbon, udfs
from xl_ni179.excel.master_book import SETTINGS
from xl_ni179.excel.ribbon_support import read_settings
from xl_ni179.partnership import default_config_text
from xl_ni179.store.location import DEFAULT_NAME, ORDER, SAID, USER_CONF, Origin, locate_workspace

DOCS = Path(__file__).resolve().parents[1] / "docs"
BASELINE = 100000  # LCC's baseline in the marked configuration (the built-in one says 296700)
SOURCES = [Origin.CHOSEN, Origin.USER_CONF, Origin.ENVIRONMENT, Origin.DEFAULT]


@pytest.fixture
def places(tmp_path, monkeypatch) -> dict[Origin, Path]:
    """A folder per source; the master workbook copied into its own folder, which is also
    the command line's current folder (so both doors' default is the same folder)."""
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings' remote engine
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NI179_WORKSPACE", raising=False)
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(MASTER, books / MASTER.name)
    monkeypatch.chdir(books)
    return {
        Origin.CHOSEN: tmp_path / "chosen",
        Origin.USER_CONF: tmp_path / "from-conf",
        Origin.ENVIRONMENT: tmp_path / "from-env",
        Origin.DEFAULT: books / DEFAULT_NAME,
    }


def _set_sources_from(source: Origin, places: dict[Origin, Path], monkeypatch) -> str | None:
    """Set ``source`` and every source after it; the folder the door's own choice names, if set."""
    rank = ORDER.index(source)
    if rank <= ORDER.index(Origin.USER_CONF):
        conf = Path.home() / USER_CONF
        conf.parent.mkdir(parents=True)
        conf.write_text(
            f'"Interpreter_Win","python"\n"NI179_Workspace","{places[Origin.USER_CONF]}"\n', "utf-8"
        )
    if rank <= ORDER.index(Origin.ENVIRONMENT):
        monkeypatch.setenv("NI179_WORKSPACE", str(places[Origin.ENVIRONMENT]))
    return str(places[Origin.CHOSEN]) if source == Origin.CHOSEN else None


@pytest.mark.parametrize("source", SOURCES, ids=str)
def test_the_command_line_the_ribbon_and_the_worksheet_functions_agree(
    source, places, tmp_path, monkeypatch
):
    chosen = _set_sources_from(source, places, monkeypatch)
    expected = places[source]
    config = tmp_path / "marked.toml"
    config.write_text(
        default_config_text().replace("baseline = 296700", f"baseline = {BASELINE}"), "utf-8"
    )

    # The command line: `init` creates the workspace where the source says, and nowhere else.
    result = CliRunner().invoke(
        main, [*(["--workspace", chosen] if chosen else []), "init", "--config", str(config)]
    )
    assert result.exit_code == 0, result.output
    assert [p for p in places.values() if (p / "config.toml").exists()] == [expected]

    # The ribbon: the Settings button, clicked in the master, reports that folder.
    master = Path.cwd() / MASTER.name
    book = remote_book(master, name=str(master), **({"ni179_workspace": chosen} if chosen else {}))
    assert read_settings(book).workspace == expected
    assert ribbon.settings(book) is True
    assert str(expected) in Replay.of(book).alerts[0]["prompt"]

    # The worksheet function, in a cell of the same workbook, reads that workspace's configuration.
    cell = book.sheets[SETTINGS]["D1"]
    assert udfs.NI179_TARGET("LCC", "2008/09", "COUNTY_LAA", caller=cell) == pytest.approx(
        BASELINE * 0.03
    )


def test_a_relative_setting_is_taken_from_beside_the_workbook(tmp_path):
    located = locate_workspace(chosen="shared/ni179", base=tmp_path / "books")
    assert (
        located.path == tmp_path / "books" / "shared" / "ni179" and located.origin == Origin.CHOSEN
    )
    assert locate_workspace(chosen=Path("rel")).path == Path(
        "rel"
    )  # the command line's: the current folder


def _spoken(text: str) -> str:
    return " ".join(text.split())


def _help_texts() -> dict[str, str]:
    settings = load_workbook(MASTER)[SETTINGS]
    (help_text,) = [
        row[2] for row in settings.iter_rows(values_only=True) if row[0] == "Workspace folder"
    ]
    cli = CliRunner().invoke(main, ["--help"], terminal_width=200).output
    return {"master's Settings sheet": _spoken(help_text), "ni179 --help": _spoken(cli)}


@pytest.mark.parametrize("source", ORDER[1:], ids=str)
def test_every_help_text_names_each_source_in_the_one_order(source):
    for where, text in _help_texts().items():
        if source == Origin.ADDIN and where == "ni179 --help":
            assert SAID[source] not in text  # the command line never reads the add-in's settings
            continue
        assert SAID[source] in text, where
        later = [SAID[o] for o in ORDER[ORDER.index(source) + 1 :]]
        assert all(text.index(SAID[source]) < text.index(s) for s in later), where
    docs = _spoken((DOCS / "store.md").read_text("utf-8"))
    words = {
        Origin.ADDIN: "add-in's own settings",
        Origin.USER_CONF: "~/.ni179/ni179.conf",
        Origin.ENVIRONMENT: "`NI179_WORKSPACE` environment variable",
        Origin.DEFAULT: f"`{DEFAULT_NAME}` beside",
    }
    assert docs.index("`--workspace`") < docs.index(words[source])
    assert all(
        docs.index(words[source]) < docs.index(words[o]) for o in ORDER[ORDER.index(source) + 1 :]
    )
