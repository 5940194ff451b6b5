"""JSON as Meta's webhooks deliver it, with numbers no database can store marked, not kept.

``json.loads`` turns ``1e400`` into ``inf`` and accepts the ``NaN``, ``Infinity`` and
``-Infinity`` literals, none of which is JSON; PostgreSQL's jsonb refuses them, so a
raw payload holding one would fail its INSERT. Here they become ``NON_FINITE`` at
parse time: the typed getters read it as a missing value, and an event that holds
one is rejected whole (answered 200, so Meta does not redeliver it for days) while
the other events of the same delivery are stored as usual.
"""

import json
import math


class _NonFinite:
    """The one marker for a number JSON cannot carry; never equal to a real value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NON_FINITE"


NON_FINITE = _NonFinite()


def _float_load(text: str) -> float | _NonFinite:
    number = float(text)
    return number if math.isfinite(number) else NON_FINITE


def _constant_load(name: str) -> _NonFinite:
    return NON_FINITE


def meta_json_load(body: bytes) -> object:
    """``json.loads`` with NaN, ±Infinity and out-of-range numbers as ``NON_FINITE``."""
    return json.loads(body, parse_float=_float_load, parse_constant=_constant_load)


def holds_non_finite(value: object) -> bool:
    """Whether ``value`` (a decoded event) holds ``NON_FINITE`` anywhere."""
    if value is NON_FINITE:
        return True
    if isinstance(value, dict):
        return any(holds_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_non_finite(item) for item in value)
    return False
