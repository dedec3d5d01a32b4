"""The partner return workbook: built from the schema and the rule set.

The names below load the builder on first use, so that a module that only needs the
template's styles (the consolidation does) does not import the builder and the rules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xl_ni179.template.builder import build_template, template_filename, write_templates

__all__ = ["build_template", "template_filename", "write_templates"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("xl_ni179.template.builder"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
