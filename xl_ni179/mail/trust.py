"""Who really sent this message: the one From address, and our own mail server's word for it.

The trust model (docs/mail-intake.md, "Who may send a return"):

- The From header must parse, by two different parsers, to the same single plain address.
  Anything else (two addresses, a group, a route, an address in the display name or a
  comment, defects) is a spoofing tell, and a consolidator never needs to accept it.
- Our server's own headers are those above its own ``Received`` header: the topmost
  ``Received`` header whose ``by`` clause names our receiving server (LMTP delivery hops
  above it are passed over). Everything below that line came with the message and may
  have been written by the sender.
- An ``Authentication-Results`` header below that line that claims our authserv-id is a
  forgery (OpenDMARC 1.4.2 believes such a header): the message is quarantined as forged.
- Above the line, our server's headers must hold one DMARC result, written last (the
  topmost of ours), for exactly the From address's domain. ``pass`` must rest on our own
  results: an aligned DKIM pass or an aligned SPF pass. A ``fail`` for dmarc, spf or dkim
  is final: our ``dkim=fail`` beside ``dmarc=pass`` means the partner's signed message was
  changed after it was signed. ``dmarc=none`` (no DMARC record) is believed only with an
  aligned DKIM pass.
- A server that writes no results, no DMARC result, its results below its own line, or a
  result above the DMARC one is misconfigured: every message would be quarantined, so the
  verdict says so (``MISCONFIGURED``) and the intake reports it loudly.

Pure functions of the parsed message, so every rule is tested without a mail server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import AddressHeader, BaseHeader
from email.message import Message
from email.utils import getaddresses

import authres

from xl_ni179.errors import Ni179Error

AUTHSERV_SETTING = "--authserv-id (or NI179_AUTHSERV_ID)"
# RFC 5322 dot-atom local part; a host name of letters, digits and hyphens. No quoted local
# parts, address literals or routes: nobody sends a return from those.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
ADDRESS_RE = re.compile(
    rf"{_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]"
    r"(?:[A-Za-z0-9-]*[A-Za-z0-9])?"
)
AUTHSERV_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


# What kind of problem a verdict names (kept in the ledger and shown to the consolidator).
NOT_AUTHENTICATED = "not-authenticated"  # the From or our server's results do not prove the sender
FORGED = (
    "forged-results"  # a header claiming our server's name where only the sender could write it
)
ALTERED = "altered-after-signing"  # our server's dkim=fail: the signed message was changed
NO_DMARC = "no-dmarc"  # the partner's domain publishes no DMARC record, and no aligned DKIM pass
MISCONFIGURED = "server-misconfigured"  # our mail server's setup would quarantine everyone
KIND_LABELS = {
    NOT_AUTHENTICATED: "not authenticated",
    FORGED: "forged authentication header",
    ALTERED: "changed after signing",
    NO_DMARC: "partner publishes no DMARC record",
    MISCONFIGURED: "MAIL SERVER MISCONFIGURED",
}


class MailSettingError(Ni179Error):
    """A setting the intake cannot run without is missing or malformed."""


@dataclass(frozen=True)
class Sender:
    address: str | None  # the single From address, lower-cased; None when there is not one
    problem: str | None  # why the message cannot be believed to come from it; None: it can
    kind: str | None = None  # which kind of problem (NOT_AUTHENTICATED, FORGED...); None: none


@dataclass(frozen=True)
class Trust:
    """What the intake believes: our server's authserv-id, and the name in the ``by`` clause
    of the ``Received`` header it adds when a message arrives (our line)."""

    authserv_id: str
    received_by: str


def require_authserv_id(value: str | None) -> str:
    """The receiving server's authserv-id, checked; a clear error when it is not given."""
    value = (value or "").strip()
    if not value:
        raise MailSettingError(
            f"The intake needs {AUTHSERV_SETTING}: the name your receiving mail server writes at the "
            "start of its Authentication-Results header (for example mx.county.example.org). Without "
            "it, anyone could write that header and pass as a partner. Open the headers of a message "
            "a partner sent to the returns mailbox to find it; see docs/mail-intake.md."
        )
    if not AUTHSERV_RE.fullmatch(value):
        raise MailSettingError(
            f"{AUTHSERV_SETTING} '{value}' is not a server name: give only the name "
            "before the first ';' of your server's Authentication-Results header."
        )
    return value.lower()


RECEIVED_SETTING = "--received-by (or NI179_RECEIVED_BY)"


def require_trust(authserv_id: str | None, received_by: str | None = None) -> Trust:
    """The checked settings; ``received_by`` defaults to the authserv-id."""
    authserv = require_authserv_id(authserv_id)
    by = (received_by or "").strip().rstrip(".")
    if by and not AUTHSERV_RE.fullmatch(by):
        raise MailSettingError(
            f"{RECEIVED_SETTING} '{by}' is not a server name: give the name after 'by' in "
            "the Received header your receiving server adds (e.g. mx.county.example.org)."
        )
    return Trust(authserv, by.lower().rstrip(".") if by else authserv)


def _raw(msg: Message, name: str) -> list[str]:
    # The raw values, unfolded: the decoded ones would turn encoded-words into text the
    # sender chose (an address hidden in =?utf-8?q?...?= among them).
    return [re.sub(r"\r?\n(?=[ \t])", "", str(v)) for k, v in msg.raw_items() if k.lower() == name]


def from_address(msg: Message) -> tuple[str | None, str | None]:
    """The single From address (lower-cased) a return is matched on, or (None, why not)."""
    raw = _raw(msg, "from")
    if len(raw) != 1:
        return None, f"the message has {len(raw)} From headers; it must have exactly one"
    if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", raw[0]):
        # RFC 5322 allows none in a header; OpenDKIM and OpenDMARC give up on such a From
        # (dkim=permerror, no DMARC result), so no verdict of our server could stand for it.
        return None, "the From header holds control characters"
    try:
        header = msg["From"]
    except Exception:  # noqa: BLE001 - the parser's own bugs on hostile input: not one address
        header = None
    if isinstance(header, AddressHeader) and isinstance(
        header, BaseHeader
    ):  # as email.policy.default parses it
        groups, defects = header.groups, header.defects
    else:
        groups, defects = (), ("unreadable",)
    if defects:
        return None, "the From header is malformed"
    addresses = [a for g in groups for a in g.addresses]
    if len(addresses) != 1:
        return (
            None,
            f"the From header names {len(addresses)} addresses; a return must come from one",
        )
    if any(g.display_name is not None for g in groups):
        return None, "the From header is a group list, not one address"
    address = addresses[0]
    spec = address.addr_spec
    if not ADDRESS_RE.fullmatch(spec):
        return None, "the From address is not a plain name@domain address"
    # The second parser (the older one) must read the same single address: a difference
    # between parsers is what an attacker hides a partner's address in.
    legacy = [(name, addr) for name, addr in getaddresses(raw) if name or addr]
    if len(legacy) != 1 or legacy[0][1].lower() != spec.lower():
        return None, "the From header can be read as more than one address"
    if "@" in address.display_name or "@" in legacy[0][0]:
        return (
            None,
            "the From header shows an address in its name or comment, not only as the address",
        )
    return spec.lower(), None


class UnreadableResults(Exception):
    """One of our own server's Authentication-Results headers could not be read."""


def header_fields(msg: Message) -> list[tuple[str, str]]:
    """Every header field, topmost first: (lower-cased name, raw value unfolded)."""
    return [
        (str(k).strip().lower(), re.sub(r"\r?\n(?=[ \t])", "", str(v))) for k, v in msg.raw_items()
    ]


def _authserv_id_of(value: str) -> str:
    """The authserv-id a header names: its first word before the first ';', comments dropped.

    Read from the text, never from a full parse: the rest of the header holds words the
    sender chose (HELO names, envelope addresses), which can make a parser give up.
    """
    head = value.split(";", 1)[0]
    while True:  # comments nest: drop the innermost until none is left
        stripped = re.sub(r"\([^()]*\)", " ", head)
        if stripped == head:
            break
        head = stripped
    words = head.split()
    return words[0].lower().rstrip(".") if words else ""


def _claims(value: str, authserv_id: str) -> bool:
    """Does this header claim to be our server's? Read loosely: any spelling of our name
    before the first ';' (a comment before it, folding, case, spaces) counts."""
    head = " ".join(value.split(";", 1)[0].lower().split())
    return (
        _authserv_id_of(value) == authserv_id
        or re.search(rf"(?<![\w.-]){re.escape(authserv_id)}\.?(?![\w-])", head) is not None
    )


# A delivery hop above our line (Dovecot's LMTP, a local delivery agent) is not our line.
_DELIVERY = re.compile(r"(?:utf8)?lmtp\w*|local", re.IGNORECASE)


def _hop_of(value: str, received_by: str) -> str | None:
    """'reception' if this Received header is our server's, 'delivery' if it is a delivery hop
    by our server's name, None if it names another server."""
    # The sender's words in a Received header (envelope addresses, quoted local parts) are
    # taken out first, so no address can spell our name into a header above our line.
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", value)
    text = re.sub(r"<[^<>]*>", " ", text)
    found = re.search(
        rf"(?:^|[\s)])by\s+{re.escape(received_by)}\.?(?=[\s(;]|$)((?:\s*\([^()]*\))*)"
        r"\s*(?:with\s+([^\s;()]+))?",
        text,
        re.IGNORECASE,
    )
    if found is None:
        return None
    return "delivery" if found[2] and _DELIVERY.fullmatch(found[2]) else "reception"


@dataclass
class _Zones:
    line: int | None  # index of our Received header among the fields; None: not found
    ours: list[str]  # our Authentication-Results headers above the line, topmost first
    claims_below: list[str]  # headers below the line (or anywhere, without one) claiming our name
    spf: list[tuple[str, str]]  # our server's SPF results above the line: (result, mailfrom domain)


def _zones(fields: list[tuple[str, str]], trust: Trust) -> _Zones:
    line = next(
        (
            i
            for i, (name, value) in enumerate(fields)
            if name == "received" and _hop_of(value, trust.received_by) == "reception"
        ),
        None,
    )
    above = fields[:line] if line is not None else []
    below = fields[line + 1 :] if line is not None else fields
    ours = [
        v
        for n, v in above
        if n == "authentication-results" and _authserv_id_of(v) == trust.authserv_id
    ]
    claims = [
        v for n, v in below if n == "authentication-results" and _claims(v, trust.authserv_id)
    ]
    spf = []
    for name, value in above:
        if name == "received-spf":
            result = (value.split() or [""])[0].lower()
            identity = re.search(r"\bidentity\s*=\s*([\w-]+)", value, re.IGNORECASE)
            sender = re.search(r"\benvelope-from\s*=\s*\"?<?([^;\s>\"]*)", value, re.IGNORECASE)
            if identity and identity[1].lower() == "mailfrom" and sender:
                spf.append((result, sender[1].rpartition("@")[2].lower().rstrip(".")))
    return _Zones(line, ours, claims, spf)


# What the connecting client said of itself (its HELO name and envelope sender) is not needed
# for the verdict, and its odd but legal forms ([203.0.113.9], non-ASCII addresses) stop the parser.
_SENDER_CHOSEN = re.compile(
    r"(\bsmtp\.(?:helo|mailfrom)\s*=\s*)(\"(?:[^\"\\]|\\.)*\"|[^\s;]+)", re.IGNORECASE
)
_FAIL_TEXT = re.compile(r"(?<![\w.-])(dmarc|spf|dkim)\s*=\s*fail(?![\w-])", re.IGNORECASE)
_MAILFROM = re.compile(r"\bsmtp\.mailfrom\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)


def _parse(value: str) -> authres.AuthenticationResultsHeader:
    try:
        return authres.AuthenticationResultsHeader.parse_value(
            _SENDER_CHOSEN.sub(r"\1unread", value)
        )
    except Exception:  # noqa: BLE001 - whatever the parser objects to, the verdict is the same
        raise UnreadableResults("could not be read") from None


def _aligned(domain: str, from_domain: str) -> bool:
    """The same domain, or one a subdomain of the other (DMARC's relaxed alignment, without
    a public suffix list: a partner cannot sign for a public suffix)."""
    domain = domain.lower().rstrip(".")
    return bool(domain) and (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _results(header: authres.AuthenticationResultsHeader) -> list[tuple[str, str, dict[str, str]]]:
    out = []
    for r in header.results:
        props = {
            f"{str(p.type).lower()}.{str(p.name).lower()}": str(p.value).lower().rstrip(".")
            for p in r.properties
        }
        out.append((str(r.method).lower(), str(r.result).lower(), props))
    return out


def verdict(msg: Message, trust: Trust, address: str) -> tuple[str | None, str | None]:
    """(kind, why) when our server's headers do not prove the message comes from ``address``;
    (None, None) when they do."""
    server = f"Our mail server ({trust.authserv_id})"
    ours = f"our mail server ({trust.authserv_id})"
    zones = _zones(header_fields(msg), trust)
    if zones.line is None:
        return MISCONFIGURED, (
            f"the message has no Received header 'by {trust.received_by}', so the intake cannot tell "
            f"{ours}'s headers from the sender's (check {RECEIVED_SETTING})"
        )
    if not zones.ours:
        if zones.claims_below:
            return MISCONFIGURED, (
                f"{server}'s Authentication-Results are below its own Received header 'by "
                f"{trust.received_by}', where the sender could have written them (a second pass "
                f"through the server, or {RECEIVED_SETTING} names the wrong hop)"
            )
        return MISCONFIGURED, f"{server} added no Authentication-Results header to this message"
    if zones.claims_below:
        return FORGED, (
            f"the message came with its own Authentication-Results header claiming to be "
            f"{ours}'s: a forgery"
        )
    for value in zones.ours:
        failed = _FAIL_TEXT.search(value)
        if failed:  # final, whatever else the headers say or however they parse
            method = failed[1].lower()
            if method == "dkim":
                return ALTERED, (
                    f"{server} reports dkim=fail: the partner's domain signed the message "
                    "and it was changed after signing (a footer added by a gateway, or "
                    "tampering), so what arrived is not what the partner sent"
                )
            return NOT_AUTHENTICATED, f"{server} reports {method}=fail"
    try:
        parsed = [_results(_parse(v)) for v in zones.ours]
    except UnreadableResults as exc:
        return (
            NOT_AUTHENTICATED,
            f"{server}'s Authentication-Results header {exc}, so the message is not believed",
        )
    with_dmarc = [i for i, results in enumerate(parsed) if any(m == "dmarc" for m, _, _ in results)]
    if not with_dmarc:
        return MISCONFIGURED, (
            f"{server} reports no DMARC result, so the From address is not proven "
            "(is OpenDMARC running, and after OpenDKIM?)"
        )
    if with_dmarc[0] != 0:
        return MISCONFIGURED, (
            f"{server} added an Authentication-Results header after its DMARC result: "
            "a milter runs after OpenDMARC (list OpenDKIM first, OpenDMARC last)"
        )
    results = [r for rs in parsed for r in rs]
    domain = address.rpartition("@")[2].lower()
    dkim_pass = any(
        m == "dkim" and res == "pass" and _aligned(p.get("header.d", ""), domain)
        for m, res, p in results
    )
    spf_seen = list(zones.spf)
    for value in zones.ours:
        for method, res, _ in _results(_parse(value)):
            mailfrom = _MAILFROM.search(value)
            if method == "spf" and mailfrom:
                spf_seen.append((res, mailfrom[1].rpartition("@")[2].lower().rstrip(".")))
    spf_pass = any(res == "pass" and _aligned(d, domain) for res, d in spf_seen)
    for method, res, props in results:
        if method != "dmarc":
            continue
        checked = props.get("header.from")
        if res == "none" and checked == domain:
            if dkim_pass:
                continue  # no DMARC record, but the partner's own domain signed it
            return NO_DMARC, (
                f"{domain} publishes no DMARC record and the message carries no valid "
                f"DKIM signature of {domain}, so nothing proves the From address"
            )
        if res != "pass":
            return NOT_AUTHENTICATED, (
                f"{server} reports dmarc={res}: the sender's domain does not prove its From address"
            )
        if checked != domain:
            return NOT_AUTHENTICATED, (
                f"DMARC passed for {checked or 'an unnamed domain'}, not for {domain}, "
                "the domain of the From address"
            )
        if not dkim_pass and not spf_pass:
            if not spf_seen:
                return MISCONFIGURED, (
                    f"{server} reports dmarc=pass but records neither a DKIM pass for "
                    f"{domain} nor any SPF result, so the pass cannot be checked "
                    "(add policyd-spf, or SPFSelfValidate in OpenDMARC)"
                )
            return FORGED, (
                f"{server} reports dmarc=pass, but its own results show neither a DKIM pass nor "
                f"an SPF pass for {domain}: the DMARC check read a header the sender wrote"
            )
    return None, None


def check_sender(msg: Message, trust: Trust | str) -> Sender:
    """The From address and, when the message cannot be believed to come from it, why."""
    if isinstance(trust, str):
        trust = require_trust(trust)
    address, problem = from_address(msg)
    if address is None:
        return Sender(None, problem, NOT_AUTHENTICATED)
    kind, why = verdict(msg, trust, address)
    return Sender(address, why, kind)


def authentication_problem(msg: Message, authserv_id: str, address: str) -> str | None:
    """Why our server's results do not prove the message comes from ``address``; None if they do."""
    return verdict(msg, require_trust(authserv_id), address)[1]
