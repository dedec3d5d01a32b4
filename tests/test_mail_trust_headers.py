"""Which headers the intake believes, read from messages built here (issue 11 item 4, issue 18).

The From header must be one plain address; only our server's topmost verdict counts; our
own Received line divides the headers our servers wrote from the sender's; and our server
may be named apart from its authserv-id. The same rules through the whole intake, with
mail in a Maildir or on Dovecot, are in ``test_mail_trust_intake.py``.
"""

from __future__ import annotations

import pytest
from helpers.mailservers import AUTHSERV, RECEIVED, parse, stamp
from helpers.spoofed_from import SPOOFED_FROM

import xl_ni179.store.mail_ledger  # noqa: F401 - the ledger table is created with the store
from xl_ni179.mail import trust
from xl_ni179.mail.trust import authentication_problem, from_address

MELTON = "finance@melton.example.org"


def parsed(from_value: str, *auth: str):
    lines = [f"Authentication-Results: {a}" for a in auth] + [
        f"Received: {RECEIVED}",
        f"From: {from_value}",
        "To: x@example.org",
        "Subject: S",
        "",
        "body",
        "",
    ]
    return parse("\r\n".join(lines).encode())


@pytest.mark.parametrize(
    "value",
    SPOOFED_FROM[1:]
    + [
        "finance@melton.example.org;boss@evil.example",
        "finance@[127.0.0.1]",
        "<finance@melton.example.org",
        "alice@evil.example@finance@melton.example.org",
        "finance@melton.example.org\x00@evil.example",
        "=?utf-8?q?finance=40melton=2Eexample=2Eorg?= <boss@evil.example>",
        "",
    ],
)
def test_from_header_must_be_one_plain_address(value):
    address, problem = from_address(parsed(value))
    assert address is None and problem


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("finance@melton.example.org", "finance@melton.example.org"),
        ("Finance Team <Finance@Melton.Example.org>", "finance@melton.example.org"),
        ('"Reid, G." <finance@melton.example.org>', "finance@melton.example.org"),
        ("=?utf-8?q?J=C3=B6rg_Reid?= <finance@melton.example.org>", "finance@melton.example.org"),
    ],
)
def test_ordinary_from_headers_are_read(value, address):
    assert from_address(parsed(value)) == (address, None)


@pytest.mark.parametrize(
    ("auth", "problem"),
    [
        ([stamp("melton.example.org")], None),
        (
            [
                "MX.County.Example.org; spf=pass smtp.mailfrom=melton.example.org; dmarc=pass "
                "header.from=Melton.Example.org"
            ],
            None,
        ),
        (
            ["internal-relay.example; dmarc=fail", stamp("melton.example.org")],
            None,
        ),  # another hop above ours
        (
            [
                f"{AUTHSERV}; spf=fail smtp.mailfrom=melton.example.org; dmarc=pass header.from=melton.example.org"
            ],
            "spf=fail",
        ),
        (
            [
                f"{AUTHSERV}; dkim=fail header.d=melton.example.org; dmarc=pass header.from=melton.example.org"
            ],
            "dkim=fail",
        ),
        ([f"{AUTHSERV}; dmarc=none header.from=melton.example.org"], "publishes no DMARC record"),
        ([f"{AUTHSERV}; dmarc=pass"], "not for melton.example.org"),
        ([f"{AUTHSERV}; spf=pass smtp.mailfrom=melton.example.org"], "no DMARC result"),
        ([f"{AUTHSERV}; none"], "no DMARC result"),
        (
            [
                "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=melton.example.org; dmarc=pass action=none "
                "header.from=melton.example.org"
            ],
            "added no Authentication-Results",
        ),  # no authserv-id: anyone's
        (
            [f"{AUTHSERV}.evil.example; dmarc=pass header.from=melton.example.org"],
            "added no Authentication-Results",
        ),
        ([stamp("melton.example.org", "fail"), stamp("melton.example.org")], "fail"),
    ],
)
def test_only_our_servers_topmost_verdict_counts(auth, problem):
    found = authentication_problem(parsed(MELTON, *auth), AUTHSERV, MELTON)
    assert found is None if problem is None else problem in found


# -- our line: the headers above our server's own Received header (issue 18) ----------------------
# The shapes below are copied from what Postfix, OpenDKIM, OpenDMARC, policyd-spf and Dovecot
# wrote in tests/test_mail_stack_delivery.py and tests/test_mail_stack_forged.py.

LMTP_HOP = (
    "Received: from mx.county.example.org\r\n\tby imap.county.example.org with LMTP\r\n"
    "\tid Cd/rNC8+Fmu6ZQAAg\r\n\t(envelope-from <{envelope}>)\r\n"
    "\tfor <ni179-returns@county.example.org>; Mon, 17 May 2010 09:12:02 +0100"
)
DMARC_PASS = f"Authentication-Results: {AUTHSERV}; dmarc=pass (p=reject dis=none) header.from=melton.example.org"
DMARC_NONE = DMARC_PASS.replace("dmarc=pass (p=reject", "dmarc=none (p=none")
DKIM_PASS = (
    f"Authentication-Results: {AUTHSERV};\r\n\tdkim=pass (2048-bit key; unprotected) "
    "header.d=melton.example.org header.i=@melton.example.org header.a=rsa-sha256 header.s=ni179 "
    "header.b=Ug0y8QiG;\r\n\tdkim-atps=neutral"
)
SPF = (
    "Received-SPF: {result} (mailfrom) identity=mailfrom; client-ip=127.0.20.1; "
    "helo=mail.partners.example.org; envelope-from={envelope}; receiver=county.example.org "
)
SPF_PASS = SPF.format(result="Pass", envelope=MELTON)
OUR_RECEIVED = (
    "Received: from {helo} (mail.partners.example.org [127.0.20.1])\r\n"
    "\tby mx.county.example.org (Postfix) with ESMTP id 568672149A7\r\n"
    "\tfor <ni179-returns@county.example.org>; Mon,  7 Dec 2026 05:03:24 +0000 (UTC)"
)


def delivered(
    *above: str, below: tuple[str, ...] = (), helo: str = "mail.partners.example.org"
) -> object:
    lines = [
        *above,
        OUR_RECEIVED.format(helo=helo),
        *below,
        f"From: {MELTON}",
        "To: x@example.org",
        "Subject: S",
        "",
        "body",
        "",
    ]
    return parse("\r\n".join(lines).encode())


GENUINE = (DMARC_PASS, DKIM_PASS, SPF_PASS)


@pytest.mark.parametrize(
    ("message", "kind", "words"),
    [
        (delivered(*GENUINE), None, None),
        # Dovecot's LMTP hop above ours, even when it spells our name in the envelope sender
        (delivered(LMTP_HOP.format(envelope=MELTON), *GENUINE), None, None),
        (
            delivered(
                LMTP_HOP.format(envelope='"x by mx.county.example.org with ESMTP"@evil.example'),
                *GENUINE,
            ),
            None,
            None,
        ),
        # a HELO of "by": the by clause is still found
        (delivered(*GENUINE, helo="by"), None, None),
        # the forgery OpenDMARC believes, below our line, in the (relayed) spelling
        (
            delivered(
                *GENUINE,
                below=(
                    f"Authentication-Results: (relayed) {AUTHSERV}; spf=pass "
                    "smtp.mailfrom=melton.example.org; dmarc=pass header.from=melton.example.org",
                ),
            ),
            trust.FORGED,
            "claiming to be our mail server",
        ),
        # OpenDMARC's pass with only a softfail of ours under it: it read something the sender wrote
        (
            delivered(DMARC_PASS, SPF.format(result="Softfail", envelope=MELTON)),
            trust.FORGED,
            "read a header the sender",
        ),
        # a body changed after signing: OpenDKIM's fail under OpenDMARC's pass (aligned SPF)
        (
            delivered(
                DMARC_PASS,
                DKIM_PASS.replace("dkim=pass", 'dkim=fail reason="signature verification failed"'),
                SPF_PASS,
            ),
            trust.ALTERED,
            "changed after signing",
        ),
        # no DMARC record: believed on the partner's own DKIM signature, not on SPF alone
        (delivered(DMARC_NONE, DKIM_PASS), None, None),
        (delivered(DMARC_NONE, SPF_PASS), trust.NO_DMARC, "publishes no DMARC record"),
        (
            delivered(
                DMARC_NONE,
                DKIM_PASS.replace("header.d=melton.example.org", "header.d=bulkmail.example.net"),
            ),
            trust.NO_DMARC,
            "publishes no DMARC record",
        ),
        # a signature of a subdomain of the partner's domain is aligned
        (
            delivered(
                DMARC_PASS,
                DKIM_PASS.replace(
                    "header.d=melton.example.org", "header.d=mail.melton.example.org"
                ),
            ),
            None,
            None,
        ),
        # misconfigurations that would quarantine every return
        (delivered(DKIM_PASS, DMARC_PASS, SPF_PASS), trust.MISCONFIGURED, "after its DMARC result"),
        (delivered(DKIM_PASS, SPF_PASS), trust.MISCONFIGURED, "no DMARC result"),
        (delivered(SPF_PASS), trust.MISCONFIGURED, "added no Authentication-Results"),
        (delivered(DMARC_PASS), trust.MISCONFIGURED, "nor any SPF result"),
        # a content filter's second pass: our results sit below the topmost Received of ours
        (delivered(below=GENUINE), trust.MISCONFIGURED, "below its own Received header"),
        (
            parse(f"{DMARC_PASS}\r\nFrom: {MELTON}\r\n\r\nbody\r\n".encode()),
            trust.MISCONFIGURED,
            "no Received header",
        ),
    ],
)
def test_our_line_divides_our_servers_headers_from_the_senders(message, kind, words):
    sender = trust.check_sender(message, trust.require_trust(AUTHSERV))
    assert (sender.kind, sender.address) == (kind, MELTON)
    assert (sender.problem is None) if words is None else (words in sender.problem), sender.problem


@pytest.mark.slow
def test_received_by_names_our_server_when_it_differs_from_the_authserv_id():
    msg = delivered(*GENUINE)
    assert (
        trust.check_sender(msg, trust.require_trust(AUTHSERV, "MX.County.Example.org.")).problem
        is None
    )
    other = trust.check_sender(msg, trust.require_trust(AUTHSERV, "mx2.county.example.org"))
    assert (
        other.kind == trust.MISCONFIGURED
        and "no Received header 'by mx2.county.example.org'" in other.problem
    )
    with pytest.raises(trust.MailSettingError, match="is not a server name"):
        trust.require_trust(AUTHSERV, "by mx.county.example.org")
