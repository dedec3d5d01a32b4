"""Data rules: what is checked in the figures a partner entered.

Each is checked twice, by the same check (``xl_ni179.checks.data``): live on the
template's Checks sheet as the partner types, and on receipt.
"""

from __future__ import annotations

from xl_ni179.rules.base import Rule, register
from xl_ni179.rules.findings import Severity


def _rule(code: str, severity: Severity, title: str, message: str, fix: str) -> Rule:
    return register(Rule(code, severity, "data", title, message, fix, in_workbook=True))


REQUIRED = _rule(
    "required-missing",
    "error",
    "Every required input is filled in.",
    "{label} is blank.",
    "Enter a value in sheet {sheet}, cell {cell}. For money, enter 0 if there were none.",
)
NOT_NUMBER = _rule(
    "money-not-a-number",
    "error",
    "Money cells hold plain numbers (£000).",
    "{label} is '{value}', which is not a number.",
    "Type the amount in £000 as a plain number in sheet {sheet}, cell {cell}: no £ sign, commas or words "
    "(for example 1250.5); enter 0 if there were none.",
)
NEGATIVE = _rule(
    "money-negative",
    "error",
    "Money cells are not negative.",
    "{label} is negative ({value}).",
    "Gains and costs are entered as positive amounts; correct sheet {sheet}, cell {cell}.",
)
OUT_OF_RANGE = _rule(
    "money-out-of-range",
    "error",
    "Money cells hold an amount a partner could really have: no more than £10bn (10,000,000 in £000).",
    "{label} is {value}, beyond any real amount: no figure in a return can exceed {limit:,.0f} (£000), "
    "which is £10bn, more than four times the whole partnership's annual spending.",
    "Type the amount in £000 in sheet {sheet}, cell {cell} (for example 1250.5 for £1.25m), no more than {limit:,.0f}; "
    "check it was not entered in pounds or pasted from another cell.",
)
RAG_INVALID = _rule(
    "rag-not-recognised",
    "error",
    "Forecast ratings are Green, Amber or Red.",
    "The rating '{value}' for {year} is not Green, Amber or Red.",
    "Choose Green, Amber or Red from the drop-down list in sheet {sheet}, cell {cell}, or leave it empty if you "
    "cannot rate the year.",
)
COMMENTARY = _rule(
    "rag-commentary-missing",
    "error",
    "An Amber or Red forecast has a commentary.",
    "The {year} forecast is rated {value} but has no commentary.",
    "Explain the risks to the {year} target in sheet {sheet}, cell {cell}.",
)
EMAIL_INVALID = _rule(
    "signoff-email-invalid",
    "error",
    "The contact email looks like an email address.",
    "The contact email '{value}' is not a valid email address.",
    "Enter one email address, like name@council.gov.uk, in sheet {sheet}, cell {cell}.",
)
DATE_INVALID = _rule(
    "signoff-date-invalid",
    "error",
    "The sign-off date is a date.",
    "The sign-off date '{value}' cannot be read as a date.",
    "Type the date the return was signed off in sheet {sheet}, cell {cell}, day first or year first: "
    "{examples}. The grey cell beside it shows the date as it is read.",
)
NET_MISMATCH = _rule(
    "net-not-gross-minus-costs",
    "error",
    "Each net gain equals gross gains less costs.",
    "The net gain in sheet {sheet}, cell {cell} does not equal gross gains less costs ({expected:,.1f}).",
    "Do not type over the net gains: download a fresh template or undo the change to sheet {sheet}, cell {cell}.",
)
TOTAL_MISMATCH = _rule(
    "total-mismatch",
    "error",
    "Each total equals the sum of its lines.",
    "The {kind} total for {year} in sheet {sheet}, cell {cell} does not equal the sum of its lines ({expected:,.1f}).",
    "Do not type over totals: undo the change to sheet {sheet}, cell {cell} or start again from a fresh template.",
)
IMPLAUSIBLE = _rule(
    "gains-implausible",
    "warning",
    "Gross gains are not implausibly large against the baseline.",
    "Gross gains for {year} are £{value:,.0f}k, more than {limit:.0%} of your 2007/08 baseline.",
    "Check the {year} figures are in £000 (not £) and cumulative since April 2008; if they are right, "
    "explain them on the Checks sheet.",
)
BELOW_PREVIOUS = _rule(
    "forecast-below-previous",
    "warning",
    "A forecast year's net gains are not below the year before.",
    "Net gains forecast for {year} (£{value:,.0f}k) are lower than for {previous} (£{before:,.0f}k).",
    "Gains are cumulative and ongoing, so they should not fall; check the {year} column or explain the "
    "fall on the Checks sheet.",
)
NET_NEGATIVE = _rule(
    "net-gains-negative",
    "warning",
    "Net gains for a year are not negative.",
    "Costs of achieving gains exceed the gains for {year} (net £{value:,.0f}k).",
    "Check the {year} costs; if they are right, explain them on the Checks sheet.",
)
SIGNOFF_SAME_PERSON = _rule(
    "signoff-not-independent",
    "warning",
    "The return is signed off by someone other than its preparer.",
    "The section 151 officer ({value}) is the person who prepared the return ({preparer}).",
    "The section 151 officer (or their deputy) should check the return independently: enter who signed it "
    "off in sheet {sheet}, cell {cell}, or explain on the Checks sheet why the same person prepared and signed it.",
)
RESTATED = _rule(
    "actual-restated",
    "warning",
    "An actual figure you reported in an earlier return is unchanged (a change is a restatement).",
    "{label} has been changed from {before}, as you reported it before, to {value}.",
    "If {value} is right, explain the restatement on the Checks sheet (why the figure differs from the one "
    "you reported); otherwise put back {before} in sheet {sheet}, cell {cell}.",
)
GAINS_FELL = _rule(
    "gains-fell",
    "warning",
    "A workstream's cumulative ongoing gains do not fall from one actual year to the next.",
    "{label} is £{value:,.1f}k, below the £{before:,.1f}k for {previous}.",
    "NI 179 counts gains that last, and gains are cumulative, so they should not fall: check sheet {sheet}, "
    "cell {cell} and the {previous} figure; if a gain has really ended, explain why on the Checks sheet.",
)
SIGNOFF_DATE_IMPLAUSIBLE = _rule(
    "signoff-date-implausible",
    "warning",
    "The sign-off date is after the last year in the return ended, and at most 30 days after the deadline.",
    "The sign-off date {value} is {why}.",
    "Enter the date the section 151 officer signed the return off in sheet {sheet}, cell {cell} (for example "
    "{example}); if that date is right, explain it on the Checks sheet.",
)
