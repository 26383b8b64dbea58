"""Stop conditions on an evaluation: ``train.stop_when``'s ``"frechet <= 2 * frechet_floor"``.

A condition is ``KEY OP RIGHT``: ``KEY`` one of the evaluation's scores (:data:`EVALUATION_KEYS`), ``OP`` one
of ``<= >= < >``, and ``RIGHT`` a number, another score, or a number times a score. A run with conditions
stops cleanly (status ``target reached``) at the first evaluation where every one holds. A score that the
evaluation lacks or left empty (a non-finite sample) holds no condition.

>>> check = parse_condition("frechet <= 2*frechet_floor")
>>> check.holds({"frechet": 11.0, "frechet_floor": 6.0}), check.holds({"frechet": 13.0, "frechet_floor": 6.0})
(True, False)
>>> parse_condition("modes_covered>=990").holds({"modes_covered": 994})
True
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any

from gandojo.i18n import _

# What an evaluation reports (gandojo.metrics.scoring), and what the metrics log keeps of it.
EVALUATION_KEYS = ("modes_covered", "modes_total", "high_quality", "reverse_kl", "classes_covered", "class_kl",
                   "confident", "frechet", "frechet_floor", "precision", "recall", "density", "coverage", "kl",
                   "kl_dependence")
CONDITION_KEYS = (*EVALUATION_KEYS, "wasserstein")

_OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PATTERN = re.compile(rf"\s*([a-z_]+)\s*(<=|>=|<|>)\s*(?:({_NUMBER})\s*\*\s*([a-z_]+)|({_NUMBER})|([a-z_]+))\s*")


@dataclass(frozen=True)
class Condition:
    """``key op factor * other`` (``other`` None: ``key op factor``)."""

    key: str
    op: str
    factor: float
    other: str | None = None

    def holds(self, result: dict[str, Any]) -> bool:
        """Whether the evaluation ``result`` meets it (False where a score it names is missing or None)."""
        left = result.get(self.key)
        right = self.factor if self.other is None else result.get(self.other)
        if left is None or right is None:
            return False
        if self.other is not None:
            right = self.factor * right
        return bool(_OPERATORS[self.op](float(left), float(right)))

    def __str__(self) -> str:
        factor = f"{self.factor:g}"
        right = factor if self.other is None else self.other if self.factor == 1 else f"{factor} * {self.other}"
        return f"{self.key} {self.op} {right}"


def parse_condition(text: str) -> Condition:
    """``"kl <= 0.1"``, ``"frechet <= 2 * frechet_floor"``, ``"classes_covered >= 10"`` -> a :class:`Condition`.

    Raises ValueError saying what is expected (the form, or the scores a condition may name)."""
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(_("a condition KEY OP VALUE such as 'kl <= 0.1' or 'frechet <= 2 * frechet_floor' "
                           "(OP one of <= >= < >)"))
    key, op, factor, other, number, alone = match.groups()
    condition = (Condition(key, op, float(factor), other) if other else
                 Condition(key, op, float(number)) if number else Condition(key, op, 1.0, alone))
    for name in (condition.key, condition.other):
        if name is not None and name not in CONDITION_KEYS:
            raise ValueError(_("a condition on a score an evaluation reports ({keys}); {key!r} is none of "
                               "them").format(key=name, keys=", ".join(CONDITION_KEYS)))
    return condition


def all_hold(conditions: tuple[str, ...], result: dict[str, Any]) -> bool:
    """Whether every condition holds for the evaluation ``result`` (False for no conditions)."""
    return bool(conditions) and all(parse_condition(text).holds(result) for text in conditions)


__all__ = ["CONDITION_KEYS", "Condition", "EVALUATION_KEYS", "all_hold", "parse_condition"]
