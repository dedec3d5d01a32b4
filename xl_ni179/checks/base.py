"""What a data check is, and how a check reads a return's values.

Each data check is written once as a Check generator that carries BOTH forms of the
test: an Excel expression (TRUE when failing) that the template's Checks sheet
evaluates live as the partner types, and a Python predicate that the validator applies
on receipt. Keeping the two side by side is what lets a test prove they agree. The value
helpers below read a cell as the Excel functions of those expressions do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Protocol, TypeGuard, TypeVar

from xl_ni179.rules.base import Rule
from xl_ni179.spec.schema import Schema


class Values(Protocol):
    """What a Python predicate can look at in a return."""

    def input(self, name: str) -> Any: ...  # value of an input cell (None when blank)
    def cell(self, sheet: str, coord: str) -> Any: ...  # raw content; formulas are Formula
    @property
    def baseline(self) -> float: ...


Result = TypeVar("Result", covariant=True)


class FromValues(Protocol[Result]):
    """Something a check computes from a return: whether it fails, a message parameter, a figure.

    Checks built in a loop capture their cell names as default arguments (``lambda v, n=name:``),
    so the callable may take optional parameters after the values; mypy cannot infer such a
    lambda against ``Callable[[Values], bool]`` (python/mypy#15459), this protocol accepts it.
    """

    def __call__(self, values: Values, /, *args: Any, **kwargs: Any) -> Result: ...


@dataclass(frozen=True)
class Check:
    """One rule applied to one place in the workbook."""

    code: str
    sheet: str
    cell: str
    field: str
    label: str
    excel: str  # Excel expression, TRUE when failing
    fails: FromValues[bool] = dataclass_field(compare=False)
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)
    # Extra message parameters computed from the return (amounts, the rating...).
    detail: FromValues[dict[str, Any]] | None = dataclass_field(default=None, compare=False)

    def message_params(self, values: Values) -> dict[str, Any]:
        params = dict(self.params)
        if self.field:
            raw = values.input(self.field)
            params["value"] = "" if raw is None else as_text(raw)
        if self.detail:
            params.update(self.detail(values))
        return params


def blank(value: Any) -> bool:
    # Mirrors LEN(TRIM(x))=0: Excel's TRIM removes spaces only.
    return value is None or (isinstance(value, str) and value.strip(" ") == "")


def is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:  # 9.9e307 stays short
        return str(int(value))
    return "" if value is None else str(value)


def num_sum(values: list[Any]) -> float:
    # Mirrors SUM(): text and blanks are ignored.
    return sum(v for v in values if is_number(v))


@dataclass(frozen=True)
class DataCheck:
    """One kind of check: the rule codes it may emit and how it is placed in a return of a schema.

    As in frictionless-py, a check declares its errors: ``emits`` lists the codes of the
    rules its Check instances carry, so a test can prove every data rule has a check and
    every code a check names is a rule.
    """

    name: str
    emits: tuple[str, ...]
    place: Callable[[Schema], Iterable[Check]] = dataclass_field(compare=False)

    def checks(self, schema: Schema) -> list[Check]:
        out = list(self.place(schema))
        for check in out:
            if check.code not in self.emits:
                raise ValueError(
                    f"check {self.name!r} emits {check.code!r}, which it does not declare"
                )
        return out


def data_check(*rules: Rule) -> Callable[[Callable[[Schema], Iterable[Check]]], DataCheck]:
    """Declare the decorated function as a check that emits ``rules``, named after it
    (``money_negative`` is ``money-negative``); ``xl_ni179.checks.data`` lists them in order."""

    def declare_check(fn: Callable[[Schema], Iterable[Check]]) -> DataCheck:
        return DataCheck(fn.__name__.strip("_").replace("_", "-"), tuple(r.code for r in rules), fn)

    return declare_check
