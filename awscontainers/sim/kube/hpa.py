"""HorizontalPodAutoscaler (``autoscaling/v2``): the kind, and the controller that
kube-controller-manager runs every 15 s.

The rules (``data/day2.yaml``, ``horizontal_pod_autoscaler``, with sources):

* ``desiredReplicas = ceil(currentReplicas x currentUtilization / targetUtilization)``,
  utilisation being CPU use as a percentage of the pods' CPU *requests*, read from the
  Metrics Server; no change while the ratio is within the tolerance (0.1);
* pods still pending count as 0 % when scaling up and as 100 % of the target when scaling
  down; if that reverses the direction or brings the ratio within tolerance, no change;
* a pod template container without a CPU request, or no Metrics Server: no metric, event
  ``FailedGetResourceMetric``, no scaling;
* default behaviour: scale-down uses the highest recommendation of the last 300 s; scale-up
  at most doubles or adds 4 pods (whichever is more) per 15 s; always within
  ``[minReplicas, maxReplicas]``;
* only Deployments are scaled here (a DaemonSet has no scale subresource: ``FailedGetScale``).

>>> recommend(current=4, ready=4, pending=0, utilisation=90, target=50)
8
>>> recommend(current=4, ready=4, pending=0, utilisation=54, target=50)  # within 10 %
4
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from awscontainers.errors import NotFoundError
from awscontainers.rules.data import load_packaged

from . import podmetrics
from .kinds import Kind, check_metadata, check_spec
from .objects import invalid

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["HPA", "RULES", "recommend", "sync"]

RULES = load_packaged("day2.yaml")["horizontal_pod_autoscaler"]
TOLERANCE = float(RULES["tolerance"])
_DEFAULT_CPU_TARGET = 80  # autoscaling/v2 with no metrics: 80 % average CPU utilization
_HINT = (
    "Write spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, "
    "minReplicas: 1, maxReplicas: 10, metrics: [{type: Resource, resource: {name: cpu, "
    "target: {type: Utilization, averageUtilization: 50}}}]}."
)


def recommend(*, current: int, ready: int, pending: int, utilisation: float, target: float) -> int:
    """The replica count the metric asks for (before behaviour and min/max)."""
    ratio = utilisation / target
    if abs(ratio - 1) <= TOLERANCE:
        return current
    if pending:
        # Pending pods: 0 % when scaling up, 100 % of the target when scaling down.
        filler = 0.0 if ratio > 1 else target
        adjusted = (utilisation * ready + filler * pending) / (ready + pending) / target
        if abs(adjusted - 1) <= TOLERANCE or (adjusted > 1) != (ratio > 1):
            return current
        return math.ceil(round(adjusted * (ready + pending), 9))
    return math.ceil(round(ratio * ready, 9))


@dataclass
class _HpaState:
    recommendations: list[tuple[_dt.datetime, int]] = field(default_factory=list)


_STATE: weakref.WeakKeyDictionary[Cluster, dict[tuple[str, str, str], _HpaState]] = (
    weakref.WeakKeyDictionary()
)


def _hpa_state(cluster: Cluster, key: tuple[str, str, str]) -> _HpaState:
    return _STATE.setdefault(cluster, {}).setdefault(key, _HpaState())


def _whole(value: Any, field_: str, where: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise invalid(
            f"{where}: spec.{field_}: Invalid value: {value!r}: must be a whole number "
            f"of at least {low}.",
            hint=_HINT,
        )
    return value


def _check(cluster: Cluster, doc: Mapping[str, Any], where: str) -> int:
    where = check_metadata(doc, where)
    spec = check_spec(doc, where)
    ref = spec.get("scaleTargetRef")
    if not isinstance(ref, Mapping) or not ref.get("kind") or not ref.get("name"):
        raise invalid(f"{where}: spec.scaleTargetRef: Required value: kind and name.", _HINT)
    low = _whole(spec.get("minReplicas", 1), "minReplicas", where, 1)
    high = _whole(spec.get("maxReplicas"), "maxReplicas", where, 1)
    if high < low:
        raise invalid(
            f"{where}: spec.maxReplicas: Invalid value: {high}: must be greater than or "
            f"equal to `minReplicas` ({low}).",
            _HINT,
        )
    metrics = spec.get("metrics")
    if metrics is None:
        return _DEFAULT_CPU_TARGET
    if not isinstance(metrics, list) or len(metrics) != 1 or not isinstance(metrics[0], Mapping):
        raise invalid(f"{where}: the lab's HPA takes one metric, CPU utilization.", _HINT)
    metric = metrics[0]
    resource = metric.get("resource") if metric.get("type") == "Resource" else None
    target = resource.get("target") if isinstance(resource, Mapping) else None
    if (
        not isinstance(target, Mapping)
        or resource.get("name") != "cpu"  # type: ignore[union-attr]
        or target.get("type") != "Utilization"
    ):
        raise invalid(f"{where}: the lab's HPA scales on Resource cpu Utilization only.", _HINT)
    return _whole(
        target.get("averageUtilization"), "metrics[0].resource.target.averageUtilization", where, 1
    )


def _namespace_of(cluster: Cluster, doc: Mapping[str, Any]) -> str:
    return cluster._namespace_of(doc)


def _apply(cluster: Cluster, doc: dict, ns: str | None, target: int) -> None:
    assert ns is not None
    key = ("HorizontalPodAutoscaler", ns, doc["metadata"]["name"])
    old = cluster._objects.get(key)
    spec = copy.deepcopy(doc["spec"])
    spec.setdefault("minReplicas", 1)
    if "metrics" not in spec:
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": target},
                },
            }
        ]
    cluster._objects[key] = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": old["metadata"] if old else cluster._meta(key[2], ns, doc["metadata"]),
        "spec": spec,
        "status": old["status"] if old else {"currentReplicas": 0, "desiredReplicas": 0},
    }


def _items(cluster: Cluster, namespace: str | None) -> list[dict]:
    return [
        obj
        for (kind, ns, _), obj in cluster._objects.items()
        if kind == "HorizontalPodAutoscaler" and namespace in (None, ns)
    ]


def _read(cluster: Cluster, namespace: str | None, name: str) -> dict:
    found = cluster._objects.get(("HorizontalPodAutoscaler", namespace or "default", name))
    if found is None:
        raise NotFoundError(
            f'horizontalpodautoscalers.autoscaling "{name}" not found',
            hint="list them with get('hpa').",
        )
    return found


def _delete(cluster: Cluster, namespace: str, name: str) -> None:
    key = ("HorizontalPodAutoscaler", namespace, name)
    _read(cluster, namespace, name)
    del cluster._objects[key]
    _STATE.get(cluster, {}).pop(key, None)


HPA = Kind(
    name="HorizontalPodAutoscaler",
    api_version="autoscaling/v2",
    plural="horizontalpodautoscalers",
    aliases=("hpa",),
    read=_read,
    items=_items,
    delete=_delete,
    check=_check,
    namespace_of=_namespace_of,
    apply=_apply,
)


# ------------------------------------------------------------------ the controller


def _event(
    cluster: Cluster, key: tuple[str, str, str], type_: str, reason: str, message: str
) -> dict:
    event: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{key[2]}.{cluster._tick():x}", "namespace": key[1]},
        "type": type_,
        "reason": reason,
        "message": message,
        "involvedObject": {"kind": "HorizontalPodAutoscaler", "namespace": key[1], "name": key[2]},
        "source": {"component": "horizontal-pod-autoscaler"},
    }
    # The same warning every 15 s is one event whose count grows, as the API server does
    # (looking back over recent events: several HPAs write in turn).
    for last in reversed(cluster._events[-50:]):
        if last["involvedObject"] == event["involvedObject"]:
            if (last["reason"], last["message"]) == (reason, message):
                last["count"] = last.get("count", 1) + 1
                return last
            break
    event["count"] = 1
    cluster._events.append(event)
    return event


def sync(cluster: Cluster, namespace: str, name: str, now: _dt.datetime) -> list[dict]:
    """One pass of the HPA controller over ``namespace/name``; returns the events it wrote."""
    key = ("HorizontalPodAutoscaler", namespace, name)
    obj = cluster._objects.get(key)
    if obj is None:
        return []
    spec = obj["spec"]
    ref = spec["scaleTargetRef"]
    low, high = spec["minReplicas"], spec["maxReplicas"]
    target = spec["metrics"][0]["resource"]["target"]["averageUtilization"]
    kind, target_name = ref["kind"], ref["name"]
    target_key = ("Deployment", namespace, target_name)
    if kind != "Deployment" or target_key not in cluster._objects:
        reason = (
            f'{str(kind).lower()}s.apps "{target_name}" has no scale subresource: '
            "the HPA scales Deployments (never DaemonSets, which run one pod per node)"
            if kind != "Deployment"
            else f'deployments.apps "{target_name}" not found'
        )
        return [
            _event(
                cluster,
                key,
                "Warning",
                "FailedGetScale",
                f"the HPA controller was unable to get the target's current scale: {reason}",
            )
        ]
    deployment = cluster._objects[target_key]
    current = deployment["spec"]["replicas"]
    obj["status"]["currentReplicas"] = current
    if current == 0:
        return []  # scaling is disabled while the target is scaled to zero
    template_spec = deployment["spec"]["template"].get("spec") or {}
    missing = podmetrics.missing_cpu_request(template_spec)
    if missing is not None:
        pods = sorted(k[1] for k in cluster._owned.get(target_key, {}))
        pod = pods[0] if pods else f"{target_name}-..."
        return [
            _event(
                cluster,
                key,
                "Warning",
                "FailedGetResourceMetric",
                f"failed to get cpu utilization: missing request for cpu in container "
                f"{missing} of Pod {pod}",
            )
        ]
    sample = podmetrics.last_sample(cluster, namespace, target_name)
    if sample is None:
        return [
            _event(
                cluster,
                key,
                "Warning",
                "FailedGetResourceMetric",
                "failed to get cpu utilization: unable to get metrics for resource cpu: "
                "unable to fetch metrics from resource metrics API: the server could "
                "not find the requested resource (get pods.metrics.k8s.io)",
            )
        ]
    if sample.running == 0:
        return [
            _event(
                cluster,
                key,
                "Warning",
                "FailedGetResourceMetric",
                "failed to get cpu utilization: did not receive metrics for targeted "
                "pods (pods might be unready)",
            )
        ]
    # Whole percent, as the HPA controller computes resource utilization.
    utilisation = int(100 * sample.usage_millis / sample.request_millis)
    wanted = recommend(
        current=current,
        ready=sample.running,
        pending=sample.pending,
        utilisation=utilisation,
        target=target,
    )
    # Behaviour: stabilise (scale-down: the highest recommendation in the window), then
    # limit the rate (scale-up: double or +4 per period), then min/max.
    state = _hpa_state(cluster, key)
    window = float(RULES["scale_down_stabilization_seconds"])
    # Recommendations are kept in time order: the ones out of the window are the oldest.
    recent = state.recommendations
    old = 0
    while old < len(recent) and (now - recent[old][0]).total_seconds() >= window:
        old += 1
    if old:
        del recent[:old]
    recent.append((now, wanted))
    stabilised = (
        min(current, max(r for _, r in state.recommendations)) if wanted < current else wanted
    )
    up_limit = max(
        math.ceil(current * (1 + float(RULES["scale_up_max_percent_per_period"]) / 100)),
        current + int(RULES["scale_up_max_pods_per_period"]),
    )
    desired = min(max(min(stabilised, up_limit), low), high)
    obj["status"].update(
        desiredReplicas=desired,
        currentMetrics=[
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {
                        "averageUtilization": int(utilisation),
                        "averageValue": f"{round(sample.usage_millis)}m",
                    },
                },
            }
        ],
    )
    if desired == current:
        return []
    if desired > high or current > high:
        why = "Current number of replicas above Spec.MaxReplicas"
    elif current < low:
        why = "Current number of replicas below Spec.MinReplicas"
    else:
        side = "above" if desired > current else "below"
        why = f"cpu resource utilization (percentage of request) {side} target"
    cluster.scale(target_name, desired, namespace)
    obj["status"]["lastScaleTime"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        _event(cluster, key, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {why}")
    ]
