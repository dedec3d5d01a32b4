"""The synthetic seed returns (``helpers.consolidate_seed``) reproduce the 2008/09 review."""

from __future__ import annotations

import pytest
from helpers.consolidate_seed import (
    SEED_RECEIVED,
    SEED_SCENARIO,
    net_of,
    seed_partnership,
    seed_returns,
)


def test_helper_reproduces_the_seed_scenario() -> None:
    p, rnd = seed_partnership()
    returns = seed_returns(p, rnd)
    assert {p.organisation(c).short_name for c in returns} == SEED_RECEIVED
    first = rnd.years[0]
    for code, values in returns.items():
        share = net_of(values, first) / p.organisation(code).baseline
        assert share == pytest.approx(SEED_SCENARIO[code][0][0] / 100, abs=1e-4)
