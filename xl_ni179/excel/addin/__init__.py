"""The NI179.xlam Excel add-in: ribbon sources in ``macros/``, built by ``ni179 addin build``."""

from xl_ni179.excel.addin.build import (
    ADDIN_FILENAME,
    CONF_SHEET,
    WORKSPACE_KEY,
    AddinInfo,
    build_addin,
    read_addin,
)
from xl_ni179.excel.addin.sources import RIBBON_CALLS, VERSION_CHECK, AddinBuildError

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
