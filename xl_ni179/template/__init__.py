"""The partner return workbook: built from the schema and the rule set."""

from xl_ni179.template.builder import build_template, template_filename, write_templates

__all__ = ["build_template", "template_filename", "write_templates"]
