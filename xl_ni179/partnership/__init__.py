"""The partnership: who takes part, their agreements and the collection rounds (``model``),
read from one TOML file (``load``), and the targets the agreements set (``targets``)."""

from xl_ni179.partnership.load import DEFAULT_CONFIG_NAME, default_config_text, load_partnership, parse_partnership
from xl_ni179.partnership.model import (
    CODE_RE,
    EMAIL_RE,
    METHODS,
    NI179_FIRST_YEAR,
    YEAR_RE,
    Agreement,
    Funding,
    Organisation,
    Partnership,
    Project,
    Round,
    Sector,
    Vfm,
    year_key,
    year_start,
)

__all__ = ["CODE_RE", "DEFAULT_CONFIG_NAME", "EMAIL_RE", "METHODS", "NI179_FIRST_YEAR", "YEAR_RE", "Agreement",
           "Funding", "Organisation", "Partnership", "Project", "Round", "Sector", "Vfm", "default_config_text",
           "load_partnership", "parse_partnership", "year_key", "year_start"]
