"""Consolidation: accepted returns into a summary, a master workbook and the figures for the paper."""

from xl_ni179.consolidate.master import SHEET_NAMES, write_consolidation
from xl_ni179.consolidate.summary import Summary, build_summary

__all__ = ["SHEET_NAMES", "Summary", "build_summary", "write_consolidation"]
