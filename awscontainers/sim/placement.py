"""ECS task placement on EC2 container instances, as pure functions.

ECS decides *where* a task runs in three steps, and this module does the same:

1. **Filter** the container instances: only ``ACTIVE`` ones, which satisfy every placement
   constraint (``memberOf``, ``distinctInstance``) and have enough CPU, memory and free host
   ports for the task.
2. **Rank** the survivors with the placement strategies (``binpack``, ``spread``,
   ``random``), each one breaking the ties left by the previous one.
3. **Place** one task, deduct what it uses, and start again for the next task, so later tasks
   see the earlier ones.

No boto3 and no moto here: plain data in, plain data out, so a learner (or a test) can try
placement ideas in microseconds.

>>> import random
>>> a = Candidate("arn:i/a", "i-a", {"ecs.availability-zone": "us-east-1a"}, cpu=1024, memory=2048)
>>> b = Candidate("arn:i/b", "i-b", {"ecs.availability-zone": "us-east-1b"}, cpu=1024, memory=512)
>>> shape = TaskShape(cpu=256, memory=512, group="family:web")
>>> place([a, b], shape, 2, [{"type": "binpack", "field": "memory"}], None, random.Random(0))
PlacementResult(placements=['arn:i/b', 'arn:i/a'], failures=[])
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from awscontainers.arns import short_name
from awscontainers.errors import InvalidParameterError
from awscontainers.sim.wildcards import wildcard

__all__ = [
    "CLOSEST_CPU",
    "CLOSEST_GPU",
    "CLOSEST_MEMORY",
    "CLOSEST_PORTS",
    "INSTANCE_ID_KEY",
    "MAX_CONSTRAINTS",
    "MAX_EXPRESSION_LENGTH",
    "MAX_STRATEGIES",
    "NO_INSTANCES_MESSAGE",
    "REASON_CPU",
    "REASON_DISTINCT_INSTANCE",
    "REASON_GPU",
    "REASON_MEMBER_OF",
    "REASON_MEMORY",
    "REASON_PORTS",
    "SERVICE_DEFAULT_STRATEGY",
    "Candidate",
    "PlacementResult",
    "TaskShape",
    "closest_match",
    "closest_match_message",
    "unable_to_place_event",
    "parse_expression",
    "place",
    "validate_placement",
]

# --- What ECS itself says (its "API failure reasons" and service events) -------------------

#: The error RunTask/StartTask raise when the cluster has no ACTIVE container instance.
NO_INSTANCES_MESSAGE = "No Container Instances were found in your cluster."
REASON_MEMBER_OF = "MemberOf placement constraint unsatisfied."
REASON_DISTINCT_INSTANCE = "DistinctInstance placement constraint unsatisfied."
REASON_CPU = "RESOURCE:CPU"
REASON_MEMORY = "RESOURCE:MEMORY"
REASON_PORTS = "RESOURCE:PORTS"
#: ECS names a short resource ``RESOURCE:<name>`` after the resource the agent registered
#: (CPU, MEMORY, PORTS, GPU); see "Amazon ECS API failure reasons" (RESOURCE:*).
REASON_GPU = "RESOURCE:GPU"

#: Short causes returned by :func:`closest_match`.
CLOSEST_CPU = "insufficient CPU units available"
CLOSEST_MEMORY = "insufficient memory available"
CLOSEST_PORTS = "ports already in use"
#: The lab's wording, built like ECS's CPU and memory ones.
CLOSEST_GPU = "insufficient GPUs available"

#: What the ECS console proposes for a new service ("AZ balanced spread"). RunTask has no
#: default strategy: ECS then places at random, which is what ``strategy=None`` does here.
SERVICE_DEFAULT_STRATEGY: list[dict[str, str]] = [
    {"type": "spread", "field": "attribute:ecs.availability-zone"},
    {"type": "spread", "field": "instanceId"},
]

# Limits from the ECS API reference.
MAX_STRATEGIES = 5
MAX_CONSTRAINTS = 10
MAX_EXPRESSION_LENGTH = 2000

#: Key under which ``place`` exposes the EC2 instance id to a memberOf expression
#: (``ec2InstanceId == i-0abc...``), next to the ``attribute:`` names.
INSTANCE_ID_KEY = "ec2InstanceId"

_CODE = "InvalidParameterException"
_QUERY_LANGUAGE_HINT = (
    "Use the ECS cluster query language: comparisons like "
    "'attribute:ecs.instance-type =~ t3.*' or 'attribute:ecs.availability-zone in "
    "[us-east-1a, us-east-1b]', joined with and / or / not and parentheses."
)

Predicate = Callable[[Mapping[str, str]], bool]


# --- Data model ----------------------------------------------------------------------------


@dataclass
class Candidate:
    """A container instance as the placement engine sees it.

    ``cpu``/``memory``/``gpus`` are what *remains* (CPU units, MiB, free GPUs), ``ports`` the
    host ports already taken, and ``groups`` how many running tasks each task group has
    here ("family:web" for RunTask, "service:api" for a service).

    >>> Candidate("arn:aws:ecs:us-east-1:123456789012:container-instance/c/1", "i-1",
    ...           {"ecs.instance-type": "t3.small"}, cpu=2048, memory=1900).status
    'ACTIVE'
    """

    arn: str
    instance_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    cpu: int = 0
    memory: int = 0
    ports: set[int] = field(default_factory=set)
    status: str = "ACTIVE"
    groups: dict[str, int] = field(default_factory=dict)
    gpus: int = 0


@dataclass(frozen=True)
class TaskShape:
    """What one task needs: CPU units, MiB, fixed host ports, its task group and GPUs (the
    sum of its containers' ``resourceRequirements`` of type GPU).

    A host port of ``0`` means "any free port" (dynamic port mapping) and never conflicts.

    >>> TaskShape(cpu=256, memory=512, host_ports=(80,), group="service:web").host_ports
    (80,)
    """

    cpu: int = 0
    memory: int = 0
    host_ports: tuple[int, ...] = ()
    group: str = ""
    gpus: int = 0


@dataclass
class PlacementResult:
    """Where each placed task went, and why the others could not go anywhere.

    ``placements`` holds one container-instance ARN per placed task, in placement order;
    ``failures`` uses the boto3 ``failures`` shape, at most one entry per instance.

    >>> PlacementResult(["arn:i/a"], []).placements
    ['arn:i/a']
    """

    placements: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)


# --- Cluster query language ----------------------------------------------------------------

_PUNCTUATION = "()[],"
# Longest first, so "!=" is not read as "!" then "=".
_SYMBOLS = ("==", "!=", "=~", "!~", ">=", "<=", "&&", "||", ">", "<", "!")
_WORD_STOP = frozenset(" \t\r\n()[],'\"=!<>~&|")
_NAMED_COMPARISONS = {
    "equals": "==",
    "not_equals": "!=",
    "matches": "=~",
    "not_matches": "!~",
    "greater_than": ">",
    "greater_than_equal": ">=",
    "less_than": "<",
    "less_than_equal": "<=",
}
_COMPARISONS = frozenset(_NAMED_COMPARISONS.values())
# Real ECS subjects this simulation does not model: refused with a clear message rather
# than silently matching nothing.
_UNSUPPORTED_SUBJECTS = frozenset(
    {"agentconnected", "agentversion", "registeredat", "runningtaskscount", "task:group"}
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "punct", "symbol", "word" or "string"
    text: str
    pos: int


def _expression_error(expression: str, problem: str) -> InvalidParameterError:
    return InvalidParameterError(
        f"Invalid memberOf expression {expression!r}: {problem} "
        "(expressions are written in the ECS cluster query language).",
        code=_CODE,
        hint=_QUERY_LANGUAGE_HINT,
    )


def _tokenize(expression: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(expression)
    while i < n:
        ch = expression[i]
        if ch.isspace():
            i += 1
        elif ch in _PUNCTUATION:
            tokens.append(_Token("punct", ch, i))
            i += 1
        elif ch in "'\"":
            end = expression.find(ch, i + 1)
            if end < 0:
                raise _expression_error(expression, f"unclosed quote at position {i}")
            tokens.append(_Token("string", expression[i + 1 : end], i))
            i = end + 1
        else:
            symbol = next((s for s in _SYMBOLS if expression.startswith(s, i)), None)
            if symbol is not None:
                tokens.append(_Token("symbol", symbol, i))
                i += len(symbol)
                continue
            start = i
            while i < n and expression[i] not in _WORD_STOP:
                i += 1
            if i == start:  # a lone "=", "~", "&" or "|": nothing we can read
                raise _expression_error(expression, f"unexpected {ch!r} at position {i}")
            tokens.append(_Token("word", expression[start:i], start))
    return tokens


def _ordered(left: str, right: str) -> tuple[Any, Any]:
    # Numbers compare as numbers ("10" > "9"), anything else as text.
    try:
        return float(left), float(right)
    except ValueError:
        return left, right


def _compare(key: str, op: str, value: str) -> Predicate:
    # A missing attribute never equals/matches/orders anything, so the *negative* operators
    # are true for it: "attribute:gpu != yes" keeps instances that have no "gpu" attribute.
    if op == "==":
        return lambda attrs: attrs.get(key) == value
    if op == "!=":
        return lambda attrs: attrs.get(key) != value
    if op in ("=~", "!~"):
        regex = wildcard(value)
        want = op == "=~"

        def matches(attrs: Mapping[str, str]) -> bool:
            got = attrs.get(key)
            return (got is not None and regex.fullmatch(got) is not None) == want

        return matches

    def ordered(attrs: Mapping[str, str]) -> bool:
        got = attrs.get(key)
        if got is None:
            return False
        left, right = _ordered(got, value)
        if type(left) is not type(right):
            return False
        if op == ">":
            return left > right
        if op == ">=":
            return left >= right
        if op == "<":
            return left < right
        return left <= right

    return ordered


class _Parser:
    """Recursive descent: or -> and -> not -> (parenthesised | comparison)."""

    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.pos = 0

    # Token helpers ----------------------------------------------------------------------
    def _peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _is(self, token: _Token | None, *names: str) -> bool:
        # Keywords are case-insensitive ("AND", "and"); symbols must match exactly.
        if token is None or token.kind == "string":
            return False
        text = token.text.lower() if token.kind == "word" else token.text
        return text in names

    def _accept(self, *names: str) -> bool:
        if self._is(self._peek(), *names):
            self.pos += 1
            return True
        return False

    def _fail(self, problem: str) -> InvalidParameterError:
        token = self._peek()
        where = f"at {token.text!r} (position {token.pos})" if token else "at the end"
        return _expression_error(self.expression, f"{problem} {where}")

    # Grammar -----------------------------------------------------------------------------
    def parse(self) -> Predicate:
        if not self.tokens:
            raise _expression_error(self.expression, "the expression is empty")
        predicate = self._or()
        if self._peek() is not None:
            raise self._fail("unexpected text")
        return predicate

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._accept("or", "||"):
            parts.append(self._and())
        if len(parts) == 1:
            return parts[0]
        return lambda attrs: any(part(attrs) for part in parts)

    def _and(self) -> Predicate:
        parts = [self._not()]
        while self._accept("and", "&&"):
            parts.append(self._not())
        if len(parts) == 1:
            return parts[0]
        return lambda attrs: all(part(attrs) for part in parts)

    def _not(self) -> Predicate:
        if self._accept("not", "!"):
            inner = self._not()
            return lambda attrs: not inner(attrs)
        if self._accept("("):
            inner = self._or()
            if not self._accept(")"):
                raise self._fail("expected ')'")
            return inner
        return self._comparison()

    def _subject(self) -> str:
        token = self._peek()
        if token is None or token.kind != "word":
            raise self._fail("expected an attribute such as attribute:ecs.instance-type")
        text = token.text
        if text.lower().startswith("attribute:") and len(text) > len("attribute:"):
            self.pos += 1
            return text[len("attribute:") :]
        if text.lower() == INSTANCE_ID_KEY.lower():
            self.pos += 1
            return INSTANCE_ID_KEY
        if text.lower() in _UNSUPPORTED_SUBJECTS:
            raise _expression_error(
                self.expression, f"{text!r} is real ECS syntax this simulation does not model"
            )
        raise self._fail("expected attribute:<name> or ec2InstanceId")

    def _value(self) -> str:
        token = self._peek()
        if token is None or token.kind not in ("word", "string"):
            raise self._fail("expected a value")
        self.pos += 1
        return token.text

    def _values(self) -> frozenset[str]:
        if not self._accept("["):
            raise self._fail("expected '[' to start a list like [a, b]")
        values = [self._value()]
        while self._accept(","):
            values.append(self._value())
        if not self._accept("]"):
            raise self._fail("expected ']' to close the list")
        return frozenset(values)

    def _comparison(self) -> Predicate:
        key = self._subject()
        # "not exists", "!exists", "not in", "!in" (and not_exists / not_in below).
        negated = self._accept("not", "!")
        if self._accept("exists"):
            return (lambda a: key not in a) if negated else (lambda a: key in a)
        if self._accept("in"):
            values = self._values()
            if negated:
                return lambda a: a.get(key) not in values
            return lambda a: a.get(key) in values
        if negated:
            raise self._fail("expected 'exists' or 'in' after 'not'")
        if self._accept("not_exists"):
            return lambda a: key not in a
        if self._accept("not_in"):
            values = self._values()
            return lambda a: a.get(key) not in values
        token = self._peek()
        if token is not None and token.kind == "symbol" and token.text in _COMPARISONS:
            op = token.text
        elif token is not None and token.kind == "word" and token.text in _NAMED_COMPARISONS:
            op = _NAMED_COMPARISONS[token.text]
        else:
            raise self._fail("expected an operator (==, !=, =~, !~, >, <, in, exists...)")
        self.pos += 1
        return _compare(key, op, self._value())


def parse_expression(expression: str) -> Predicate:
    """Compile a memberOf expression into a test on an attribute mapping.

    Subjects are ``attribute:<name>`` (looked up as ``<name>``) and ``ec2InstanceId``
    (looked up as :data:`INSTANCE_ID_KEY`). Operators: ``==``, ``!=``, ``=~``/``!~``
    (``*`` wildcard), ``>``, ``>=``, ``<``, ``<=``, ``in [a, b]``, ``not in``/``!in``,
    ``exists``, ``not exists``/``!exists``, their ECS word forms (``equals``, ``not_in``...),
    joined with ``and``/``&&``, ``or``/``||``, ``not``/``!`` and parentheses.

    >>> small = parse_expression("attribute:ecs.instance-type =~ t3.* and not "
    ...                          "attribute:ecs.availability-zone == us-east-1c")
    >>> small({"ecs.instance-type": "t3.micro", "ecs.availability-zone": "us-east-1a"})
    True
    >>> small({"ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1a"})
    False
    """
    if not isinstance(expression, str):
        raise InvalidParameterError(
            f"A memberOf expression must be a string, not {type(expression).__name__}.",
            code=_CODE,
            hint=_QUERY_LANGUAGE_HINT,
        )
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise InvalidParameterError(
            f"The memberOf expression is {len(expression)} characters long; the maximum "
            f"is {MAX_EXPRESSION_LENGTH}.",
            code=_CODE,
            hint="Shorten it, e.g. with 'in [a, b]' instead of many '==' joined by 'or'.",
        )
    return _Parser(expression).parse()


# --- Validation of strategies and constraints ----------------------------------------------

_STRATEGY_HINT = (
    "Valid strategies are {'type': 'binpack', 'field': 'cpu' | 'memory'}, "
    "{'type': 'spread', 'field': 'instanceId' | 'host' | 'attribute:<name>'} "
    "and {'type': 'random'}."
)


def _parse_strategy(strategy: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, str]]:
    """Normalise to (kind, argument): ("binpack", "cpu"), ("spread_attr", "ecs.az")..."""
    if not strategy:
        # RunTask without a strategy: ECS picks at random.
        return [("random", "")]
    if isinstance(strategy, (str, Mapping)) or not isinstance(strategy, Sequence):
        raise InvalidParameterError(
            "placementStrategy must be a list of strategy objects.",
            code=_CODE,
            hint="Wrap it in a list, e.g. [{'type': 'spread', 'field': 'instanceId'}].",
        )
    if len(strategy) > MAX_STRATEGIES:
        raise InvalidParameterError(
            f"The number of placement strategies ({len(strategy)}) exceeds the maximum "
            f"allowed of {MAX_STRATEGIES}.",
            code=_CODE,
            hint=f"Keep at most {MAX_STRATEGIES}; each one only breaks the ties of the one "
            "before, so the first ones matter most.",
        )
    steps: list[tuple[str, str]] = []
    for item in strategy:
        if not isinstance(item, Mapping):
            raise InvalidParameterError(
                f"Each placement strategy must be an object, not {item!r}.",
                code=_CODE,
                hint=_STRATEGY_HINT,
            )
        kind = item.get("type")
        raw_field = item.get("field")
        fld = raw_field if isinstance(raw_field, str) else ""
        if kind == "random":
            steps.append(("random", ""))  # ECS ignores a field on random
        elif kind == "binpack" and fld.lower() in ("cpu", "memory"):
            steps.append(("binpack", fld.lower()))
        elif kind == "spread" and fld.lower() in ("instanceid", "host"):
            steps.append(("spread_instance", ""))
        elif kind == "spread" and fld.startswith("attribute:") and len(fld) > len("attribute:"):
            steps.append(("spread_attr", fld[len("attribute:") :]))
        elif kind in ("binpack", "spread"):
            valid = "cpu, memory" if kind == "binpack" else "instanceId, host, attribute:<name>"
            raise InvalidParameterError(
                f"Invalid field {raw_field!r} for placement strategy type {kind!r}. "
                f"Valid fields are: {valid}.",
                code=_CODE,
                hint=_STRATEGY_HINT,
            )
        else:
            raise InvalidParameterError(
                f"Invalid placement strategy type {kind!r}. Valid types are: "
                "binpack, spread, random.",
                code=_CODE,
                hint=_STRATEGY_HINT,
            )
    return steps


def _parse_constraints(
    constraints: Sequence[Mapping[str, Any]] | None,
) -> tuple[list[Predicate], bool]:
    """Return (memberOf predicates, whether distinctInstance applies)."""
    if not constraints:
        return [], False
    if isinstance(constraints, (str, Mapping)) or not isinstance(constraints, Sequence):
        raise InvalidParameterError(
            "placementConstraints must be a list of constraint objects.",
            code=_CODE,
            hint="Wrap it in a list, e.g. [{'type': 'distinctInstance'}].",
        )
    if len(constraints) > MAX_CONSTRAINTS:
        raise InvalidParameterError(
            f"The number of placement constraints ({len(constraints)}) exceeds the maximum "
            f"allowed of {MAX_CONSTRAINTS}.",
            code=_CODE,
            hint="Merge memberOf constraints into one expression with 'and'.",
        )
    member_of: list[Predicate] = []
    distinct = False
    for item in constraints:
        kind = item.get("type") if isinstance(item, Mapping) else None
        expression = item.get("expression") if isinstance(item, Mapping) else None
        if kind == "distinctInstance":
            if expression:
                raise InvalidParameterError(
                    "An expression cannot be specified for the distinctInstance constraint.",
                    code=_CODE,
                    hint="Drop 'expression', or use type 'memberOf' to filter instances.",
                )
            distinct = True
        elif kind == "memberOf":
            if not expression:
                raise InvalidParameterError(
                    "A memberOf placement constraint requires an expression written in the "
                    "ECS cluster query language.",
                    code=_CODE,
                    hint="Add one, e.g. {'type': 'memberOf', 'expression': "
                    "'attribute:ecs.instance-type =~ t3.*'}.",
                )
            member_of.append(parse_expression(expression))
        else:
            raise InvalidParameterError(
                f"Invalid placement constraint type {kind!r}. Valid types are: "
                "distinctInstance, memberOf.",
                code=_CODE,
                hint="Use {'type': 'distinctInstance'} or "
                "{'type': 'memberOf', 'expression': '...'}.",
            )
    return member_of, distinct


def validate_placement(
    strategy: Sequence[Mapping[str, Any]] | None = None,
    constraints: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """Raise :class:`InvalidParameterError` if ECS would refuse these; else return ``None``.

    Lets an API front end (CreateService, RunTask) reject bad input before placing anything.

    >>> validate_placement([{"type": "spread", "field": "instanceId"}],
    ...                    [{"type": "memberOf", "expression": "attribute:x == y"}])
    """
    _parse_strategy(strategy)
    _parse_constraints(constraints)


# --- Placement -----------------------------------------------------------------------------


class _Slot:
    """A private, mutable copy of one candidate, reduced to what placement needs."""

    __slots__ = (
        "arn", "cpu", "memory", "gpus", "ports", "in_group", "member_ok", "spread_values",
    )  # fmt: skip

    def __init__(self, candidate: Candidate, group: str):
        self.arn = candidate.arn
        self.cpu = candidate.cpu
        self.memory = candidate.memory
        self.gpus = candidate.gpus
        self.ports = set(candidate.ports)  # a copy: the caller's set must stay untouched
        # Only the task's own group matters for distinctInstance and spread.
        self.in_group = int(candidate.groups.get(group, 0))
        self.member_ok = True
        self.spread_values: list[str | None] = []


def _reason(
    slot: _Slot, shape: TaskShape, wanted_ports: frozenset[int], distinct: bool
) -> str | None:
    """Why ``slot`` cannot take the task now, in ECS's order of checks; None if it can."""
    if not slot.member_ok:
        return REASON_MEMBER_OF
    if distinct and slot.in_group > 0:
        return REASON_DISTINCT_INSTANCE
    if slot.cpu < shape.cpu:
        return REASON_CPU
    if slot.memory < shape.memory:
        return REASON_MEMORY
    if slot.gpus < shape.gpus:
        return REASON_GPU
    if wanted_ports and not wanted_ports.isdisjoint(slot.ports):
        return REASON_PORTS
    return None


def place(
    candidates: Sequence[Candidate],
    shape: TaskShape,
    count: int,
    strategy: Sequence[Mapping[str, Any]] | None = None,
    constraints: Sequence[Mapping[str, Any]] | None = None,
    rng: random.Random | None = None,
) -> PlacementResult:
    """Place ``count`` tasks of ``shape`` one at a time, as the ECS scheduler does.

    ``strategy`` is a boto3 ``placementStrategy`` list (``None``/empty = random, like
    RunTask); ``constraints`` a boto3 ``placementConstraints`` list. Only ``ACTIVE``
    instances receive tasks; ``DRAINING`` ones are skipped silently. When a task fits
    nowhere, placing stops and every ACTIVE instance is reported once with the reason it
    was refused. With no ACTIVE instance at all, the result is empty: the caller raises
    :data:`NO_INSTANCES_MESSAGE`. The inputs are never modified.

    >>> import random
    >>> one = Candidate("arn:i/1", "i-1", {}, cpu=512, memory=512, ports={80})
    >>> place([one], TaskShape(cpu=256, memory=256, host_ports=(80,)), 1, None, None,
    ...       random.Random(1))
    PlacementResult(placements=[], failures=[{'arn': 'arn:i/1', 'reason': 'RESOURCE:PORTS'}])
    """
    if not isinstance(count, int) or count < 0:
        raise InvalidParameterError(
            f"count must be a whole number of tasks, 0 or more (got {count!r}).",
            code=_CODE,
            hint="Pass how many copies of the task to place, e.g. count=3.",
        )
    # Validate first, so bad input is refused even on an empty cluster, like ECS does.
    steps = _parse_strategy(strategy)
    member_of, distinct = _parse_constraints(constraints)
    rng = rng if rng is not None else random.Random()

    slots = [_Slot(c, shape.group) for c in candidates]
    active = [s for s, c in zip(slots, candidates, strict=True) if c.status.upper() == "ACTIVE"]
    if not active:
        return PlacementResult()

    # Attribute spread counts the group's tasks per value over the whole cluster, drained
    # or full instances included, so one AZ filling up does not make it look empty.
    # Deduplicated: the same attribute listed twice must not count each task twice.
    spread_attrs = list(dict.fromkeys(arg for kind, arg in steps if kind == "spread_attr"))
    counts_by_attr: dict[str, dict[str | None, int]] = {}
    for name in spread_attrs:
        totals: dict[str | None, int] = {}
        for slot, cand in zip(slots, candidates, strict=True):
            value = cand.attributes.get(name)
            slot.spread_values.append(value)
            totals[value] = totals.get(value, 0) + slot.in_group
        counts_by_attr[name] = totals

    # memberOf depends only on attributes, which placing a task never changes: evaluate once.
    if member_of:
        for slot, cand in zip(slots, candidates, strict=True):
            if cand.status.upper() == "ACTIVE":
                view = {**cand.attributes, INSTANCE_ID_KEY: cand.instance_id}
                slot.member_ok = all(pred(view) for pred in member_of)

    wanted_ports = frozenset(p for p in shape.host_ports if p)  # 0 = dynamic, never clashes
    # Placing a task only ever takes resources away, so an instance that cannot take this
    # shape now never will during this call: keep a shrinking list of feasible slots and
    # re-check only the instance that just received a task.
    feasible = [s for s in active if _reason(s, shape, wanted_ports, distinct) is None]

    placements: list[str] = []
    for _ in range(count):
        if not feasible:
            failures = [
                {"arn": s.arn, "reason": _reason(s, shape, wanted_ports, distinct) or ""}
                for s in active
            ]
            return PlacementResult(placements, failures)
        chosen = _choose(feasible, steps, counts_by_attr, spread_attrs, rng)
        chosen.cpu -= shape.cpu
        chosen.memory -= shape.memory
        chosen.gpus -= shape.gpus
        chosen.ports |= wanted_ports
        chosen.in_group += 1
        for index, name in enumerate(spread_attrs):
            value = chosen.spread_values[index]
            counts_by_attr[name][value] = counts_by_attr[name].get(value, 0) + 1
        placements.append(chosen.arn)
        if _reason(chosen, shape, wanted_ports, distinct) is not None:
            feasible.remove(chosen)
    return PlacementResult(placements, [])


# Instances without the spread attribute rank after every instance that has it.
_MISSING_VALUE_SCORE = sys.maxsize


def _choose(
    pool: list[_Slot],
    steps: list[tuple[str, str]],
    counts_by_attr: dict[str, dict[str | None, int]],
    spread_attrs: list[str],
    rng: random.Random,
) -> _Slot:
    """Apply the strategies in order, each keeping only its best-scoring slots."""
    for kind, arg in steps:
        if kind == "random":
            return rng.choice(pool)
        if len(pool) == 1:
            break
        if kind == "binpack":
            # Least remaining wins; "after placement" ranks the same since all pay the same.
            scores = [s.cpu for s in pool] if arg == "cpu" else [s.memory for s in pool]
        elif kind == "spread_instance":
            scores = [s.in_group for s in pool]
        else:
            index = spread_attrs.index(arg)
            totals = counts_by_attr[arg]
            scores = [
                _MISSING_VALUE_SCORE if (v := s.spread_values[index]) is None else totals.get(v, 0)
                for s in pool
            ]
        best = min(scores)
        pool = [s for s, score in zip(pool, scores, strict=True) if score == best]
    # Final tie-break: input order, so the same inputs always give the same answer.
    return pool[0]


# --- Service scheduler helpers -------------------------------------------------------------


def closest_match(candidates: Sequence[Candidate], shape: TaskShape) -> tuple[str, str] | None:
    """The ACTIVE instance that came closest to fitting ``shape``, and what it lacks.

    Returns ``(arn, cause)`` with cause one of :data:`CLOSEST_CPU`, :data:`CLOSEST_MEMORY`,
    :data:`CLOSEST_PORTS`, :data:`CLOSEST_GPU`, or ``None`` if some ACTIVE instance has the
    resources (then a constraint is to blame) or there is no ACTIVE instance. "Closest" =
    fewest missing resources, then smallest relative shortfall, then input order.

    >>> a = Candidate("arn:i/a", "i-a", {}, cpu=1024, memory=100)
    >>> b = Candidate("arn:i/b", "i-b", {}, cpu=1024, memory=400)
    >>> closest_match([a, b], TaskShape(cpu=256, memory=512))
    ('arn:i/b', 'insufficient memory available')
    """
    wanted_ports = frozenset(p for p in shape.host_ports if p)
    best: tuple[tuple[int, float, int], str, str] | None = None
    for position, cand in enumerate(candidates):
        if cand.status.upper() != "ACTIVE":
            continue
        causes: list[str] = []
        shortfall = 0.0
        if cand.cpu < shape.cpu:
            causes.append(CLOSEST_CPU)
            shortfall += (shape.cpu - cand.cpu) / shape.cpu
        if cand.memory < shape.memory:
            causes.append(CLOSEST_MEMORY)
            shortfall += (shape.memory - cand.memory) / shape.memory
        if cand.gpus < shape.gpus:
            causes.append(CLOSEST_GPU)
            shortfall += (shape.gpus - cand.gpus) / shape.gpus
        if wanted_ports & set(cand.ports):
            causes.append(CLOSEST_PORTS)
        if not causes:
            return None
        key = (len(causes), shortfall, position)
        if best is None or key < best[0]:
            best = (key, cand.arn, causes[0])
    return None if best is None else (best[1], best[2])


def closest_match_message(
    service_name: str, candidates: Sequence[Candidate], shape: TaskShape
) -> str:
    """The service event ECS writes when it cannot place a task of ``service_name``.

    >>> full = Candidate("arn:aws:ecs:us-east-1:1:container-instance/c/abc", "i-1", {},
    ...                  cpu=1024, memory=100)
    >>> message = closest_match_message("web", [full], TaskShape(cpu=256, memory=512))
    >>> "The closest matching (container-instance abc) has insufficient memory" in message
    True
    """
    if not any(c.status.upper() == "ACTIVE" for c in candidates):
        return f"{_unable_prefix(f'service {service_name}')} Reason: {NO_INSTANCES_MESSAGE}"
    match = closest_match(candidates, shape)
    if match is None:
        return _unable_prefix(f"service {service_name}")
    return _unable_message(
        f"service {service_name}", match, "For more information, see the Troubleshooting section."
    )


def unable_to_place_event(service_name: str, closest: tuple[str, str] | None) -> str:
    """The service event ECS writes (in ``describe_services``) when the scheduler cannot
    place a task; ``closest`` is what :func:`closest_match` returned.

    >>> unable_to_place_event("web", ("arn:aws:ecs:r:1:container-instance/c/abc", CLOSEST_CPU))
    ... # doctest: +NORMALIZE_WHITESPACE
    '(service web) was unable to place a task because no container instance met all of its
    requirements. The closest matching (container-instance abc) has insufficient CPU units
    available. For more information, see the Troubleshooting section of the Amazon ECS
    Developer Guide.'
    """
    return _unable_message(
        f"(service {service_name})",
        closest,
        "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
    )


def _unable_prefix(subject: str) -> str:
    return (
        f"{subject} was unable to place a task because no container instance met all of its "
        "requirements."
    )


def _unable_message(subject: str, closest: tuple[str, str] | None, more: str) -> str:
    # The one wording of "unable to place": the closest instance and what it lacks, then
    # where to read more (the event and the API error point to different pages).
    message = _unable_prefix(subject)
    if closest is not None:
        arn, cause = closest
        # ECS words the port case differently from the "has insufficient ..." ones.
        detail = (
            "is already using a port required by your task"
            if cause == CLOSEST_PORTS
            else f"has {cause}"
        )
        message += f" The closest matching (container-instance {short_name(arn)}) {detail}."
    return f"{message} {more}"
