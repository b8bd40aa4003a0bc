"""A snapshot of a lab's simulator as JSON: what a room keeps so that a learner's restarted
kernel finds the same instances, tasks, services, nodes and pods.

moto keeps the control plane; the data plane (the ECS agent's tasks, services, Kubernetes
objects, day-2 loads and autoscalers, the lab's clock and seeded ids) lives in the simulator's
objects. :func:`encode` writes that object graph as JSON and :func:`decode` reads it back.

It is not pickle: nothing in a snapshot can run code or name anything outside this package.

- Plain data (``None``, ``bool``, ``int``, ``float``, ``str``), lists, dicts, sets, tuples,
  dates, times and durations, ``random.Random`` states and enums are written as data.
- An object is written as its class's name and its attributes. Reading it back makes the
  object without calling its constructor (``object.__new__``) and sets the attributes; only
  classes defined in ``awscontainers`` are accepted.
- A function is written by name and must be a module-level function of ``awscontainers``;
  a bound method as its object and name.
- Lambdas and closures cannot be written: a class holding one names it in
  ``_snapshot_exclude`` and rebuilds it in ``_snapshot_restored()``, which runs once every
  object is read.
- The objects of the lab that are made afresh when a lab opens (the lab, its account, event
  bus, clock and simulators) are *wires*: written by name, read back as the new lab's own.

Shared objects stay shared and cycles stay cycles: every mutable value is written once into
a table and referred to by its index.

>>> import datetime as dt
>>> shared = {"when": dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)}
>>> doc = encode({"a": [shared, shared], "s": {1, 2}}, wires={})
>>> back = decode(doc, wires={})
>>> back["a"][0] is back["a"][1], back["a"][0]["when"].year, back["s"]
(True, 2026, {1, 2})
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import importlib
import math
import random
import types
from collections import deque
from typing import Any

from ..errors import LabError

#: The format's name and version: a snapshot of another format is refused, not misread.
FORMAT = "awscontainers-sim/1"
_PACKAGE = "awscontainers"


class SnapshotError(LabError):
    """A simulator state that cannot be written, or a snapshot that cannot be read."""


def _qualified(obj: Any) -> str:
    return f"{obj.__module__}:{obj.__qualname__}"


def _ours(module: str | None) -> bool:
    return bool(module) and (module == _PACKAGE or str(module).startswith(_PACKAGE + "."))


#: Where a value sits, spelled out only when an error names it: (parent, how, key) links,
#: ``how`` being "[" (an item), "." (an attribute) or "{" (a member of a set).
_Path = tuple[Any, str, Any] | str
_PLAIN = (str, bool, type(None), int)


def _where(path: _Path) -> str:
    steps: list[str] = []
    while isinstance(path, tuple):
        path, how, key = path
        steps.append(f"[{key!r}]" if how == "[" else f".{key}" if how == "." else "{}")
    return str(path) + "".join(reversed(steps))


class _Encoder:
    def __init__(self, wires: dict[str, Any]) -> None:
        self.wires = {id(obj): name for name, obj in wires.items()}
        self.memo: dict[int, int] = {}
        self.table: list[Any] = []
        self.keep: list[Any] = []  # keeps encoded objects alive, so ids stay unique

    def _slot(self, obj: Any) -> tuple[int, bool]:
        """The table index for a mutable value, and whether it is new."""
        key = id(obj)
        index = self.memo.get(key)
        if index is not None:
            return index, False
        index = self.memo[key] = len(self.table)
        self.keep.append(obj)
        self.table.append(None)
        return index, True

    def value(self, obj: Any, path: _Path) -> Any:
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"$f": repr(obj)}
        if kind is dict:
            index, new = self._slot(obj)
            if new:
                self.table[index] = self._dict(obj, path)
            return {"$r": index}
        if kind is list:
            index, new = self._slot(obj)
            if new:
                self.table[index] = {"L": self._items(obj, path)}
            return {"$r": index}
        if kind is tuple:
            return {"$t": self._items(obj, path)}
        if kind is _dt.datetime:
            return {"$dt": obj.isoformat()}
        return self._other(obj, path)

    def _items(self, items: Any, path: _Path) -> list:
        value = self.value
        return [value(v, (path, "[", i)) for i, v in enumerate(items)]

    def _other(self, obj: Any, path: _Path) -> Any:
        wire = self.wires.get(id(obj))
        if wire is not None:
            return {"$w": wire}
        if isinstance(obj, enum.Enum):
            return {"$e": _qualified(type(obj)), "v": obj.name}
        if isinstance(obj, bool | int | str) or obj is None:
            return obj
        if isinstance(obj, _dt.datetime):
            return {"$dt": obj.isoformat()}
        if isinstance(obj, _dt.date):
            return {"$date": obj.isoformat()}
        if isinstance(obj, _dt.timedelta):
            return {"$td": [obj.days, obj.seconds, obj.microseconds]}
        if isinstance(obj, frozenset):
            return {"$fs": [self.value(v, (path, "{", None)) for v in obj]}
        kind = type(obj)
        if kind in (set, deque, random.Random):
            index, new = self._slot(obj)
            if new:
                if kind is set:
                    self.table[index] = {"S": [self.value(v, (path, "{", None)) for v in obj]}
                elif kind is deque:
                    self.table[index] = {"Q": self._items(obj, path), "n": obj.maxlen}
                else:
                    self.table[index] = {"R": _random_state(obj)}
            return {"$r": index}
        if kind is functools.partial:
            return {
                "$p": [
                    self.value(obj.func, (path, ".", "func")),
                    self._items(obj.args, (path, ".", "args")),
                    self._dict(obj.keywords, (path, ".", "keywords")),
                ]
            }
        if isinstance(obj, types.MethodType):
            return {
                "$m": [self.value(obj.__self__, (path, ".", "__self__")), obj.__func__.__name__]
            }
        if isinstance(obj, types.FunctionType | types.BuiltinFunctionType | type):
            return {"$fn": self._function(obj, path)}
        if _ours(kind.__module__) and not isinstance(obj, dict | list | set | tuple):
            index, new = self._slot(obj)
            if new:
                self.table[index] = self._object(obj, path)
            return {"$r": index}
        raise SnapshotError(
            f"The simulator holds a {kind.__module__}.{kind.__qualname__} at "
            f"{_where(path)}, which a snapshot cannot write.",
            hint="this is a bug in awscontainers; the lab works on, but cannot be saved.",
        )

    def _dict(self, obj: dict, path: _Path) -> dict:
        value = self.value
        if all(type(k) is str for k in obj):
            return {"D": {k: value(v, (path, "[", k)) for k, v in obj.items()}}
        return {
            "P": [
                [value(k, (path, "[", "<key>")), value(v, (path, "[", k))] for k, v in obj.items()
            ]
        }

    def _object(self, obj: Any, path: _Path) -> dict:
        cls = type(obj)
        exclude = set(getattr(cls, "_snapshot_exclude", ()))
        return {
            "O": _qualified(cls),
            "a": {
                name: self.value(value, (path, ".", name))
                for name, value in _attributes(obj).items()
                if name not in exclude
            },
        }

    def _function(self, fn: Any, path: _Path) -> str:
        name = _qualified(fn)
        if not _ours(fn.__module__) or "<" in fn.__qualname__:
            raise SnapshotError(
                f"The simulator holds the function {name} at {_where(path)}: only "
                "module-level functions of awscontainers can be written.",
                hint="this is a bug in awscontainers; the lab works on, but cannot be saved.",
            )
        return name


def _attributes(obj: Any) -> dict[str, Any]:
    attrs = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if slot not in ("__dict__", "__weakref__") and hasattr(obj, slot):
                attrs[slot] = getattr(obj, slot)
    return attrs


def _random_state(rng: random.Random) -> list:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def encode(roots: dict[str, Any], wires: dict[str, Any]) -> dict:
    """The JSON-ready snapshot of ``roots`` (a name -> value mapping); any of ``wires``
    met on the way is written by its name."""
    encoder = _Encoder(wires)
    names = {name: encoder.value(value, name) for name, value in roots.items()}
    return {"format": FORMAT, "roots": names, "table": encoder.table}


def state_of(obj: Any) -> dict[str, Any]:
    """An object's attributes as a snapshot keeps them (without its ``_snapshot_exclude``)."""
    exclude = set(getattr(type(obj), "_snapshot_exclude", ()))
    return {k: v for k, v in _attributes(obj).items() if k not in exclude}


class _Decoder:
    def __init__(self, doc: Any, wires: dict[str, Any]) -> None:
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            raise SnapshotError(
                f"Not a simulator snapshot of format {FORMAT} (found {found!r}).",
                hint="start from a fresh lab; the saved state was written by another version.",
            )
        table = doc.get("table")
        if not isinstance(table, list):
            raise SnapshotError("The snapshot has no table.", hint="start from a fresh lab.")
        self.table = table
        self.wires = wires
        self.done: dict[int, Any] = {}
        self.objects: list[Any] = []  # in the order made, for _snapshot_restored

    def value(self, data: Any) -> Any:
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if isinstance(data, dict) and len(data) <= 2:
            if "$r" in data:
                return self.entry(data["$r"])
            if "$w" in data:
                if data["$w"] not in self.wires:
                    raise SnapshotError(f"Unknown wire {data['$w']!r}.", hint="start afresh.")
                return self.wires[data["$w"]]
            if "$f" in data:
                return float(data["$f"])
            if "$dt" in data:
                return _dt.datetime.fromisoformat(data["$dt"])
            if "$date" in data:
                return _dt.date.fromisoformat(data["$date"])
            if "$td" in data:
                days, seconds, micros = data["$td"]
                return _dt.timedelta(days=days, seconds=seconds, microseconds=micros)
            if "$t" in data:
                return tuple(self.value(v) for v in data["$t"])
            if "$fs" in data:
                return frozenset(self.value(v) for v in data["$fs"])
            if "$e" in data:
                return _resolve(data["$e"], enum.Enum)[data["v"]]
            if "$m" in data:
                owner, name = data["$m"]
                method = getattr(self.value(owner), _attribute_name(name))
                if not isinstance(method, types.MethodType):
                    raise SnapshotError(f"{name!r} is not a method.", hint="start afresh.")
                return method
            if "$p" in data:
                func, args, keywords = data["$p"]
                named: dict = {}
                self._fill_dict(named, keywords)
                return functools.partial(self.value(func), *map(self.value, args), **named)
            if "$fn" in data:
                return _resolve(data["$fn"], None)
        raise SnapshotError(
            f"Unreadable value in the snapshot: {str(data)[:80]}", hint="start afresh."
        )

    def _fill_dict(self, out: dict, data: dict) -> None:
        if "D" in data:
            for k, v in data["D"].items():
                out[k] = self.value(v)
        else:
            for k, v in data["P"]:
                out[self.value(k)] = self.value(v)

    def entry(self, index: Any) -> Any:
        if not isinstance(index, int) or not 0 <= index < len(self.table):
            raise SnapshotError(f"Bad reference {index!r} in the snapshot.", hint="start afresh.")
        if index in self.done:
            return self.done[index]
        data = self.table[index]
        if not isinstance(data, dict):
            raise SnapshotError(f"Bad table entry {index}.", hint="start afresh.")
        if "D" in data or "P" in data:
            out: Any = {}
            self.done[index] = out
            self._fill_dict(out, data)
        elif "L" in data:
            out = []
            self.done[index] = out
            out.extend(self.value(v) for v in data["L"])
        elif "Q" in data:
            out = deque(maxlen=data.get("n"))
            self.done[index] = out
            out.extend(self.value(v) for v in data["Q"])
        elif "S" in data:
            out = set()
            self.done[index] = out
            out.update(self.value(v) for v in data["S"])
        elif "R" in data:
            version, internal, gauss = data["R"]
            out = random.Random()
            out.setstate((version, tuple(internal), gauss))
            self.done[index] = out
        elif "O" in data:
            cls = _resolve(data["O"], type)
            out = object.__new__(cls)
            self.done[index] = out
            self.objects.append(out)
            for name, value in data["a"].items():
                object.__setattr__(out, _attribute_name(name), self.value(value))
        else:
            raise SnapshotError(f"Bad table entry {index}.", hint="start afresh.")
        return out


def _attribute_name(name: Any) -> str:
    """An attribute name a snapshot may set or read: never a dunder (``__class__``...)."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("__"):
        raise SnapshotError(f"Bad attribute name {str(name)[:40]!r}.", hint="start afresh.")
    return name


def _resolve(name: Any, kind: type | None) -> Any:
    """The class or function ``module:qualname`` names, if it is one of this package's."""
    if not isinstance(name, str) or ":" not in name:
        raise SnapshotError(f"Bad name {str(name)[:80]!r} in the snapshot.", hint="start afresh.")
    module_name, _, qualname = name.partition(":")
    if not _ours(module_name) or "<" in qualname:
        raise SnapshotError(
            f"The snapshot names {name}, outside awscontainers: refused.",
            hint="a snapshot only ever names the package's own classes; start afresh.",
        )
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise SnapshotError(
            f"The snapshot names {name}, which this version of awscontainers does not have.",
            hint="the state was saved by another version: start from a fresh lab.",
        ) from exc
    if kind is type and not isinstance(target, type):
        raise SnapshotError(f"{name} is not a class.", hint="start afresh.")
    if kind is enum.Enum and not (isinstance(target, type) and issubclass(target, enum.Enum)):
        raise SnapshotError(f"{name} is not an enum.", hint="start afresh.")
    if kind is None and not (
        isinstance(target, types.FunctionType | type) and _ours(target.__module__)
    ):
        raise SnapshotError(f"{name} is not a function of awscontainers.", hint="start afresh.")
    return target


class Read:
    """A snapshot read back: ``roots`` by name, and :meth:`apply` to make it the lab's."""

    def __init__(self, roots: dict[str, Any], objects: list[Any], wires: dict[str, Any]):
        self.roots = roots
        self._objects = objects
        self._wires = wires

    def apply(self) -> None:
        """Set each root's state on the wire of the same name (roots that are a wire's
        attributes), then let every object read rebuild what it left out."""
        for name, state in self.roots.items():
            target = self._wires.get(name)
            if target is not None and isinstance(state, dict):
                for attr, value in state.items():
                    object.__setattr__(target, attr, value)
        self.finish()

    def finish(self) -> None:
        """Call ``_snapshot_restored(wires)`` on every object read that defines it, in
        the order they were read."""
        for obj in self._objects:
            hook = getattr(type(obj), "_snapshot_restored", None)
            if hook is not None:
                hook(obj, self._wires)


def read(doc: Any, wires: dict[str, Any]) -> Read:
    """Read a snapshot back (nothing of the lab changes until :meth:`Read.apply`)."""
    decoder = _Decoder(doc, wires)
    roots = doc.get("roots")
    if not isinstance(roots, dict):
        raise SnapshotError("The snapshot has no roots.", hint="start from a fresh lab.")
    try:
        out = {name: decoder.value(value) for name, value in roots.items()}
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise SnapshotError(
            f"The snapshot is damaged ({type(exc).__name__}: {str(exc)[:80]}).",
            hint="start from a fresh lab.",
        ) from exc
    return Read(out, decoder.objects, wires)


def decode(doc: Any, wires: dict[str, Any]) -> dict[str, Any]:
    """The roots a snapshot holds, read back and complete (``_snapshot_restored`` called);
    ``wires`` are this lab's own objects."""
    snapshot = read(doc, wires)
    snapshot.finish()
    return snapshot.roots
