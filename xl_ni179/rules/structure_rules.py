"""Structure and identity rules: is this our template, for this round, from this partner,
and is everything we locked still as we left it? Checked on receipt only."""

from __future__ import annotations

from xl_ni179.rules.base import Rule, register
from xl_ni179.rules.findings import Severity


def _rule(
    code: str,
    title: str,
    message: str,
    fix: str,
    severity: Severity = "error",
    category: str = "structure",
) -> Rule:
    return register(Rule(code, severity, category, title, message, fix))


FRESH = (
    "Download a fresh template for your organisation from the consolidator, copy your figures into it "
    "and send that."
)

NOT_OUR_TEMPLATE = _rule(
    "not-ni179-template",
    "The file is an NI 179 return template.",
    "This workbook is not an NI 179 return: it has no template information.",
    FRESH,
)
TEMPLATE_OUTDATED = _rule(
    "template-version-outdated",
    "The template version is the one issued for the round.",
    "This return uses template version {found}; the {round} round uses version {expected}.",
    FRESH,
)
WRONG_ROUND = _rule(
    "wrong-round",
    "The return is for the round being collected.",
    "This return is for round '{found}', not '{expected}'.",
    "Use the template issued for the '{expected}' round.",
)
UNKNOWN_ROUND = _rule(
    "unknown-round",
    "The return's round is one the partnership defines.",
    "This return names round '{found}', which the partnership does not run.",
    FRESH,
)
UNKNOWN_ORG = _rule(
    "unknown-organisation",
    "The organisation in the file is a partner.",
    "The organisation code '{found}' in this workbook is not one of the partners.",
    FRESH,
)
ORG_MISMATCH = _rule(
    "organisation-mismatch",
    "The organisation in the hidden template information matches the Cover sheet.",
    "The template information says this return is for '{found}' but the Cover sheet says '{cover}'.",
    "The workbook has been altered. " + FRESH,
)
SENDER_MISMATCH = _rule(
    "sender-not-registered",
    "The sender is registered for the organisation in the file.",
    "This return is for {organisation} but was sent from {sender}, which is not registered for "
    "{organisation}.",
    "Send the return from your registered address, or ask the consolidator to register {sender} for "
    "{organisation}.",
)
SENDER_AMBIGUOUS = _rule(
    "sender-ambiguous",
    "The sender is registered for one organisation only.",
    "This return was sent from {sender}, which is registered for {organisations}, so nothing shows "
    "which of them sent it; it is not counted for any of them.",
    "Send the return from an address registered for your organisation alone, or ask the consolidator to "
    "register {sender} for one organisation only.",
)
SHEET_MISSING = _rule(
    "sheet-missing",
    "No sheet has been removed or renamed.",
    "The sheet '{sheet}' is missing (removed or renamed).",
    FRESH,
)
SHEET_ADDED = _rule(
    "sheet-added",
    "No sheet has been added.",
    "The workbook has a sheet '{sheet}' that the template does not have.",
    "Delete the sheet '{sheet}' (right-click its tab > Delete), or start again from a fresh template.",
)
NAME_MISSING = _rule(
    "defined-name-missing",
    "Every input's defined name is present.",
    "The defined name '{field}' ({label}) is missing from the workbook.",
    FRESH,
)
NAME_MOVED = _rule(
    "defined-name-moved",
    "Every input's defined name points where the template put it.",
    "The defined name '{field}' ({label}) now points at {found} instead of sheet {sheet}, cell {cell}.",
    "Do not insert or delete rows or cells; " + FRESH[0].lower() + FRESH[1:],
)
NAME_ADDED = _rule(
    "name-added",
    "No defined name has been added.",
    "The workbook has a defined name '{name}'{scope} that the template does not have{detail}.",
    "Delete the name '{name}' (Formulas > Name Manager in Excel, Sheet > Named Ranges and Expressions > "
    "Manage in LibreOffice), or start again from the original template: "
    + FRESH[0].lower()
    + FRESH[1:],
)
LOCKED_CHANGED = _rule(
    "locked-content-changed",
    "Locked labels, formulas and targets are unchanged.",
    "Cell {cell} on sheet {sheet} is locked, and holds {found}, but the template put {expected} there.{more}",
    "Undo the change to sheet {sheet}, cell {cell}; only the yellow input cells may be edited. If you cannot undo it, "
    + FRESH[0].lower()
    + FRESH[1:],
)
PREFILL_UNKNOWN = _rule(
    "prefill-source-unknown",
    "The figures 'as reported' come from an accepted return of yours.",
    "The 'as reported' figures on the {sheet} sheet say they come from your return for {round}, but no "
    "such accepted return of yours is on record.",
    "The workbook has been altered or was issued by another collection. " + FRESH,
)
PROTECTION_OFF = _rule(
    "protection-removed",
    "Sheet and workbook protection is still on.",
    "Protection has been removed from {what}.",
    "Protection stops labels and totals being changed by accident. " + FRESH,
    severity="warning",
)
STALE_RESULT = _rule(
    "stale-total",
    "Each calculated figure on the Gains sheet shows what its inputs add up to.",
    "Cell {cell} on sheet {sheet} ({label}) shows {shown} but its inputs add up to {expected}: the workbook was saved "
    "with results that do not match its figures, so a printed or signed copy shows the wrong amount.",
    "Recalculate the workbook (Ctrl+Alt+F9 in Excel, Ctrl+Shift+F9 in LibreOffice Calc), check "
    "sheet {sheet}, cell {cell} now shows {expected}, save it again and send that copy.",
)
INPUT_FORMULA = _rule(
    "input-is-formula",
    "Input cells hold values, not formulas.",
    "{label} in sheet {sheet}, cell {cell} contains a formula ({found}).",
    "Type the value itself in sheet {sheet}, cell {cell} (copy the cell and use Paste Special > Values).",
)
INPUT_FORMAT_CHANGED = _rule(
    "input-format-changed",
    "Each input cell keeps the template's number format, so it shows the figure we record.",
    "{label} in sheet {sheet}, cell {cell} shows {shown}, but the figure we would record there is {value}: "
    "the cell's number format was changed to '{format}'{when}.",
    "{undo} Then enter {entry} in sheet {sheet}, cell {cell}, check it shows what you entered, and save again.",
)
INPUT_HIDDEN = _rule(
    "input-hidden",
    "Each input cell shows what it holds.",
    "{label} in sheet {sheet}, cell {cell} holds {value}, but the cell does not show it: {reason}.",
    "{undo} Then check sheet {sheet}, cell {cell} shows what you entered, and save again.",
)

# Cross-return rules compare a return with the organisation's earlier accepted one.
GAINS_WITHDRAWN = _rule(
    "gains-withdrawn",
    "Ongoing gains reported before are still reported.",
    "{label} is £{value:,.0f}k, lower than the £{before:,.0f}k reported in your previous accepted return "
    "({previous}).",
    "NI 179 counts gains that last; check sheet {sheet}, cell {cell}, or explain on the Checks sheet why the gain "
    "has ended.",
    severity="warning",
    category="cross-return",
)
RESUBMISSION_CHANGED = _rule(
    "resubmission-changed",
    "A resubmission's actual figures match the version it replaces.",
    "{label} changed from £{before:,.0f}k to £{value:,.0f}k since the version you sent before.",
    "Confirm the new figure in sheet {sheet}, cell {cell} is right and say why it changed on the Checks sheet.",
    severity="warning",
    category="cross-return",
)
HYPERLINK = _rule(
    "hyperlink-not-allowed",
    "No cell links anywhere, except the link Calc makes of the contact email address typed in its own cell.",
    "Cell {cell} on sheet {sheet} holds a link to {target}.",
    "Remove the link (right-click sheet {sheet}, cell {cell}, then Remove Hyperlink) and send the workbook again; type "
    "plain text only. A link to a web page or a network folder can lead whoever opens the return "
    "somewhere harmful, so a return with one is not accepted.",
)
