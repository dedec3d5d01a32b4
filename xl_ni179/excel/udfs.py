"""Worksheet functions for the consolidator's own sheets: =NI179_TARGET, =NI179_GAINS, =NI179_RAG.

=NI179_GAINS(org, year) is NI 179 (gains since April 2008); =NI179_GAINS(org, year, "MAA") is
what counts towards that agreement, from its own first year, as the master workbook counts it.

The answers come from plain functions (``target``, ``gains``, ``rag``) that take a
workspace path and need no Excel, so they are tested directly. The ``@xw.func`` wrappers
at the bottom are only defined when xlwings imports, and only turn the cell's arguments
into the plain call and any problem into short text in the cell (never a traceback).

The workspace is the one the ribbon's buttons use in the same workbook (xl_ni179.store.location):
each wrapper takes xlwings' ``caller`` (the cell being calculated, which Excel does not show
as an argument), so =NI179_GAINS in the master reads the store its Consolidate button writes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xl_ni179.partnership import Partnership
    from xl_ni179.store.workspace import Workspace


class UdfError(ValueError):
    """Bad arguments in a formula; the message is what the cell shows."""


def workspace_path(caller: Any = None) -> Path:
    """The workspace of the workbook holding the cell ``caller`` (an xlwings Range), as the
    ribbon finds it; without one, as the command line would in the current folder."""
    if caller is not None:
        from xl_ni179.excel.ribbon_support import read_settings

        return read_settings(caller.sheet.book).workspace
    from xl_ni179.store.location import locate_workspace

    return locate_workspace().path


@lru_cache(maxsize=8)
def _partnership(
    config: str, mtime: float
) -> Partnership:  # imported lazily: a worksheet function starts fast
    # Keyed on the file's modification time so an edited configuration is picked up.
    from xl_ni179.partnership import load_partnership

    return load_partnership(config or None)  # "" means the built-in configuration


def partnership_for(workspace: Path) -> Partnership:
    """The workspace's partnership; the built-in one if the folder has no configuration."""
    from xl_ni179.partnership.load import workspace_config

    config = workspace_config(workspace)
    if config is not None:
        return _partnership(str(config), config.stat().st_mtime)
    return _partnership("", 0.0)


@lru_cache(maxsize=4)
def _workspace(path: str) -> Workspace:
    # Opening a workspace builds a database engine: do it once per folder, not per cell.
    from xl_ni179.store.workspace import Workspace

    return Workspace(path)


def _text(value: Any, what: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UdfError(f"NI179: {what} is blank")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number arrives as a float
    return str(value).strip()


def _organisation(p: Any, code: Any) -> Any:
    text = _text(code, "organisation code")
    org = p.find_organisation(text) or p.find_organisation(text.upper())
    if org is None:
        raise UdfError(f"NI179: unknown organisation '{text}'")
    return org


def _year(value: Any) -> str:
    from xl_ni179.partnership import YEAR_RE

    text = _text(value, "year")
    if not YEAR_RE.match(text):
        raise UdfError(f"NI179: year '{text}' must be written like 2009/10")
    return text


def _agreement(p: Any, value: Any) -> Any:
    code = _text(value, "agreement code")
    agreement = next((a for a in p.agreements if a.code.upper() == code.upper()), None)
    if agreement is None:
        known = ", ".join(a.code for a in p.agreements)
        raise UdfError(f"NI179: unknown agreement '{code}' (known: {known})")
    return agreement


def target(
    org_code: Any,
    year: Any,
    agreement_code: Any,
    cumulative: bool = False,
    workspace: Path | None = None,
    caller: Any = None,
) -> float | str:
    """The organisation's target (£000) in the agreement for the year; "" when the
    organisation is not a member or the agreement sets no target for that year."""
    from xl_ni179.partnership import targets

    p = partnership_for(workspace or workspace_path(caller))
    org = _organisation(p, org_code)
    year = _year(year)
    agreement = _agreement(p, agreement_code)
    if org.code not in agreement.members:
        return ""
    how = targets.cumulative_target if cumulative else targets.annual_target
    value = how(agreement, float(org.baseline), year)
    return "" if value is None else value


def _latest_return(
    org_code: Any, workspace: Path | None, caller: Any = None
) -> tuple[Any, Any, Any]:
    """(partnership, organisation, latest accepted Report or None) across all rounds."""
    store = _workspace(str(workspace or workspace_path(caller)))
    p = store.partnership
    org = _organisation(p, org_code)
    return p, org, store.latest_accepted_report(org.code)


def gains(
    org_code: Any,
    year: Any,
    agreement_code: Any = None,
    workspace: Path | None = None,
    caller: Any = None,
) -> float | str:
    """Net cumulative gains (£000) for the year from the organisation's latest accepted
    return: NI 179 (since April 2008), or with an agreement the gains that count towards it
    (since the agreement's first year, as the master workbook counts them). "" when there is
    no return, no figure for that year, or the organisation is not in the agreement."""
    from xl_ni179.consolidate.frames import gains_frame
    from xl_ni179.partnership import targets

    year = _year(year)
    p, org, report = _latest_return(org_code, workspace, caller)
    agreement = None if agreement_code in (None, "") else _agreement(p, agreement_code)
    if report is None or (agreement is not None and org.code not in agreement.members):
        return ""
    rnd = p.round(report.round_id)
    if year not in rnd.years:
        return ""
    # The consolidation's own arithmetic, so the cell agrees with the master sheets.
    rows = gains_frame(p, rnd, {org.code: report.values})
    ni179 = {g["year"]: g["net"] if g["has_figure"] else None for g in rows}
    value = ni179.get(year) if agreement is None else targets.counted_gains(agreement, year, ni179)
    return "" if value is None or value != value else float(value)  # NaN: no figure


def rag(org_code: Any, year: Any, workspace: Path | None = None, caller: Any = None) -> str:
    """Green/Amber/Red (or 'Not rated') for a forecast year of the latest accepted
    return; "" when there is no return or the year is not a forecast year in it."""
    from xl_ni179.consolidate.scores import rating
    from xl_ni179.spec.schema import rag_name

    year = _year(year)
    p, _, report = _latest_return(org_code, workspace, caller)
    if report is None or year not in p.round(report.round_id).forecast_years:
        return ""
    return rating(report.values.get(rag_name(year)))


def _safely(fn: Any, *args: Any) -> Any:
    """Run a UDF body; a problem becomes short text in the cell, not a Python error box."""
    try:
        return fn(*args)
    except UdfError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - a worksheet cell must never show a traceback
        from xl_ni179.errors import Ni179Error

        if isinstance(exc, Ni179Error):
            return f"NI179: {exc}"
        return f"NI179: {type(exc).__name__}: {exc}"


try:  # The decorated layer: absent where xlwings is not installed (the plain functions still work).
    import xlwings as xw

    HAVE_XLWINGS = True
except ImportError:  # pragma: no cover - xlwings is a dependency of the add-in only
    HAVE_XLWINGS = False

if HAVE_XLWINGS:

    @xw.func
    @xw.arg("cumulative", doc="TRUE for the cumulative target; FALSE (default) for the in-year one")
    def NI179_TARGET(
        org_code: str,
        year: str,
        agreement_code: str,  # named as Excel names functions
        cumulative: bool = False,
        caller: Any = None,
    ) -> float | str:
        """NI 179 target (£000) of an organisation in an agreement for a year, e.g. ("LCC", "2009/10", "MAA")."""
        return _safely(target, org_code, year, agreement_code, bool(cumulative), None, caller)

    @xw.func
    @xw.arg(
        "agreement_code",
        doc="optional: an agreement code (e.g. MAA) to count only the gains since "
        "that agreement's first year",
    )
    def NI179_GAINS(
        org_code: str, year: str, agreement_code: str = "", caller: Any = None
    ) -> float | str:
        """Net cumulative cash-releasing gains (£000) from the organisation's latest accepted return;
        with an agreement, the gains counted towards it (e.g. "MAA": since April 2009)."""
        return _safely(gains, org_code, year, agreement_code or None, None, caller)

    @xw.func
    def NI179_RAG(org_code: str, year: str, caller: Any = None) -> str:
        """Forecast confidence (Green/Amber/Red) for a year from the latest accepted return."""
        return _safely(rag, org_code, year, None, caller)
