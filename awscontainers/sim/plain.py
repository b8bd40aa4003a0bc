"""Copies of the simulators' plain records (JSON-like dicts and lists of scalars).

Records handed to a learner are copies, so nothing they change reaches the simulator.
``copy.deepcopy`` copes with any object and keeps a memo of everything it copied: several
times slower than walking dicts and lists, which matters when a service starts 1,000 tasks
or a learner lists 10,000 pods.

>>> record = {"a": [1, {"b": 2}], "when": None}
>>> copied = copy_object(record)
>>> copied == record, copied["a"] is record["a"], copied["a"][1] is record["a"][1]
(True, False, False)
"""

from __future__ import annotations

from typing import Any

__all__ = ["copy_object"]


def copy_object(value: Any) -> Any:
    """A deep copy of JSON-like data: dicts and lists are copied, anything else (strings,
    numbers, datetimes: immutable) is shared."""
    if isinstance(value, dict):
        return {k: copy_object(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_object(v) for v in value]
    return value
