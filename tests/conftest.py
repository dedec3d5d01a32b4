"""Shared fixtures: the built-in partnership, templates, the demo returns, LibreOffice, mail servers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers import components
from helpers.components import require_component
from helpers.libreoffice import INSTALL_HINT, soffice

from xl_ni179.demo.data import DEMO_ROUND, demo_returns
from xl_ni179.partnership import load_partnership
from xl_ni179.template import template_filename, write_templates
from xl_ni179.template.fill import fill_workbook

if TYPE_CHECKING:
    from helpers.mailstack import MailStack

    from xl_ni179.store.workspace import Workspace

# Fixtures that start a real program or server: a test that uses one is marked real_component.
COMPONENT_FIXTURES = {"libreoffice", "postgres", "dovecot"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if COMPONENT_FIXTURES & set(
            getattr(item, "fixturenames", ())
        ):  # the fixtures they use, and theirs
            item.add_marker(pytest.mark.real_component)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    components.current_test = item  # require_component checks the test that asks is marked


@pytest.fixture(scope="session")
def partnership():
    return load_partnership()


@pytest.fixture(scope="session")
def demo_round(partnership):
    return partnership.round(DEMO_ROUND)


@pytest.fixture(scope="session")
def templates_dir(tmp_path_factory, partnership, demo_round) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_templates(partnership, demo_round, out)
    return out


@pytest.fixture(scope="session")
def demo_data(partnership, demo_round) -> dict:
    return demo_returns(partnership, demo_round)


@pytest.fixture(scope="session")
def returns_dir(tmp_path_factory, partnership, demo_round, templates_dir, demo_data) -> Path:
    out = tmp_path_factory.mktemp("returns")
    for code, data in demo_data.items():
        name = template_filename(code, demo_round.id)
        fill_workbook(partnership, templates_dir / name, data, out / name)
    return out


@pytest.fixture
def make_return(tmp_path, partnership, demo_round, templates_dir, demo_data):
    """Fill ``code``'s template with the demo data changed by ``changes``; returns the path."""
    counter = iter(range(10_000))

    def make(code: str = "MELTON", changes: dict | None = None, name: str | None = None) -> Path:
        data = {**demo_data[code], **(changes or {})}
        out = tmp_path / (name or f"{code}-{next(counter)}.xlsx")
        fill_workbook(
            partnership, templates_dir / template_filename(code, demo_round.id), data, out
        )
        return out

    return make


@pytest.fixture(scope="session")
def libreoffice() -> str:
    exe = soffice()
    require_component(exe is not None, INSTALL_HINT)
    return exe  # type: ignore[return-value]


@pytest.fixture(scope="session")
def postgres():
    """A live PostgreSQL server for the session (URL prefix)."""
    from helpers.pgserver import INSTALL_HINT, bin_dir, postgres_server

    require_component(bin_dir() is not None, INSTALL_HINT)
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.real_component)])
def store_url(request, tmp_path):
    """Each store test runs against SQLite and against a live PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    from helpers.pgserver import fresh_database

    return fresh_database(request.getfixturevalue("postgres"))


@pytest.fixture
def copy_of(tmp_path):
    def copy(path: Path, name: str | None = None) -> Path:
        target = tmp_path / (name or path.name)
        shutil.copyfile(path, target)
        return target

    return copy


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """State how many real-program returns were accepted with identical figures, and how many
    mutated files were accepted with Calc agreeing."""
    from helpers.corpus_report import DIFFERENTIAL, RESULTS, summary_line

    differential = config.stash.get(DIFFERENTIAL, None)
    if differential:
        terminalreporter.write_sep("-", "differential test (LibreOffice Calc as the oracle)")
        terminalreporter.write_line(differential)
    results = config.stash.get(RESULTS, None)
    if results:
        terminalreporter.write_sep("-", "real spreadsheet programs")
        terminalreporter.write_line(summary_line(results))
        failed = sorted(name for name, ok in results.items() if not ok)
        if failed:
            terminalreporter.write_line("not accepted or figures differ: " + ", ".join(failed))


# A loopback IMAP server and SMTP sink, one of each per test module; each test starts with an
# empty sink. (Modules that need another lifetime define their own.)
@pytest.fixture(scope="module")
def dovecot():
    from helpers.mailservers import Dovecot

    server = Dovecot()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sink():
    from helpers.mailservers import SmtpSink

    server = SmtpSink()
    yield server
    server.stop()


@pytest.fixture
def smtp(sink):
    sink.clear()
    return sink


# The real mail stack (helpers.mailstack), the partners' returns its tests send, and a fresh
# workspace, shared by the mail stack's test modules (test_mail_stack_*.py); like the servers
# above, one stack per test module. (Modules that need other books or another workspace
# define their own.)
@pytest.fixture(scope="module")
def stack() -> Iterator[MailStack]:
    from helpers.mailstack import MailStack

    server = MailStack()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    """Each partner's filled return (and Melton's with an error) as .xlsx files."""
    from helpers.mailstack_intake import partner_books

    return partner_books(tmp_path_factory.mktemp("books"))


@pytest.fixture
def ws(tmp_path) -> Workspace:
    from xl_ni179.store.workspace import Workspace

    return Workspace.init(tmp_path / "ws")
