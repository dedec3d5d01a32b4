"""The compiled return spec: what validating the returns of one round needs, built once.

The schema, the data checks, the defined names and the locked content
of each template shape depend only on the partnership and the round, and a worker checks
hundreds of returns of the same round. ``return_spec`` builds them once per process and
keeps them in one bounded cache, keyed on the partnership's content and the round id.
Workers get the partnership once each (``xl_ni179.intake.worker_context.worker_context``).

A template issued from a workspace has its locked-content fingerprint recorded
(``IssuedTemplate``); a return whose locked cells hash to it needs no template rebuilt.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from xl_ni179.checks.data import Check, build_checks
from xl_ni179.intake.worker_context import ByContent
from xl_ni179.partnership import Organisation, Partnership, Round
from xl_ni179.spec import layout
from xl_ni179.spec.prefill import Prefill
from xl_ni179.spec.schema import Schema, build_schema
from xl_ni179.template import prior
from xl_ni179.template.builder import locked_content
from xl_ni179.template.fingerprint import normalise

SHAPES_KEPT = 64  # templates' locked content, about 0.3 MB each: a worker's memory stays bounded

Where = tuple[str, str]  # (sheet, cell)


class ReturnSpec:
    """Everything about one round of one partnership that validating a return looks up."""

    def __init__(self, p: Partnership, rnd: Round) -> None:
        self.partnership = p
        self.round = rnd
        self.schema: Schema = build_schema(p, rnd)
        self.checks: tuple[Check, ...] = tuple(build_checks(self.schema))
        self._fields = {f.name.lower(): (f.name, f.sheet, f.cell) for f in self.schema.fields}
        self._names: dict[tuple[str, ...], dict[str, tuple[str, str, str]]] = {}
        self._shapes: dict[tuple, tuple[Organisation, dict[Where, str], dict[Where, Any]]] = {}

    def names(self, org_code: str | None) -> dict[str, tuple[str, str, str]]:
        """{lower-case name: (name, sheet, cell)} of the names this organisation's template
        defines: every input, and the computed cells (which depend on its agreements).
        Without an organisation, the inputs only."""
        if org_code is None:
            return self._fields
        agreements = self.partnership.agreements_of(org_code)
        key = tuple(a.code for a in agreements)
        hit = self._names.get(key)
        if hit is None:
            computed = layout.computed_names(self.schema, agreements)
            hit = self._names[key] = {
                **self._fields,
                **{n.lower(): (n, *where) for n, where in computed.items()},
            }
        return hit

    def expected_locked(self, org_code: str, prefill: Prefill | None = None) -> dict[Where, str]:
        """The locked content a genuine template for this organisation holds (normalised).

        Building a template takes tens of milliseconds, and in a large round nearly every
        return comes from a different organisation; so one template is built per shape
        (sector, agreements, projects) and an organisation's own name, code and baseline
        are put in its twin's place. A prefilled template differs from a blank one only in
        its "as reported" column and note (``prior.prior_content``). Tests check this
        equals building each template.
        """
        org, twin, locked, _ = self._twin(org_code)
        # An organisation's name, code and baseline are never blank, so each normalises.
        own = {k: n for k, v in _own(twin, org).items() if (n := normalise(v)) is not None}
        locked = {where: own.get(value, value) for where, value in locked.items()}
        if prefill is None:
            return locked
        out = {
            where: value
            for where, value in locked.items()
            if where not in prior.prior_content(self.schema, None)
        }
        for where, value in prior.prior_content(self.schema, prefill).items():
            norm = normalise(value)
            if norm is not None:
                out[where] = norm
        return out

    def template_content(self, org_code: str, where: Where, prefill: Prefill | None = None) -> Any:
        """What this organisation's template put in a locked cell, as the template spelled it."""
        if prefill is not None:
            prefilled = prior.prior_content(self.schema, prefill)
            if where in prefilled:
                return prefilled[where]
        org, twin, locked, content = self._twin(org_code)
        norm = locked.get(where)
        own = _own(twin, org)
        return own[norm] if norm in own else content.get(where)

    def _twin(
        self, org_code: str
    ) -> tuple[Organisation, Organisation, dict[Where, str], dict[Where, Any]]:
        """(the organisation, the twin whose template was built, its locked content
        normalised, and as written)."""
        p = self.partnership
        org = p.organisation(org_code)
        shape = (
            org.sector,
            tuple(a.code for a in p.agreements_of(org.code)),
            tuple(pr.code for pr in p.projects_of(org.code)),
        )
        hit = self._shapes.get(shape)
        if hit is None:
            if len(self._shapes) >= SHAPES_KEPT:
                del self._shapes[next(iter(self._shapes))]  # the oldest
            # Built with a name and baseline no other cell can hold (a baseline of 2010 is
            # also a year heading), so only the cells that show them are made the org's own.
            stand_in = replace(org, name=_STAND_IN_NAME, baseline=_STAND_IN_BASELINE)
            twin_p = replace(
                p, organisations=tuple(stand_in if o is org else o for o in p.organisations)
            )
            hit = self._shapes[shape] = (stand_in, *locked_content(twin_p, org.code, self.round))
        return org, *hit


# What the template of a shape is built with in place of its first organisation's name and
# baseline: a text and a figure no label, heading or constant of a template can be.
_STAND_IN_NAME = "(the organisation of this shape: its name is put in its place)"
_STAND_IN_BASELINE = 987_654_321.125


def _own(twin: Organisation, org: Organisation) -> dict[str | None, Any]:
    """The twin's name, code and baseline (normalised) -> the organisation's own."""
    return {
        normalise(twin.name): org.name,
        normalise(twin.code): org.code,
        normalise(twin.baseline): org.baseline,
    }


def return_spec(p: Partnership, round_id: str) -> ReturnSpec:
    """The compiled spec of ``round_id``: built on first use, then shared."""
    return _compiled(ByContent(p.content_key, p), round_id)


@lru_cache(
    maxsize=4
)  # a worker meets one round or two; each spec keeps up to SHAPES_KEPT templates
def _compiled(held: ByContent, round_id: str) -> ReturnSpec:
    return ReturnSpec(held.partnership, held.partnership.round(round_id))
