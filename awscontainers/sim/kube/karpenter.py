"""Karpenter's kinds: ``NodePool`` (karpenter.sh/v1) and ``EC2NodeClass``
(karpenter.k8s.aws/v1), both cluster-scoped, checked as Karpenter's CRDs and webhooks check
them and stored with their defaults filled in.

They only describe: the controller that launches nodes for them is
:mod:`awscontainers.sim.day2.karpenter` (it runs on the day-2 clock). Defaults and the
figures they come from are in ``data/day2.yaml`` (``karpenter``).

>>> from awscontainers.sim.kube import Cluster
>>> c = Cluster()
>>> _ = c.apply(sample_node_pool())
>>> c.get("NodePool", name="default")["spec"]["template"]["spec"]["expireAfter"]
'720h'
>>> parse_duration("1h30m"), parse_duration("Never")
(5400.0, None)
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from awscontainers.errors import NotFoundError
from awscontainers.fargate import parse_quantity_memory
from awscontainers.rules.data import load_packaged

from .kinds import Kind, check_metadata, check_spec
from .objects import invalid, millicores

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = [
    "AUTO_MODE",
    "EC2NODECLASS",
    "NODEPOOL",
    "OPERATORS",
    "built_in_node_pools",
    "parse_duration",
    "sample_node_class",
    "sample_node_pool",
]

RULES: dict[str, Any] = load_packaged("day2.yaml")["karpenter"]
AUTO_MODE: dict[str, Any] = load_packaged("day2.yaml")["auto_mode"]
_CAPACITY = "karpenter.sh/capacity-type"
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
POLICIES = ("WhenEmpty", "WhenEmptyOrUnderutilized")
#: The node classes a NodePool may name: Karpenter's, and EKS Auto Mode's own.
NODE_CLASS_REFS = {("karpenter.k8s.aws", "EC2NodeClass"), ("eks.amazonaws.com", "NodeClass")}
_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_BUDGET = re.compile(r"^(\d+|\d{1,3}%)$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
#: Labels Karpenter sets itself: a NodePool may not ask for them in its template's labels.
_RESTRICTED = ("karpenter.sh/nodepool", "kubernetes.io/hostname")


def parse_duration(text: Any) -> float | None:
    """A Go duration as Karpenter's fields take it (``720h``, ``1h30m``, ``30s``) in
    seconds; ``Never`` is None. Anything else is refused."""
    if isinstance(text, str):
        return _parse_duration_text(text)  # kept: the scans read a pool's every 15 s
    return _parse_duration(text)


@functools.lru_cache(maxsize=256)
def _parse_duration_text(text: str) -> float | None:
    return _parse_duration(text)


def _parse_duration(text: Any) -> float | None:
    if text == "Never":
        return None
    match = _DURATION.match(str(text)) if isinstance(text, str) and text else None
    if match is None or not any(match.groups()):
        raise invalid(
            f"Invalid duration {text!r}.",
            hint="write a duration such as 720h, 30m, 1h30m or 30s, or Never.",
        )
    h, m, s = (int(g or 0) for g in match.groups())
    return float(h * 3600 + m * 60 + s)


def _check_requirements(reqs: Any, where: str) -> None:
    if not isinstance(reqs, list):
        raise invalid(f"{where}: spec.template.spec.requirements must be a list.")
    for i, req in enumerate(reqs):
        at = f"{where}: requirements[{i}]"
        if not isinstance(req, Mapping) or not isinstance(req.get("key"), str) or not req["key"]:
            raise invalid(f"{at}: needs a key.", hint=_REQ_HINT)
        op = req.get("operator")
        if op not in OPERATORS:
            raise invalid(
                f"{at}: operator {op!r} is not one of {', '.join(OPERATORS)}.", hint=_REQ_HINT
            )
        values = req.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise invalid(f"{at}: values must be a list of strings.", hint=_REQ_HINT)
        if op == "In" and not values:
            raise invalid(f"{at}: operator In needs at least one value.", hint=_REQ_HINT)
        if op in ("Exists", "DoesNotExist") and values:
            raise invalid(f"{at}: operator {op} takes no values.", hint=_REQ_HINT)
        if op in ("Gt", "Lt") and (len(values) != 1 or not values[0].lstrip("-").isdigit()):
            raise invalid(f"{at}: operator {op} takes one integer value.", hint=_REQ_HINT)
        if req["key"] in _RESTRICTED:
            raise invalid(f"{at}: label {req['key']} is restricted (Karpenter sets it).")


_REQ_HINT = (
    "requirements: [{key: karpenter.k8s.aws/instance-category, operator: In, values: [c, m]}]"
)


def _check_taints(taints: Any, where: str) -> None:
    if not isinstance(taints, list):
        raise invalid(f"{where}: taints must be a list.")
    for taint in taints:
        if (
            not isinstance(taint, Mapping)
            or not taint.get("key")
            or taint.get("effect") not in _EFFECTS
        ):
            raise invalid(
                f"{where}: invalid taint {taint!r}.",
                hint="taints: [{key: dedicated, value: batch, effect: NoSchedule}]",
            )


def _check_node_pool(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    where = check_metadata(doc, where)
    spec = check_spec(doc, where)
    template = spec.get("template")
    tspec = template.get("spec") if isinstance(template, Mapping) else None
    if not isinstance(tspec, Mapping):
        raise invalid(f"{where}: spec.template.spec: Required value.", hint=_POOL_HINT)
    ref = tspec.get("nodeClassRef")
    if not isinstance(ref, Mapping) or not all(
        isinstance(ref.get(k), str) for k in ("group", "kind", "name")
    ):
        raise invalid(f"{where}: spec.template.spec.nodeClassRef: Required value.", hint=_POOL_HINT)
    if (ref.get("group"), ref.get("kind")) not in NODE_CLASS_REFS:
        raise invalid(
            f"{where}: nodeClassRef {ref.get('group')}/{ref.get('kind')} is not a node class.",
            hint="nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default} "
            "(EKS Auto Mode: {group: eks.amazonaws.com, kind: NodeClass, name: default}).",
        )
    _check_requirements(tspec.get("requirements") or [], where)
    _check_taints(tspec.get("taints") or [], where)
    meta = template.get("metadata") or {}  # type: ignore[union-attr]
    labels = (meta.get("labels") or {}) if isinstance(meta, Mapping) else None
    if not isinstance(labels, Mapping):
        raise invalid(f"{where}: spec.template.metadata.labels must be a map.")
    for key in labels:
        if key in _RESTRICTED:
            raise invalid(f"{where}: label {key} is restricted (Karpenter sets it).")
    if "expireAfter" in tspec:
        parse_duration(tspec["expireAfter"])
    disruption = spec.get("disruption") or {}
    if not isinstance(disruption, Mapping):
        raise invalid(f"{where}: spec.disruption must be a map.")
    policy = disruption.get("consolidationPolicy", RULES["default_consolidation_policy"])
    if policy not in POLICIES:
        raise invalid(
            f"{where}: consolidationPolicy {policy!r} is not one of {', '.join(POLICIES)}.",
            hint="consolidationPolicy: WhenEmptyOrUnderutilized",
        )
    if "consolidateAfter" in disruption:
        parse_duration(disruption["consolidateAfter"])
    budgets = disruption.get("budgets", [])
    if not isinstance(budgets, list) or not all(
        isinstance(b, Mapping) and _BUDGET.match(str(b.get("nodes", ""))) for b in budgets
    ):
        raise invalid(
            f"{where}: spec.disruption.budgets: each needs nodes as a count or a percentage.",
            hint='budgets: [{nodes: "10%"}]',
        )
    limits = spec.get("limits") or {}
    if not isinstance(limits, Mapping):
        raise invalid(f"{where}: spec.limits must be a map of resource: quantity.")
    try:
        if "cpu" in limits:
            millicores(limits["cpu"])
        if "memory" in limits:
            parse_quantity_memory(limits["memory"])
    except Exception as exc:
        raise invalid(
            f"{where}: spec.limits: invalid quantity ({exc}).", hint="limits: {cpu: 100}"
        ) from exc
    weight = spec.get("weight", 0)
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
        raise invalid(f"{where}: spec.weight must be a whole number from 1 to 100.")


_POOL_HINT = (
    "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: default}\nspec:\n"
    "  template:\n    spec:\n"
    "      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}\n"
    "      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}]"
)


def _apply_node_pool(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    stored = copy.deepcopy(doc)
    tspec = stored["spec"]["template"]["spec"]
    # The CRD's defaults, as the API server fills them in.
    tspec.setdefault("expireAfter", RULES["default_expire_after"])
    tspec["requirements"] = tspec.get("requirements") or []
    disruption = stored["spec"]["disruption"] = stored["spec"].get("disruption") or {}
    disruption.setdefault("consolidationPolicy", RULES["default_consolidation_policy"])
    disruption.setdefault("consolidateAfter", RULES["default_consolidate_after"])
    disruption.setdefault("budgets", [{"nodes": f"{RULES['default_budget_nodes_percent']}%"}])
    stored.setdefault("status", {})
    cluster._objects[("NodePool", "", stored["metadata"]["name"])] = stored


def _check_terms(spec: Mapping[str, Any], field: str, keys: tuple[str, ...], where: str) -> None:
    terms = spec.get(field)
    if not isinstance(terms, list) or not terms:
        raise invalid(f"{where}: spec.{field}: Required value.", hint=_CLASS_HINT)
    for term in terms:
        if not isinstance(term, Mapping) or not any(term.get(k) for k in keys):
            raise invalid(
                f"{where}: each of spec.{field} needs one of {', '.join(keys)}.", hint=_CLASS_HINT
            )
        if "tags" in term and not isinstance(term["tags"], Mapping):
            raise invalid(f"{where}: spec.{field}[].tags must be a map.", hint=_CLASS_HINT)
        for key in ("id", "name", "alias"):
            if key in term and not isinstance(term[key], str):
                raise invalid(f"{where}: spec.{field}[].{key} must be a string.", hint=_CLASS_HINT)


_CLASS_HINT = (
    "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\nmetadata: {name: default}\nspec:\n"
    "  role: KarpenterNodeRole-demo\n  amiSelectorTerms: [{alias: al2023@latest}]\n"
    "  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]\n"
    "  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: demo}}]"
)


def _check_node_class(cluster: Cluster, doc: Mapping[str, Any], where: str) -> None:
    where = check_metadata(doc, where)
    spec = check_spec(doc, where)
    for field in ("role", "instanceProfile"):
        if field in spec and not isinstance(spec[field], str):
            raise invalid(f"{where}: spec.{field} must be a string.", hint=_CLASS_HINT)
    if bool(spec.get("role")) == bool(spec.get("instanceProfile")):
        raise invalid(
            f"{where}: must specify exactly one of spec.role and spec.instanceProfile.",
            hint=_CLASS_HINT,
        )
    _check_terms(spec, "subnetSelectorTerms", ("id", "tags"), where)
    _check_terms(spec, "securityGroupSelectorTerms", ("id", "tags", "name"), where)
    _check_terms(spec, "amiSelectorTerms", ("alias", "id", "tags", "name"), where)
    aliases = [t for t in spec["amiSelectorTerms"] if t.get("alias")]
    if aliases and len(spec["amiSelectorTerms"]) > 1:
        raise invalid(
            f"{where}: an amiSelectorTerm with an alias cannot be combined with other terms.",
            hint="amiSelectorTerms: [{alias: al2023@latest}]",
        )
    for term in aliases:
        if not re.match(r"^(al2023|al2|bottlerocket|windows2019|windows2022)@\S+$", term["alias"]):
            raise invalid(
                f"{where}: alias {term['alias']!r} is not family@version.",
                hint="alias: al2023@latest (or al2, bottlerocket, windows2019, windows2022).",
            )


def _apply_node_class(cluster: Cluster, doc: dict, ns: str | None, prepared: Any) -> None:
    stored = copy.deepcopy(doc)
    stored.setdefault("status", {})
    cluster._objects[("EC2NodeClass", "", stored["metadata"]["name"])] = stored


def _items(kind: str):
    def items(cluster: Cluster, namespace: str | None) -> list[dict]:
        return [obj for (k, _, _), obj in sorted(cluster._objects.items()) if k == kind]

    return items


def _read(kind: str, plural: str):
    def read(cluster: Cluster, namespace: str | None, name: str) -> dict:
        found = cluster._objects.get((kind, "", name))
        if found is None:
            raise NotFoundError(
                f'{plural} "{name}" not found', hint=f"list them with get('{kind}')."
            )
        return found

    return read


def _delete(kind: str, plural: str):
    def delete(cluster: Cluster, namespace: str, name: str) -> None:
        if cluster._objects.pop((kind, "", name), None) is None:
            raise NotFoundError(
                f'{plural} "{name}" not found', hint=f"list them with get('{kind}')."
            )

    return delete


NODEPOOL = Kind(
    name="NodePool",
    api_version="karpenter.sh/v1",
    plural="nodepools.karpenter.sh",
    aliases=("nodepools",),
    namespaced=False,
    read=_read("NodePool", "nodepools.karpenter.sh"),
    items=_items("NodePool"),
    delete=_delete("NodePool", "nodepools.karpenter.sh"),
    check=_check_node_pool,
    namespace_of=lambda cluster, doc: None,
    apply=_apply_node_pool,
)

EC2NODECLASS = Kind(
    name="EC2NodeClass",
    api_version="karpenter.k8s.aws/v1",
    plural="ec2nodeclasses.karpenter.k8s.aws",
    aliases=("ec2nodeclasses", "ec2nc"),
    namespaced=False,
    read=_read("EC2NodeClass", "ec2nodeclasses.karpenter.k8s.aws"),
    items=_items("EC2NodeClass"),
    delete=_delete("EC2NodeClass", "ec2nodeclasses.karpenter.k8s.aws"),
    check=_check_node_class,
    namespace_of=lambda cluster, doc: None,
    apply=_apply_node_class,
)


def sample_node_pool(
    name: str = "default",
    *,
    node_class: str = "default",
    requirements: list[dict] | None = None,
    cpu_limit: int | None = None,
    consolidate_after: str | None = None,
    expire_after: str | None = None,
    policy: str | None = None,
    taints: list[dict] | None = None,
    labels: dict[str, str] | None = None,
) -> dict:
    """A NodePool naming the EC2NodeClass ``node_class``; without ``requirements``, On-Demand
    instances of the c, m and r categories (Karpenter's getting-started pool)."""
    tspec: dict[str, Any] = {
        "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": node_class},
        "requirements": requirements
        if requirements is not None
        else [
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
            {
                "key": "karpenter.k8s.aws/instance-category",
                "operator": "In",
                "values": ["c", "m", "r"],
            },
        ],
    }
    if taints:
        tspec["taints"] = taints
    if expire_after is not None:
        tspec["expireAfter"] = expire_after
    spec: dict[str, Any] = {"template": {"spec": tspec}}
    if labels:
        spec["template"]["metadata"] = {"labels": labels}
    disruption: dict[str, Any] = {}
    if policy is not None:
        disruption["consolidationPolicy"] = policy
    if consolidate_after is not None:
        disruption["consolidateAfter"] = consolidate_after
    if disruption:
        spec["disruption"] = disruption
    if cpu_limit is not None:
        spec["limits"] = {"cpu": cpu_limit}
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": name},
        "spec": spec,
    }


def sample_node_class(role: str, name: str = "default", *, cluster: str = "demo") -> dict:
    """An EC2NodeClass: AL2023 nodes with ``role``, in the subnets and security groups
    tagged ``karpenter.sh/discovery: <cluster>``."""
    tags = {"karpenter.sh/discovery": cluster}
    return {
        "apiVersion": "karpenter.k8s.aws/v1",
        "kind": "EC2NodeClass",
        "metadata": {"name": name},
        "spec": {
            "role": role,
            "amiSelectorTerms": [{"alias": "al2023@latest"}],
            "subnetSelectorTerms": [{"tags": dict(tags)}],
            "securityGroupSelectorTerms": [{"tags": dict(tags)}],
        },
    }


def built_in_node_pools(names: list[str]) -> list[dict]:
    """The built-in NodePools EKS Auto Mode creates, as ``kubectl get nodepool -o yaml``
    shows them (figures from ``data/day2.yaml``, ``auto_mode``)."""
    prefix = "eks.amazonaws.com"
    out = []
    for name in names:
        arch = ["amd64", "arm64"] if name == "system" else ["amd64"]
        tspec: dict[str, Any] = {
            "nodeClassRef": {"group": prefix, "kind": "NodeClass", "name": "default"},
            "expireAfter": AUTO_MODE["expire_after"],
            "requirements": [
                {"key": _CAPACITY, "operator": "In", "values": ["on-demand"]},
                {
                    "key": f"{prefix}/instance-category",
                    "operator": "In",
                    "values": list(AUTO_MODE["categories"]),
                },
                {
                    "key": f"{prefix}/instance-generation",
                    "operator": "Gt",
                    "values": [str(int(AUTO_MODE["min_generation"]) - 1)],
                },
                {"key": "kubernetes.io/arch", "operator": "In", "values": arch},
                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
            ],
        }
        if name == "system":
            tspec["taints"] = [dict(AUTO_MODE["system_taint"])]
        out.append(
            {
                "apiVersion": "karpenter.sh/v1",
                "kind": "NodePool",
                "metadata": {"name": name},
                "spec": {
                    "template": {"spec": tspec},
                    "disruption": {
                        "consolidationPolicy": "WhenEmptyOrUnderutilized",
                        "consolidateAfter": AUTO_MODE["consolidate_after"],
                    },
                },
            }
        )
    return out
