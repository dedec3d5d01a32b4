"""The partnership: who takes part, their agreements and the collection rounds (``model``),
read from one TOML file (``load``), and the targets the agreements set (``targets``)."""

from xl_ni179.partnership.load import (
    DEFAULT_CONFIG_NAME,
    WORKSPACE_CONFIG_NAME,
    default_config_text,
    load_partnership,
    load_workspace_partnership,
    parse_partnership,
    workspace_config,
)
from xl_ni179.partnership.model import (
    CONFIG_CODE_RE,
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

__all__ = ["CONFIG_CODE_RE", "DEFAULT_CONFIG_NAME", "EMAIL_RE", "METHODS", "NI179_FIRST_YEAR", "YEAR_RE", "Agreement",
           "Funding", "Organisation", "Partnership", "Project", "Round", "Sector", "Vfm", "WORKSPACE_CONFIG_NAME",
           "default_config_text", "load_partnership", "load_workspace_partnership", "parse_partnership",
           "workspace_config", "year_key", "year_start"]
