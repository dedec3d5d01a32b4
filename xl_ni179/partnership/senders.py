"""Which organisation sent this: a sender's address matched to the organisations that list it.

The one answer, used by validation, receiving, the mail intake, its replies and notices,
and the chasers (docs/config.md, ``emails``):

- an address listed by exactly one organisation is that organisation's;
- an address listed by none is a stranger's;
- an address listed by two or more organisations is *ambiguous*: it is matched to none of
  them, never to the first one listed. Nothing in a message shows which of them is writing,
  so a return from it is not counted for any of them: the mail intake holds the message in
  quarantine and tells the consolidator which organisations list the address; a return
  received from it (``ni179 receive --sender``) is filed under none of them and rejected
  with ``sender-ambiguous``. The fix is to list the address under one organisation only.

Addresses are compared as given, without surrounding space and ignoring case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class Listing(Protocol):
    """What matching needs of an organisation (``model.Organisation`` has it)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def emails(self) -> tuple[str, ...]: ...


Org = TypeVar("Org", bound=Listing)


def normal_address(address: str) -> str:
    """The form addresses are compared in."""
    return address.strip().lower()


def sender_index(organisations: Iterable[Org]) -> dict[str, tuple[Org, ...]]:
    """{address: every organisation listing it, in configuration order}."""
    index: dict[str, tuple[Org, ...]] = {}
    for org in organisations:
        for email in dict.fromkeys(normal_address(e) for e in org.emails):
            index[email] = (*index.get(email, ()), org)
    return index


def shared_addresses(organisations: Iterable[Org]) -> list[SenderMatch[Org]]:
    """Every address two or more organisations list, in configuration order: each is matched
    to none of them (``ni179 config check`` warns of them)."""
    return [
        SenderMatch(address, listed_by)
        for address, listed_by in sender_index(organisations).items()
        if len(listed_by) > 1
    ]


@dataclass(frozen=True)
class SenderMatch(Generic[Org]):
    """An address and the organisations that list it (``Partnership.sender``)."""

    address: str  # compared form ("" when there was none)
    listed_by: tuple[Org, ...]

    @property
    def organisation(self) -> Org | None:
        """The organisation this address speaks for: the one listing it; None for an address
        no organisation lists, or several do."""
        return self.listed_by[0] if len(self.listed_by) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.listed_by) > 1

    @property
    def is_partner(self) -> bool:
        """Listed by exactly one organisation: a partner we can answer as that partner."""
        return self.organisation is not None

    def may_send_for(self, org_code: str) -> bool:
        """May a return from this address count for ``org_code``?"""
        return self.organisation is not None and self.organisation.code == org_code

    @property
    def names(self) -> str:
        """The organisations listing the address, in words: "A", "A and B", "A, B and C"."""
        names = [org.name for org in self.listed_by]
        return (
            " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
        )

    @property
    def problem(self) -> str | None:
        """Why the address speaks for no organisation, in the consolidator's terms; None if it does."""
        if self.ambiguous:
            return (
                f"{self.address} is registered for {len(self.listed_by)} organisations ({self.names}), so "
                "nothing shows which of them sent it; list the address under one organisation only"
            )
        if not self.listed_by:
            return f"{self.address or 'the sender'} is not registered for any partner"
        return None

    @property
    def config_warning(self) -> str:
        """What an address listed by several organisations does, and what to change, for
        ``ni179 config check``."""
        two = len(self.listed_by) == 2
        which = "both" if two else f"all {len(self.listed_by)} of"
        others = "the other its own address" if two else "each of the others its own"
        return (
            f"{self.address} is in the emails of {which} {self.names}. Nothing in a message "
            "shows which of them sent it, so a return from this address is counted for none "
            "of them: the mail intake holds its messages in quarantine, and `ni179 receive "
            "--sender` rejects the return (sender-ambiguous). Keep the address under the one "
            f"organisation that sends from it, and give {others}."
        )


def filed_under(named: str | None, sender: SenderMatch[Org] | None) -> str | None:
    """The organisation a receipt counts for (``Partnership.filed_under``): the one the file
    names, when its sender may send for it (or no sender is given); else the organisation the
    sender speaks for; else none. An ambiguous sender speaks for none, so its return is filed
    under none."""
    if named is None or sender is None:
        return named
    own = sender.organisation
    return own.code if own is not None else None
