"""The keys each table of the configuration file takes, declared once: loading refuses any
other (a misspelt key would otherwise be ignored), and docs/config.md documents each one (a
test checks it)."""

from __future__ import annotations

# The keys of each table, each documented in docs/config.md. "[]" marks an array of tables.
KEYS: dict[str, tuple[str, ...]] = {
    "": (
        "partnership",
        "sectors",
        "organisations",
        "agreements",
        "rounds",
        "vfm",
        "budget",
        "funding",
        "projects",
    ),
    "partnership": (
        "name",
        "group",
        "consolidator_name",
        "consolidator_email",
        "illustrative",
        "reply_limit_mb",
    ),
    "sectors.*": ("name", "guidance"),
    "organisations[]": ("code", "name", "short_name", "sector", "baseline", "emails"),
    "agreements[]": ("code", "name", "method", "members", "rates", "counts_from", "reported_only"),
    "rounds[]": (
        "id",
        "title",
        "actual_years",
        "forecast_years",
        "opens",
        "deadline",
        "closes",
        "template_version",
    ),
    "vfm": ("assessment", "target", "national_district_share_at_3_or_above", "scores"),
    "budget": ("laa_budget", "feasibility_spent"),
    "funding[]": ("code", "source", "purpose", "amount"),
    "projects[]": ("code", "name", "participants", "funding", "status"),
}
# What a table is called in a sentence.
TABLE_NAMES = {
    "": "the configuration",
    "partnership": "[partnership]",
    "sectors.*": "a sector",
    "organisations[]": "an organisation",
    "agreements[]": "an agreement",
    "rounds[]": "a round",
    "vfm": "[vfm]",
    "budget": "[budget]",
    "funding[]": "a funding entry",
    "projects[]": "a project",
}
