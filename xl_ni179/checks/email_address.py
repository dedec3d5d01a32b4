"""The contact email check, in its two forms: Python on receipt, an Excel formula in the workbook.

On receipt an address must pass ``email-validator`` (the real check) AND our own shape: a
plain ASCII address ``local@domain`` that an Excel formula can test character by character,
so the partner's Checks sheet says exactly what the validator will say. The shape is the
part of the address grammar email-validator accepts, narrowed where a formula can't follow
(no quoted local parts, no IP literals, no internationalised or Punycode domains), with
email-validator's own limits (lengths, a letter at the end, no special-use domains) written
into it, so that every address of the right shape also passes email-validator.

Each clause of ``_shape_ok`` has its twin, in the same order, in ``excel_failing``.
"""

from __future__ import annotations

import string

MAX_LENGTH, LOCAL_MAX, LABEL_MAX = 254, 64, 63  # RFC 5321/1035 limits email-validator applies
LETTERS = string.ascii_letters
LOCAL_CHARS = LETTERS + string.digits + "!#$%&'*+/=?^_`{|}~-."  # RFC 5322 atext and the dot
DOMAIN_CHARS = LETTERS + string.digits + "-."
# email-validator's SPECIAL_USE_DOMAIN_NAMES (a test checks the two lists agree).
SPECIAL_USE = ("arpa", "invalid", "local", "localhost", "onion", "test")
POSITIONS = "ROW('_meta'!$A$1:$A$254)"  # 1..254, from a sheet no check formula lives on


def email_ok(text: str) -> bool:
    """True for one plain email address (spaces around it are ignored, as Excel's TRIM does)."""
    text = text.strip(" ")
    if not _shape_ok(text):
        return False
    # Imported here: it compiles its grammar on import (~50 ms), which every command that
    # lists the rules would otherwise pay.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _shape_ok(t: str) -> bool:
    if len(t) > MAX_LENGTH or t.count("@") != 1:
        return False
    local, domain = t.split("@")
    return (
        1 <= len(local) <= LOCAL_MAX
        and all(c in LOCAL_CHARS for c in local)
        and all(c in DOMAIN_CHARS for c in domain)
        and ".." not in t
        and not t.startswith(".")
        and ".@" not in t
        and "@." not in t
        and not t.endswith(".")
        and "." in domain
        and "-." not in domain
        and ".-" not in domain
        and not domain.startswith("-")
        and "--" not in domain
        and domain[-1:] in tuple(LETTERS)
        and all(len(label) <= LABEL_MAX for label in domain.split("."))
        and not any(domain.lower().endswith("." + d) for d in SPECIAL_USE)
    )


def _q(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _bad_chars(part: str, allowed: str) -> str:
    # Positions past the end are masked out: FIND("", ...) differs between Excel and LibreOffice.
    return (
        f"SUMPRODUCT(({POSITIONS}<=LEN({part}))"
        f"*ISERROR(FIND(MID({part},{POSITIONS},1),{_q(allowed)})))>0"
    )


def excel_failing(name: str) -> str:
    """An Excel expression, TRUE when the (non-blank) cell ``name`` fails ``email_ok``."""
    t = f"TRIM({name})"
    at = f'FIND("@",{t})'
    local, domain = f"LEFT({t},{at}-1)", f"MID({t},{at}+1,{MAX_LENGTH})"
    lower = f"LOWER({domain})"
    special = ",".join(f'RIGHT({lower},{len(d) + 1})=".{d}"' for d in SPECIAL_USE)
    label_too_long = (
        f"SUMPRODUCT((LEN(MID({domain},{POSITIONS},{LABEL_MAX + 1}))={LABEL_MAX + 1})"
        f'*ISERROR(FIND(".",MID({domain},{POSITIONS},{LABEL_MAX + 1}))))>0'
    )
    clauses = [
        f"{at}<2",
        f"{at}>{LOCAL_MAX + 1}",
        _bad_chars(local, LOCAL_CHARS),
        _bad_chars(domain, DOMAIN_CHARS),
        f'ISNUMBER(FIND("..",{t}))',
        f'LEFT({t})="."',
        f'ISNUMBER(FIND(".@",{t}))',
        f'ISNUMBER(FIND("@.",{t}))',
        f'RIGHT({t})="."',
        f'ISERROR(FIND(".",{domain}))',
        f'ISNUMBER(FIND("-.",{domain}))',
        f'ISNUMBER(FIND(".-",{domain}))',
        f'LEFT({domain})="-"',
        f'ISNUMBER(FIND("--",{domain}))',
        f"ISERROR(FIND(RIGHT({domain}),{_q(LETTERS)}))",
        label_too_long,
        special,
    ]
    shape = f'IF(OR(LEN({t})>{MAX_LENGTH},LEN({t})-LEN(SUBSTITUTE({t},"@",""))<>1),TRUE,OR({",".join(clauses)}))'
    return f"AND(LEN({t})>0,{shape})"
