"""The contact email rule: a real address check on receipt (email-validator) that the
workbook's own formula can follow exactly (issue 11: `x@y.z"><svg/onload=...>` was accepted).

The LibreOffice agreement test is in test_template_libreoffice; here: the Python side, and
the receipt through the command line."""

from __future__ import annotations

import random

import email_validator
import pytest
from click.testing import CliRunner

from xl_ni179.checks import email_address
from xl_ni179.checks.email_address import email_ok
from xl_ni179.cli import main

HOSTILE = 'x@y.z"><svg/onload=alert(1)>'


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("finance@melton.example.org", True),
        ("o'brien@council.gov.uk", True),
        ("a+b@x.org", True),
        (HOSTILE, False),
        ("a@b", False),
        ("a@x.test", False),
        ("a@x.co1", False),
        ('"a b"@x.org', False),
        ("a@[10.0.0.1]", False),
        ("Name <a@x.org>", False),
        ("a@x.org\nBcc: b@y.org", False),
        (
            "a@xn--bcher-kva.example.com",
            False,
        ),  # Punycode: email-validator takes it, the formula can't check it
    ],
)
def test_addresses(address, ok):
    assert email_ok(address) is ok


def test_special_use_domains_are_email_validators():
    assert set(email_address.SPECIAL_USE) == set(email_validator.SPECIAL_USE_DOMAIN_NAMES)


def test_every_address_of_the_right_shape_passes_email_validator():
    """So the formula (the shape alone) and the receipt check (shape and email-validator) agree."""
    rng = random.Random(179)
    local_bits = [
        "a",
        "Z",
        "9",
        ".",
        "-",
        "+",
        "'",
        "_",
        "~",
        "!",
        "{",
        "=",
        "?",
        "/",
        "..",
        "@",
        " ",
    ]
    domain_bits = [
        "a",
        "Z",
        "9",
        ".",
        "-",
        "--",
        "..",
        "test",
        "local",
        "arpa",
        "co",
        "x" * 30,
        "é",
    ]
    shaped = 0
    for _ in range(20_000):
        local = "".join(rng.choice(local_bits) for _ in range(rng.randint(1, 6)))
        domain = ".".join(
            "".join(rng.choice(domain_bits) for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(1, 4))
        )
        text = f"{local}@{domain}"
        if email_address._shape_ok(text):
            shaped += 1
            email_validator.validate_email(text, check_deliverability=False)  # raises if not
    assert shaped > 300  # enough addresses of the right shape were tried


def test_receipt_rejects_the_hostile_address(tmp_path, make_return):
    path = make_return("MELTON", {"signoff_email": HOSTILE})
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "ws"), "validate", str(path)])
    assert result.exit_code == 1
    assert "signoff-email-invalid" in result.output or "not a valid email address" in result.output
