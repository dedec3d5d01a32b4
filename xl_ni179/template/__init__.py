"""The partner return workbook: built from the schema and the rule set.

The names below load the builder on first use, so that a module that only needs the
template's styles (the consolidation does) does not import the builder and the rules.
The type checker reads the imports instead of ``__getattr__`` (which it does not see), so a
misspelt name is an error, not ``Any``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xl_ni179.template.builder import build_template, template_filename, write_templates
else:
    from importlib import import_module
    from typing import Any

    def __getattr__(name: str) -> Any:
        if name in __all__:
            return getattr(import_module("xl_ni179.template.builder"), name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["build_template", "template_filename", "write_templates"]
