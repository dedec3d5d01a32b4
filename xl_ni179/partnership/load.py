"""The partnership configuration: one TOML file, loaded into frozen dataclasses.

Loading checks everything a later step relies on, and reports every problem in the file
at once (``ConfigError.problems``), each with its key path, its line and what to do:

- every key must be one the configuration knows: a misspelt one (``closses``) would
  otherwise be ignored and the round would never close, so it is an error, with "did you
  mean" the key it is closest to;
- every value must be of its kind (text, number, date, list...), and every code it names
  (a sector, an organisation, a funding code, a year) must exist;
- ids and codes that become parts of file names and defined names (round ids, organisation
  and project codes) must be spelt so that every file system and Excel accept them.

The keys each table takes are declared once, in ``partnership.keys``; docs/config.md
documents each one (a test checks it). ``partnership.values`` reads and checks one value,
``partnership.tables`` each table into its dataclass. No validation library is used: the
checks are mostly references between tables, the messages are written for the
consolidator, and a library such as pydantic would add about half a second and 20 MB to
every command's start (every command loads the configuration).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from xl_ni179.errors import ConfigError
from xl_ni179.partnership.model import Partnership
from xl_ni179.partnership.tables import Reader

DEFAULT_CONFIG_NAME = "leicestershire.toml"
WORKSPACE_CONFIG_NAME = "config.toml"  # a workspace's own configuration, in its folder


def default_config_text() -> str:
    return resources.files("xl_ni179.data").joinpath(DEFAULT_CONFIG_NAME).read_text("utf-8")


def load_partnership(path: str | Path | None = None) -> Partnership:
    """Load and check a partnership file; without a path, the shipped Leicestershire one."""
    if path is None:
        return parse_partnership(default_config_text(), f"<built-in {DEFAULT_CONFIG_NAME}>")
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "", "the file does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path),
            "",
            f"cannot be read: it is not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); save it again as UTF-8",
        ) from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot be read ({exc.strerror or exc})") from None
    return parse_partnership(text, str(path))


def workspace_config(folder: str | Path) -> Path | None:
    """The workspace's configuration file, or None when the folder has none."""
    config = Path(folder) / WORKSPACE_CONFIG_NAME
    return config if config.exists() else None


def load_workspace_partnership(folder: str | Path) -> Partnership:
    """The workspace's configuration if it has one, else the built-in partnership."""
    return load_partnership(workspace_config(folder))


def parse_partnership(text: str, source: str) -> Partnership:
    """Check ``text`` and build the partnership; ``ConfigError`` lists every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"is not valid TOML: {exc}") from None
    reader = Reader(source, text)
    partnership = reader.partnership(data)
    if reader.problems:
        problems = sorted(reader.problems, key=lambda p: p.line or 0)
        raise ConfigError(source, problems=problems)
    return partnership
