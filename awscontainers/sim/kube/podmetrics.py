"""The resource metrics API (``metrics.k8s.io``): PodMetrics, served only when a Metrics
Server runs in the cluster, as on EKS (which does not install one: adding it is your duty).

The Metrics Server counts as installed when a Deployment ``kube-system/metrics-server``
has at least one pod running (``manifests.metrics_server()`` is its manifest;
``KubeClient.install_metrics_server()`` applies it). Every 15 s (its
``--metric-resolution``) it scrapes each pod's CPU usage; usage comes from the load given
to the pod's Deployment (:func:`set_load`, model in :mod:`awscontainers.sim.load`), shared
evenly by its running pods and stopped at the pods' CPU limit when every container has one.

Without a Metrics Server, reading PodMetrics fails as ``kubectl top pods`` does, and the
HorizontalPodAutoscaler (:mod:`.hpa`) reports ``FailedGetResourceMetric``.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from awscontainers.errors import InvalidParameterError, NotFoundError

from ..load import LoadCurve
from .kinds import Kind
from .objects import millicores

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = [
    "METRICS_SERVER",
    "PODMETRICS",
    "DeploymentSample",
    "deployment_sample",
    "metrics_server_ready",
    "missing_cpu_request",
    "scrape",
    "set_load",
]

#: Where the Metrics Server runs: (namespace, Deployment name).
METRICS_SERVER = ("kube-system", "metrics-server")
_NOT_SERVED = "the server could not find the requested resource (get pods.metrics.k8s.io)"


@dataclass
class DeploymentSample:
    """One scrape of a Deployment's pods: how many run and are pending, and each running
    pod's CPU use and request, in millicores (all pods share one template)."""

    running: int
    pending: int
    usage_millis: float
    request_millis: int


@dataclass
class _Metrics:
    loads: dict[tuple[str, str], LoadCurve] = field(default_factory=dict)
    samples: dict[tuple[str, str], DeploymentSample] = field(default_factory=dict)
    counts: dict[tuple[str, str], tuple[tuple[int, ...], tuple[int, int]]] = field(
        default_factory=dict
    )
    scraped_at: _dt.datetime | None = None


_STATE: weakref.WeakKeyDictionary[Cluster, _Metrics] = weakref.WeakKeyDictionary()


def _state(cluster: Cluster) -> _Metrics:
    found = _STATE.get(cluster)
    if found is None:
        found = _STATE[cluster] = _Metrics()
    return found


def set_load(cluster: Cluster, namespace: str, deployment: str, curve: LoadCurve) -> None:
    """Give Deployment ``namespace/deployment`` a load (it need not exist yet)."""
    if not isinstance(curve, LoadCurve):
        raise InvalidParameterError(
            f"A load must be a LoadCurve, not {type(curve).__name__}.",
            hint="build one with awscontainers.sim.load: constant(2), daily(low=1, high=8)...",
        )
    _state(cluster).loads[(namespace, deployment)] = curve


def metrics_server_ready(cluster: Cluster) -> bool:
    """Whether a Metrics Server pod runs in the cluster."""
    key = ("Deployment", *METRICS_SERVER)
    if key not in cluster._objects:
        return False
    return any(cluster._pods[k].node is not None for k in cluster._owned.get(key, {}))


def _containers(template_spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in template_spec.get("containers") or [] if isinstance(c, Mapping)]


#: What was read off pod templates (the container missing a CPU request, the pod's CPU
#: limit), by template object: a stored object is replaced, never changed, when applied
#: again. The HPA and the Metrics Server ask at every 15 s tick.
_MISSING: dict[int, tuple[Mapping[str, Any], str | None]] = {}
_LIMITS: dict[int, tuple[Mapping[str, Any], int | None]] = {}


def _kept(table: dict, spec: Mapping[str, Any], read: Any) -> Any:
    found = table.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    value = read(spec)
    if len(table) > 256:
        table.clear()
    table[id(spec)] = (spec, value)
    return value


def missing_cpu_request(template_spec: Mapping[str, Any]) -> str | None:
    """The first container of a pod template without a CPU request, or None."""
    return _kept(_MISSING, template_spec, _missing_cpu_request)


def _missing_cpu_request(template_spec: Mapping[str, Any]) -> str | None:
    for c in _containers(template_spec):
        requests = (c.get("resources") or {}).get("requests") or {}
        if "cpu" not in requests:
            return str(c.get("name"))
    return None


def _limit_millis(template_spec: Mapping[str, Any]) -> int | None:
    return _kept(_LIMITS, template_spec, _read_limit_millis)


def _read_limit_millis(template_spec: Mapping[str, Any]) -> int | None:
    total = 0
    for c in _containers(template_spec):
        limits = (c.get("resources") or {}).get("limits") or {}
        if "cpu" not in limits:
            return None  # one container without a limit: the pod may use what it is asked
        total += millicores(limits["cpu"])
    return total


def _counts(cluster: Cluster, key: tuple[str, str, str]) -> tuple[int, int]:
    owned = cluster._owned.get(key, {})
    running = sum(1 for k in owned if cluster._pods[k].node is not None)
    return running, len(owned) - running


def deployment_sample(
    cluster: Cluster, namespace: str, name: str, when: _dt.datetime
) -> DeploymentSample | None:
    """What the Metrics Server would see for Deployment ``namespace/name`` at ``when``;
    None when the Deployment does not exist."""
    key = ("Deployment", namespace, name)
    obj = cluster._objects.get(key)
    if obj is None:
        return None
    state = _state(cluster)
    # Counting 1,000 pods every 15 s of a simulated day is most of a run's time: count
    # again only when something that moves the counts has moved.
    marker = (
        len(cluster._owned.get(key, {})),
        len(cluster._pending),
        cluster._counter,
        len(cluster._nodes),
    )
    cached = state.counts.get((namespace, name))
    if cached is not None and cached[0] == marker:
        running, pending = cached[1]
    else:
        running, pending = _counts(cluster, key)
        state.counts[(namespace, name)] = (marker, (running, pending))
    spec = obj["spec"]["template"].get("spec") or {}
    request = cluster._shapes[key].cpu
    curve = state.loads.get((namespace, name))
    usage = 0.0
    if running and curve is not None:
        usage = curve.at(when) * 1000 / running
        cap = _limit_millis(spec)
        if cap is not None:
            usage = min(usage, float(cap))
    return DeploymentSample(running, pending, usage, request)


def scrape(cluster: Cluster, when: _dt.datetime) -> None:
    """One Metrics Server scrape: every loaded Deployment's pods, or nothing without one."""
    state = _state(cluster)
    state.samples.clear()
    if not metrics_server_ready(cluster):
        state.scraped_at = None
        return
    state.scraped_at = when
    for namespace, name in state.loads:
        sample = deployment_sample(cluster, namespace, name, when)
        if sample is not None:
            state.samples[(namespace, name)] = sample


def idle(cluster: Cluster) -> bool:
    """Whether scraping again changes nothing: no Metrics Server runs, and the last scrape
    already found none."""
    state = _STATE.get(cluster)
    if state is not None and (state.samples or state.scraped_at is not None):
        return False
    return not metrics_server_ready(cluster)


def last_sample(cluster: Cluster, namespace: str, name: str) -> DeploymentSample | None:
    """The last scrape of Deployment ``namespace/name`` (None without a Metrics Server)."""
    return _state(cluster).samples.get((namespace, name))


# ------------------------------------------------------------------ the PodMetrics kind


def _items(cluster: Cluster, namespace: str | None) -> list[dict]:
    if not metrics_server_ready(cluster):
        raise NotFoundError(
            _NOT_SERVED,
            hint="install the Metrics Server first: lab.kube(cluster).install_metrics_server() "
            "(EKS does not install it for you).",
        )
    state = _state(cluster)
    stamp = (state.scraped_at or _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    usage_by_owner = {
        ("Deployment", ns, name): s.usage_millis for (ns, name), s in state.samples.items()
    }
    rows = []
    for (ns, name), pod in sorted(cluster._pods.items()):
        if pod.node is None or namespace not in (None, ns):
            continue
        usage = usage_by_owner.get(pod.owner, 0.0) if pod.owner else 0.0
        rows.append(
            {
                "apiVersion": "metrics.k8s.io/v1beta1",
                "kind": "PodMetrics",
                "metadata": {"name": name, "namespace": ns},
                "timestamp": stamp,
                "window": "15s",
                "containers": [
                    {
                        "name": str(c.get("name")),
                        "usage": {
                            "cpu": f"{round(usage / max(1, len(_containers(pod.obj['spec']))))}m"
                        },
                    }
                    for c in _containers(pod.obj["spec"])
                ],
            }
        )
    return rows


def _read(cluster: Cluster, namespace: str | None, name: str) -> dict:
    for row in _items(cluster, namespace or "default"):
        if row["metadata"]["name"] == name:
            return row
    raise NotFoundError(
        f'podmetrics.metrics.k8s.io "{name}" not found', hint="list them with get('PodMetrics')."
    )


def _delete(cluster: Cluster, namespace: str, name: str) -> None:
    raise InvalidParameterError(
        "PodMetrics are read-only: the Metrics Server measures them.",
        code="MethodNotAllowed",
        hint="delete the pod instead.",
    )


PODMETRICS = Kind(
    name="PodMetrics",
    api_version="metrics.k8s.io/v1beta1",
    # Not "pods.metrics.k8s.io": the registry names kinds by their plural's first part,
    # which would take "pods" from Pod.
    plural="podmetrics",
    aliases=(),
    read=_read,
    items=_items,
    delete=_delete,
)
