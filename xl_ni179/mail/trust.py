"""Who really sent this message: the one From address, and our own mail server's word for it.

The trust model (docs/mail-intake.md, "Who may send a return"):

- The From header must parse, by two different parsers, to the same single plain address.
  Anything else (two addresses, a group, a route, an address in the display name or a
  comment, defects) is a spoofing tell, and a consolidator never needs to accept it.
- Only one ``Authentication-Results`` header is believed: the topmost one whose
  authserv-id is our receiving server's (RFC 8601 section 5: that server prepends its own
  and removes forged copies of it; every other one may have been written by the sender).
- In it, DMARC must pass for exactly the From address's domain, and no method may fail.

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
ADDRESS_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]"
                        r"(?:[A-Za-z0-9-]*[A-Za-z0-9])?")
AUTHSERV_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
# A result of "fail" for any of these in our server's header is final.
FAIL_METHODS = ("dmarc", "spf", "dkim")


class MailSettingError(Ni179Error):
    """A setting the intake cannot run without is missing or malformed."""


@dataclass(frozen=True)
class Sender:
    address: str | None  # the single From address, lower-cased; None when there is not one
    problem: str | None  # why the message cannot be believed to come from it; None: it can


def require_authserv_id(value: str | None) -> str:
    """The receiving server's authserv-id, checked; a clear error when it is not given."""
    value = (value or "").strip()
    if not value:
        raise MailSettingError(
            f"The intake needs {AUTHSERV_SETTING}: the name your receiving mail server writes at the "
            "start of its Authentication-Results header (for example mx.county.example.org). Without "
            "it, anyone could write that header and pass as a partner. Open the headers of a message "
            "a partner sent to the returns mailbox to find it; see docs/mail-intake.md.")
    if not AUTHSERV_RE.fullmatch(value):
        raise MailSettingError(f"{AUTHSERV_SETTING} '{value}' is not a server name: give only the name "
                               "before the first ';' of your server's Authentication-Results header.")
    return value.lower()


def _raw(msg: Message, name: str) -> list[str]:
    # The raw values, unfolded: the decoded ones would turn encoded-words into text the
    # sender chose (an address hidden in =?utf-8?q?...?= among them).
    return [re.sub(r"\r?\n(?=[ \t])", "", str(v)) for k, v in msg.raw_items() if k.lower() == name]


def from_address(msg: Message) -> tuple[str | None, str | None]:
    """The single From address (lower-cased) a return is matched on, or (None, why not)."""
    raw = _raw(msg, "from")
    if len(raw) != 1:
        return None, f"the message has {len(raw)} From headers; it must have exactly one"
    try:
        header = msg["From"]
    except Exception:  # noqa: BLE001 - the parser's own bugs on hostile input: not one address
        header = None
    if isinstance(header, AddressHeader) and isinstance(header, BaseHeader):  # as email.policy.default parses it
        groups, defects = header.groups, header.defects
    else:
        groups, defects = (), ("unreadable",)
    if defects:
        return None, "the From header is malformed"
    addresses = [a for g in groups for a in g.addresses]
    if len(addresses) != 1:
        return None, f"the From header names {len(addresses)} addresses; a return must come from one"
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
        return None, "the From header shows an address in its name or comment, not only as the address"
    return spec.lower(), None


class UnreadableResults(Exception):
    """Our own server's topmost Authentication-Results header could not be read."""


def _authserv_id_of(value: str) -> str:
    """The authserv-id a header names: its first word before the first ';', comments dropped.

    Read from the text, never from a full parse: the rest of the header holds words the
    sender chose (HELO names, envelope addresses), which can make a parser give up.
    """
    head = re.sub(r"\([^()]*\)", " ", value.split(";", 1)[0])
    words = head.split()
    return words[0].lower().rstrip(".") if words else ""


# What the connecting client said of itself (its HELO name and envelope sender) is not needed
# for the verdict, and its odd but legal forms ([203.0.113.9], non-ASCII addresses) stop the parser.
_SENDER_CHOSEN = re.compile(r"(\bsmtp\.(?:helo|mailfrom)\s*=\s*)(\"(?:[^\"\\]|\\.)*\"|[^\s;]+)", re.IGNORECASE)
_FAIL_TEXT = re.compile(r"(?<![\w.-])(dmarc|spf|dkim)\s*=\s*fail(?![\w-])", re.IGNORECASE)


def our_results(msg: Message, authserv_id: str) -> authres.AuthenticationResultsHeader | None:
    """The topmost Authentication-Results header written by our server, or None.

    Raises UnreadableResults when that header is ours but cannot be read, or says
    fail anywhere: a header below it (perhaps written by the sender) is never used instead.
    """
    for value in _raw(msg, "authentication-results"):
        if _authserv_id_of(value) != authserv_id:
            continue
        failed = _FAIL_TEXT.search(value)
        if failed:  # final, whatever else the header says or however it parses
            raise UnreadableResults(f"reports {failed[1].lower()}=fail")
        try:
            return authres.AuthenticationResultsHeader.parse_value(_SENDER_CHOSEN.sub(r"\1unread", value))
        except Exception:  # noqa: BLE001 - whatever the parser objects to, the verdict is the same
            raise UnreadableResults("could not be read") from None
    return None


def authentication_problem(msg: Message, authserv_id: str, address: str) -> str | None:
    """Why our server's results do not prove the message comes from ``address``; None if they do."""
    server = f"Our mail server ({authserv_id})"
    try:
        header = our_results(msg, authserv_id)
    except UnreadableResults as exc:
        return f"{server} {exc}" if "=fail" in str(exc) else \
            f"{server}'s Authentication-Results header {exc}, so the message is not believed"
    if header is None:
        return f"{server} did not authenticate this message (no Authentication-Results header from it)"
    results = [(str(r.method).lower(), str(r.result).lower(), r) for r in header.results]
    for method, result, _ in results:
        if method in FAIL_METHODS and result == "fail":
            return f"{server} reports {method}=fail"
    dmarc = [r for method, _, r in results if method == "dmarc"]
    if not dmarc:
        return f"{server} reports no DMARC result, so the From address is not proven"
    domain = address.rpartition("@")[2].lower()
    for r in dmarc:
        result = str(r.result).lower()
        if result != "pass":
            return f"{server} reports dmarc={result}: the sender's domain does not prove its From address"
        checked = [str(p.value).lower().rstrip(".") for p in r.properties
                   if str(p.type).lower() == "header" and str(p.name).lower() == "from"]
        if checked != [domain]:
            what = checked[0] if checked else "an unnamed domain"
            return f"DMARC passed for {what}, not for {domain}, the domain of the From address"
    return None


def check_sender(msg: Message, authserv_id: str) -> Sender:
    """The From address and, when the message cannot be believed to come from it, why."""
    address, problem = from_address(msg)
    if address is None:
        return Sender(None, problem)
    return Sender(address, authentication_problem(msg, authserv_id, address))
