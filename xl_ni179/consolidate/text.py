"""Numbers and lists written the way finance staff read them in a paper."""

from __future__ import annotations

import math
from collections.abc import Sequence


def known(number: float | None) -> bool:
    """A figure to print: given, and a finite number (NaN or infinity never reaches the page)."""
    return number is not None and math.isfinite(number)


def _unknown(number: float | None) -> bool:
    return not known(number)


def percent(fraction: float | None, places: int = 1) -> str:
    """0.094 -> '9.4%'; whole percentages lose the '.0' (0.03 -> '3%')."""
    if fraction is None or _unknown(fraction):
        return "n/a"
    text = f"{fraction * 100:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def money_k(amount: float | None) -> str:
    """An amount in £000 as '£70.0m' or '£850k'."""
    if amount is None or _unknown(amount):
        return "n/a"
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount >= 1000:
        return f"{sign}£{amount / 1000:,.1f}m"
    return f"{sign}£{amount:,.0f}k"


def pounds(amount: float | None) -> str:
    return "n/a" if _unknown(amount) else f"£{amount:,.0f}"


def and_list(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = list(items)
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def number_word(n: int) -> str:
    words = (
        "no",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
    )
    return words[n] if 0 <= n < len(words) else str(n)


def en_dash(title: str) -> str:
    """'Efficiency - 2008/09 review' -> 'Efficiency – 2008/09 review' (as the paper prints it)."""
    return title.replace(" - ", " – ")
