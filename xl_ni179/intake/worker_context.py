"""What a pool worker is given besides the file: the partnership and the issued templates.

Kept apart from the compiled spec (``xl_ni179.intake.compiled``) so that the process that hands
out the work, and the store that records what was issued, need neither the template
builder nor the parsers: only the workers compile and read.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xl_ni179 import __version__
from xl_ni179.partnership import Partnership


@dataclass(frozen=True)
class IssuedTemplate:
    """A template as issued: its organisation, round, the accepted return it was prefilled
    from (if any) and the fingerprint of its locked content (``fingerprint.fingerprint``)."""

    round_id: str
    org_code: str
    prefill_round: str | None
    prefill_sha: str | None
    fingerprint: str


def issue_key(p: Partnership) -> str:
    """What a recorded fingerprint holds for besides the organisation, round and prefill:
    this configuration, and this version of the program that lays templates out."""
    return f"{p.content_key}:{__version__}"


def issued_in(records: Iterable[Mapping[str, Any]], p: Partnership) -> frozenset[IssuedTemplate]:
    """The templates that issue records (the store's audit entries of ``ni179 templates``)
    hold for this configuration and this program version."""
    key = issue_key(p)
    out = set()
    for detail in records:
        # A record not in the shape ``store.issue`` writes is passed over: its returns are then
        # compared with a template built for them, which is slower but just as sure.
        if (
            not isinstance(detail, dict)
            or detail.get("issue_key") != key
            or not isinstance(detail.get("round"), str)
        ):
            continue
        prefilled, fingerprints = detail.get("prefilled") or {}, detail.get("fingerprints") or {}
        if not (isinstance(prefilled, dict) and isinstance(fingerprints, dict)):
            continue
        for code, fp in fingerprints.items():
            source = prefilled.get(code) or {}
            if isinstance(fp, str) and isinstance(source, dict):
                out.add(
                    IssuedTemplate(
                        detail["round"], code, source.get("round"), source.get("sha256"), fp
                    )
                )
    return frozenset(out)


@dataclass(frozen=True)
class ByContent:
    """A partnership that hashes and compares by what it says (a Partnership holds dicts,
    so it cannot be hashed itself; and an id() key would go stale when it is freed)."""

    content: str
    partnership: Partnership = field(compare=False)


def worker_context(p: Partnership, issued: Iterable[IssuedTemplate] = ()) -> bytes:
    """The partnership and the issued templates, pickled once for the pool's workers
    (each worker compiles the spec of the rounds it meets through ``return_spec``)."""
    return _context(ByContent(p.content_key, p), frozenset(issued))


@lru_cache(maxsize=8)
def _context(held: ByContent, issued: frozenset[IssuedTemplate]) -> bytes:
    return pickle.dumps((held.partnership, issued), pickle.HIGHEST_PROTOCOL)
