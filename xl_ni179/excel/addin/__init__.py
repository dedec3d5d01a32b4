"""The NI179.xlam Excel add-in: ribbon sources in ``macros/``, built by ``ni179 addin build``.

The names below load their module on first use: ``ni179`` registers the add-in commands
at start-up without importing the build (and the mail and web modules it needs). The type
checker reads the imports instead of ``__getattr__`` (which it does not see), so a misspelt
name is an error, not ``Any``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xl_ni179.excel.addin.build import (
        CONF_SHEET,
        WORKSPACE_KEY,
        AddinInfo,
        build_addin,
        read_addin,
    )
    from xl_ni179.excel.addin.sources import (
        ADDIN_FILENAME,
        RIBBON_CALLS,
        VERSION_CHECK,
        AddinBuildError,
    )
else:
    from importlib import import_module
    from typing import Any

    _FROM = {
        "ADDIN_FILENAME": "sources",
        "CONF_SHEET": "build",
        "WORKSPACE_KEY": "build",
        "AddinInfo": "build",
        "build_addin": "build",
        "read_addin": "build",
        "RIBBON_CALLS": "sources",
        "VERSION_CHECK": "sources",
        "AddinBuildError": "sources",
    }

    def __getattr__(name: str) -> Any:
        if name in _FROM:
            return getattr(import_module(f"xl_ni179.excel.addin.{_FROM[name]}"), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ADDIN_FILENAME",
    "CONF_SHEET",
    "RIBBON_CALLS",
    "VERSION_CHECK",
    "WORKSPACE_KEY",
    "AddinBuildError",
    "AddinInfo",
    "build_addin",
    "read_addin",
]
