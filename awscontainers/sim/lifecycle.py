"""ECR lifecycle policies, evaluated the way ECR documents it (pure: no AWS, no moto).

A policy is a list of rules. Each rule *selects* images by tag (``tagStatus`` tagged /
untagged / any, narrowed by ``tagPrefixList`` or ``tagPatternList``) and *counts* them
(``imageCountMoreThan``: keep the newest N; ``sinceImagePushed``: older than N days). ECR's
evaluation rules, which :func:`evaluate` follows:

- rules run by ascending ``rulePriority`` (1 first);
- an image is expired by at most one rule;
- an image selected by a rule can no longer be expired by a later (lower-priority) rule,
  even when the first rule kept it, but later rules still *count* it;
- older images always go first (ordered by ``imagePushedAt``).

>>> import datetime as dt
>>> now = dt.datetime(2026, 1, 10, tzinfo=dt.timezone.utc)
>>> day = dt.timedelta(days=1)
>>> images = [
...     {"imageDigest": "sha256:a", "imageTags": ["v1"], "imagePushedAt": now - 3 * day},
...     {"imageDigest": "sha256:b", "imageTags": ["v2"], "imagePushedAt": now - 2 * day},
...     {"imageDigest": "sha256:c", "imagePushedAt": now - day},
... ]
>>> policy = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any",
...           "countType": "imageCountMoreThan", "countNumber": 2}, "action": {"type": "expire"}}]}
>>> [(i["imageDigest"], i["appliedRulePriority"]) for i in evaluate(policy, images, now)]
[('sha256:a', 1)]
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameterError, invalid_parameter
from .wildcards import wildcard

_PREFIX = (
    "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
    "'Lifecycle policy validation failure: "
)
_RULE_KEYS = {"rulePriority", "description", "selection", "action"}
_SELECTION_KEYS = {
    "tagStatus",
    "tagPrefixList",
    "tagPatternList",
    "countType",
    "countUnit",
    "countNumber",
}
_MAX_WILDCARDS = 4  # ECR allows at most four '*' in one tagPatternList entry

EXAMPLE_RULE = (
    '{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": '
    '"sinceImagePushed", "countUnit": "days", "countNumber": 14}, "action": {"type": "expire"}}'
)


@dataclass(frozen=True)
class Rule:
    """One validated rule."""

    priority: int
    tag_status: str  # tagged | untagged | any
    prefixes: tuple[str, ...]
    patterns: tuple[str, ...]
    count_type: str  # imageCountMoreThan | sinceImagePushed
    count_number: int
    description: str = ""

    def selects(self, image: dict) -> bool:
        """Whether the rule's tag requirements pick this image (before counting).

        Several prefixes (or patterns) must *all* be matched, each by some tag: ECR's
        "if you specify multiple tags, only images with all specified tags are selected".
        """
        tags = image.get("imageTags") or []
        if self.tag_status == "any":
            return True
        if self.tag_status == "untagged":
            return not tags
        if not tags:
            return False
        if self.prefixes:
            return all(any(t.startswith(p) for t in tags) for p in self.prefixes)
        return all(any(wildcard(p).fullmatch(t) for t in tags) for p in self.patterns)


def _fail(problem: str, hint: str) -> InvalidParameterError:
    # ECR's own wording: the problem inside "Invalid parameter at 'LifecyclePolicyText' ...'".
    return invalid_parameter(_PREFIX + problem + "'", hint)


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_rules(policy: dict | str) -> list[Rule]:
    """Validate a lifecycle policy (JSON text or dict) and return its rules by priority.

    Raises :class:`~awscontainers.errors.InvalidParameterError` naming what is wrong.

    >>> [r.priority for r in parse_rules('{"rules": [' + EXAMPLE_RULE + ']}')]
    [1]
    >>> try:
    ...     parse_rules('{"rules": []}')
    ... except InvalidParameterError as err:
    ...     print(err.message.split(": '")[-1])
    Lifecycle policy validation failure: rules must contain at least one rule'
    """
    example = '{"rules": [' + EXAMPLE_RULE + "]}"
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as exc:
            raise _fail(
                "Could not map policyString into LifecyclePolicy.",
                f"the text is not valid JSON ({exc.msg} at line {exc.lineno} column "
                f"{exc.colno}); a policy looks like {example}",
            ) from exc
    if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list):
        raise _fail(
            'object has missing required properties (["rules"])',
            f"a policy is an object with a list of rules: {example}",
        )
    if not policy["rules"]:
        raise _fail("rules must contain at least one rule", f"a policy looks like {example}")
    extra = set(policy) - {"rules"}
    if extra:
        raise _fail(
            f"object instance has properties which are not allowed by the schema: "
            f"({json.dumps(sorted(extra))})",
            "a policy has only a 'rules' list at the top level.",
        )
    rules = [_parse_rule(raw, n) for n, raw in enumerate(policy["rules"])]

    priorities = [r.priority for r in rules]
    duplicates = sorted({p for p in priorities if priorities.count(p) > 1})
    if duplicates:
        raise _fail(
            f"rulePriority values must be unique, found {duplicates[0]} more than once",
            "give every rule its own rulePriority (1, 2, 3...; gaps are allowed).",
        )
    rules.sort(key=lambda r: r.priority)
    for r in rules[:-1]:
        if r.tag_status == "any":
            raise _fail(
                f"the rule with tagStatus 'any' (rulePriority {r.priority}) must have the "
                "highest rulePriority",
                "a rule that selects any image is evaluated last: give it the largest "
                "rulePriority number.",
            )
    if sum(1 for r in rules if r.tag_status == "untagged") > 1:
        raise _fail(
            "only one rule may select untagged images",
            "merge the 'untagged' rules into one.",
        )
    return rules


def _parse_rule(raw: Any, n: int) -> Rule:
    where = f"rules[{n}]"
    if not isinstance(raw, dict):
        raise _fail(
            f"{where}: instance type ({type(raw).__name__}) does not match any allowed "
            'primitive type (allowed: ["object"])',
            f"each rule is an object like {EXAMPLE_RULE}",
        )
    missing = {"rulePriority", "selection", "action"} - set(raw)
    if missing:
        raise _fail(
            f"{where}: object has missing required properties ({json.dumps(sorted(missing))})",
            f"each rule needs rulePriority, selection and action: {EXAMPLE_RULE}",
        )
    extra = set(raw) - _RULE_KEYS
    if extra:
        raise _fail(
            f"{where}: object instance has properties which are not allowed by the schema: "
            f"({json.dumps(sorted(extra))})",
            "a rule has only rulePriority, description, selection and action.",
        )
    priority = raw["rulePriority"]
    if not _whole_number(priority) or priority < 1:
        raise _fail(
            f"{where}: rulePriority must be a whole number of at least 1, not {priority!r}",
            "use 1 for the rule evaluated first, 2 for the next...",
        )
    action = raw["action"]
    if not isinstance(action, dict) or set(action) != {"type"}:
        raise _fail(
            f'{where}: action must be {{"type": "expire"}}',
            'write "action": {"type": "expire"}.',
        )
    if action["type"] != "expire":
        raise _fail(
            f"{where}: instance value ({action['type']}) not found in enum "
            '(possible values: ["expire"])',
            "this lab simulates the 'expire' action (ECR's archive 'transition' is not simulated).",
        )
    selection = raw["selection"]
    if not isinstance(selection, dict):
        raise _fail(f"{where}: selection must be an object", f"for example {EXAMPLE_RULE}")
    missing = {"tagStatus", "countType", "countNumber"} - set(selection)
    if missing:
        raise _fail(
            f"{where}.selection: object has missing required properties "
            f"({json.dumps(sorted(missing))})",
            "a selection needs tagStatus, countType and countNumber (and countUnit 'days' "
            "for sinceImagePushed).",
        )
    extra = set(selection) - _SELECTION_KEYS
    if extra:
        raise _fail(
            f"{where}.selection: object instance has properties which are not allowed by the "
            f"schema: ({json.dumps(sorted(extra))})",
            "the selection keys are tagStatus, tagPrefixList, tagPatternList, countType, "
            "countUnit and countNumber.",
        )
    tag_status = selection["tagStatus"]
    if tag_status not in ("tagged", "untagged", "any"):
        raise _fail(
            f"{where}.selection: instance value ({tag_status}) not found in enum "
            '(possible values: ["any","tagged","untagged"])',
            "tagStatus is 'tagged', 'untagged' or 'any' (lowercase).",
        )
    prefixes = selection.get("tagPrefixList")
    patterns = selection.get("tagPatternList")
    if tag_status == "tagged":
        if prefixes is not None and patterns is not None:
            raise _fail(
                f"{where}.selection: specify tagPrefixList or tagPatternList, not both",
                "use tagPrefixList for prefixes ('prod') or tagPatternList for wildcards ('prod*')",
            )
        given = prefixes if prefixes is not None else patterns
        name = "tagPrefixList" if prefixes is not None else "tagPatternList"
        if given is None:
            raise _fail(
                f"{where}.selection: tagStatus 'tagged' requires tagPrefixList or tagPatternList",
                'add "tagPrefixList": ["prod"] (or "tagPatternList": ["prod*"]), or use '
                "tagStatus 'any'.",
            )
        if (
            not isinstance(given, list)
            or not given
            or not all(isinstance(t, str) and t for t in given)
        ):
            raise _fail(
                f"{where}.selection: {name} must be a non-empty list of non-empty strings",
                f'for example "{name}": ["prod"].',
            )
        for p in patterns or []:
            if p.count("*") > _MAX_WILDCARDS:
                raise _fail(
                    f"{where}.selection: tagPatternList entry {p!r} has more than "
                    f"{_MAX_WILDCARDS} wildcards",
                    "use at most four '*' in one pattern.",
                )
    elif prefixes is not None or patterns is not None:
        raise _fail(
            f"{where}.selection: tagPrefixList and tagPatternList are only allowed with "
            f"tagStatus 'tagged', not {tag_status!r}",
            "remove the list, or set tagStatus to 'tagged'.",
        )
    count_type = selection["countType"]
    count_unit = selection.get("countUnit")
    if count_type == "imageCountMoreThan":
        if count_unit is not None:
            raise _fail(
                f"{where}.selection: countUnit is not allowed with imageCountMoreThan",
                "remove countUnit: imageCountMoreThan counts images, not days.",
            )
    elif count_type == "sinceImagePushed":
        if count_unit != "days":
            raise _fail(
                f"{where}.selection: sinceImagePushed requires countUnit 'days', not "
                f"{count_unit!r}",
                'add "countUnit": "days".',
            )
    else:
        raise _fail(
            f"{where}.selection: instance value ({count_type}) not found in enum "
            '(possible values: ["imageCountMoreThan","sinceImagePushed"])',
            "countType is 'imageCountMoreThan' (keep the newest N) or 'sinceImagePushed' "
            "(expire images older than N days).",
        )
    number = selection["countNumber"]
    if not _whole_number(number) or number < 1:
        raise _fail(
            f"{where}.selection: countNumber must be a whole number of at least 1, not {number!r}",
            "for example 10 (images) or 14 (days).",
        )
    description = raw.get("description", "")
    return Rule(
        priority=priority,
        tag_status=tag_status,
        prefixes=tuple(prefixes or ()),
        patterns=tuple(patterns or ()),
        count_type=count_type,
        count_number=number,
        description=description if isinstance(description, str) else "",
    )


def validate(policy: dict | str) -> dict:
    """Check a policy and return it as a dict (raises InvalidParameterError if malformed).

    >>> validate('{"rules": [' + EXAMPLE_RULE + ']}')["rules"][0]["rulePriority"]
    1
    """
    parse_rules(policy)
    return json.loads(policy) if isinstance(policy, str) else policy


def _utc(value: Any) -> _dt.datetime:
    if isinstance(value, (int, float)):
        return _dt.datetime.fromtimestamp(value, _dt.timezone.utc)
    if not isinstance(value, _dt.datetime):
        raise InvalidParameterError(
            f"imagePushedAt must be a datetime, not {value!r}.",
            hint="pass the imageDetails of describe_images unchanged.",
        )
    # A naive time is taken as UTC, which is what ECR reports.
    return value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)


def evaluate(policy: dict | str, images: list[dict], now: _dt.datetime) -> list[dict]:
    """The images a lifecycle policy expires, oldest first, each a copy of its input dict
    with ``appliedRulePriority`` added.

    ``images`` are ``describe_images`` imageDetails (``imageDigest``, ``imageTags``,
    ``imagePushedAt``). Images pushed in the same second are ordered by their position in
    ``images`` (later in the list = pushed later), so "keep the newest N" is deterministic.

    >>> import datetime as dt
    >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    >>> imgs = [{"imageDigest": f"sha256:{n}", "imagePushedAt": t} for n in range(3)]
    >>> rule = {"rulePriority": 1, "action": {"type": "expire"}, "selection": {
    ...     "tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1}}
    >>> [i["imageDigest"] for i in evaluate({"rules": [rule]}, imgs, t)]
    ['sha256:0', 'sha256:1']
    """
    rules = parse_rules(policy)
    now = _utc(now)
    # Oldest first: by push time, then by position for pushes in the same second.
    ordered = sorted(enumerate(images), key=lambda p: (_utc(p[1].get("imagePushedAt")), p[0]))
    expired: dict[int, int] = {}  # position in `images` -> rulePriority that expires it
    claimed: set[int] = set()  # selected by an earlier rule: later rules may not expire them
    for rule in rules:
        selected = [(i, img) for i, img in ordered if rule.selects(img)]
        if rule.count_type == "imageCountMoreThan":
            # Keep the newest N; everything older is a candidate. Images already expired
            # by an earlier rule still count here, as ECR documents.
            n = rule.count_number
            candidates = selected[: max(len(selected) - n, 0)]
        else:
            limit = _dt.timedelta(days=rule.count_number)
            candidates = [
                (i, img) for i, img in selected if now - _utc(img["imagePushedAt"]) > limit
            ]
        for i, _ in candidates:
            if i not in claimed and i not in expired:
                expired[i] = rule.priority
        claimed.update(i for i, _ in selected)
    return [{**images[i], "appliedRulePriority": expired[i]} for i, _ in ordered if i in expired]


__all__ = ["Rule", "evaluate", "parse_rules", "validate", "EXAMPLE_RULE"]
