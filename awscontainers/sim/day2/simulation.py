"""Simulated time driving the day-2 controllers, and the timeline of what they did.

:class:`Day2` subscribes to the clock's ``time-advanced``. However far the clock moves, it
walks through the moved span in ticks of 15 s (``data/day2.yaml``, ``tick_seconds``) and
calls each registered :class:`Controller` at every tick that is a multiple of its own
period, counted from the lab's epoch, in registration order: so the same inputs give the
same timeline whatever steps the learner advanced by, and real time is never waited on.
Controllers read the time they are given, never the clock (``clock.now()`` ticks a second
per reading; notebooks depend on that).

The built-in controllers, in the order they run at a tick:

========================== ====== ==========================================================
controller                 period what it does
========================== ====== ==========================================================
metrics-server             15 s   each EKS cluster's Metrics Server scrapes pod CPU (if
                                  installed)
horizontal-pod-autoscaler  15 s   every HPA of every EKS cluster syncs
ecs-service-metrics        60 s   each loaded ECS service publishes ``AWS/ECS``
                                  ``CPUUtilization`` to CloudWatch
application-auto-scaling   60 s   target tracking policies evaluate their alarms
ecs-service-scheduler      15 s   loaded services short of their desired count try again
ecs-instance-join          15 s   instances an Auto Scaling group launched register with
                                  ECS once booted (``ecs_capacity.py``)
ecs-cluster-auto-scaling   60 s   each capacity provider's ``CapacityProviderReservation``,
                                  and managed scaling of its group (``ecs_capacity.py``)
cluster-autoscaler         15 s   EKS node groups grow for unschedulable pods and shrink
                                  under-used nodes (``cluster_autoscaler.py``)
karpenter                  15 s   Karpenter and EKS Auto Mode launch, join, expire and
                                  consolidate nodes (``karpenter.py``)
patch-rollouts             15 s   nodegroup updates, instance refreshes, Fargate retirements
                                  (``patching.py``)
interruptions              15 s   Spot and Fargate Spot notices fall due (``interruptions.py``)
========================== ====== ==========================================================

A new controller is a function ``act(day2, when)`` registered with
:func:`register_controller` at the bottom of this module (one place, in run order).

A controller may also say when it is idle: ``quiet(day2, when)``, asked after a tick's
controllers acted, returns a time before which its every tick would do nothing (change
nothing, note nothing) as long as nothing else changes, or None. When every controller
gives one, the ticks before the earliest are skipped: they would all have done nothing, so
the timeline is the same, and a simulated month of an idle cluster takes a moment. A
controller without ``quiet`` is never idle, so nothing is skipped while it is registered.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...collector import full_collections_deferred
from ...errors import InvalidParameterError, NotFoundError
from ...rules.data import load_packaged
from ...tables import Table
from ..clock import EPOCH, FOREVER
from ..events import TIME_ADVANCED
from ..kube import hpa, podmetrics
from ..load import LoadCurve, utilisation
from . import cluster_autoscaler, ecs_capacity, interruptions, karpenter, patching
from .metrics import MetricStore
from .service_scaling import ServiceAutoScaling

if TYPE_CHECKING:
    from ..account import Account
    from ..ecs import EcsSimulator
    from ..eks import EksSimulator

__all__ = [
    "CONTROLLERS",
    "FOREVER",
    "TICK_SECONDS",
    "WHO",
    "Controller",
    "Day2",
    "register_controller",
]

TICK_SECONDS = int(load_packaged("day2.yaml")["tick_seconds"])
_ECS_PERIOD = int(load_packaged("day2.yaml")["cloudwatch"]["ecs_metric_period_seconds"])
#: Who does the work behind an event, by its source (a note may say otherwise).
WHO = {
    "ecs": "AWS (ECS)",
    "kubernetes": "Kubernetes (in your cluster)",
    "application-autoscaling": "AWS (the policy you configured)",
    "cluster-autoscaler": "Cluster Autoscaler (you installed it)",
    "eks": "AWS (EKS)",
    "autoscaling": "AWS (Auto Scaling)",
}


@dataclass(frozen=True)
class Controller:
    """A controller: a name, a period in seconds (a multiple of the tick), what it does
    at each of its ticks, and optionally until when it would do nothing (see the module's
    docstring)."""

    name: str
    period: int
    act: Callable[[Day2, _dt.datetime], None]
    quiet: Callable[[Day2, _dt.datetime], _dt.datetime | None] | None = None


class _Registry(dict):
    """The controllers by name, counting its changes (so what is due at a tick is
    worked out once per change, not at every tick)."""

    version = 0

    def _changed(self) -> None:
        self.version += 1

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._changed()

    def pop(self, *args: Any) -> Any:
        self._changed()
        return super().pop(*args)

    def popitem(self) -> Any:
        self._changed()
        return super().popitem()

    def clear(self) -> None:
        self._changed()
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self._changed()
        return super().setdefault(key, default)


#: Every controller, in the order they run at a tick.
CONTROLLERS: dict[str, Controller] = _Registry()
_DUE: dict[int, list[Callable[[Day2, _dt.datetime], None]]] = {}
_DUE_VERSION = [-1, 1]  # the registry's version the table is for, and its cycle in seconds


def _due(offset: int) -> list[Callable[[Day2, _dt.datetime], None]]:
    """What acts at the tick ``offset`` seconds after the epoch, in run order: the
    controllers whose period divides it. Ticks a whole cycle (the periods' least common
    multiple) apart have the same list, kept until a controller is added or replaced."""
    version = getattr(CONTROLLERS, "version", None)
    if version is None or version != _DUE_VERSION[0]:
        _DUE.clear()
        _DUE_VERSION[0] = -1 if version is None else version
        _DUE_VERSION[1] = math.lcm(*(c.period for c in CONTROLLERS.values()), TICK_SECONDS)
    if version is None:  # a plain dict put in its place: worked out every time
        return [c.act for c in CONTROLLERS.values() if offset % c.period == 0]
    phase = offset % _DUE_VERSION[1]
    found = _DUE.get(phase)
    if found is None:
        found = _DUE[phase] = [c.act for c in CONTROLLERS.values() if phase % c.period == 0]
    return found


def _quiets() -> tuple[Callable[[Day2, _dt.datetime], _dt.datetime | None], ...] | None:
    """Every controller's ``quiet``, in run order (None if one has none), worked out once
    per change of the registry."""
    version = getattr(CONTROLLERS, "version", None)
    if version is not None and version in _QUIETS:
        return _QUIETS[version]
    found = tuple(c.quiet for c in CONTROLLERS.values())
    kept = None if any(q is None for q in found) else found
    if version is not None:
        _QUIETS.clear()
        _QUIETS[version] = kept
    return kept  # type: ignore[return-value]


_QUIETS: dict[int, tuple | None] = {}
#: Ticks a busy lab waits before asking again whether all is quiet (doubling up to this).
_MOST_WAIT = 64


def register_controller(controller: Controller) -> Controller:
    """Add (or replace) a controller; its period must be a whole number of ticks."""
    if controller.period <= 0 or controller.period % TICK_SECONDS:
        raise InvalidParameterError(
            f"A controller's period must be a multiple of {TICK_SECONDS} s, "
            f"not {controller.period}.",
            hint=f"use a period of {TICK_SECONDS}, {2 * TICK_SECONDS}, 60, ... seconds.",
        )
    CONTROLLERS[controller.name] = controller
    return controller


@dataclass
class _EcsLoad:
    cluster: str
    service: str
    curve: LoadCurve
    counts: tuple[tuple[int, int, int, int], tuple[int, int]] | None = None
    utilisation: float | None = None


@dataclass
class _KubeLoad:
    cluster: str
    namespace: str
    deployment: str
    curve: LoadCurve


@dataclass
class _Timeline:
    rows: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


class Day2:
    """The day-2 side of one lab: loads, metrics, autoscalers and the timeline."""

    def __init__(
        self, account: Account, ecs: EcsSimulator | None, eks: EksSimulator | None
    ) -> None:
        self.account = account
        self.ecs = ecs
        self.eks = eks
        self.metrics = MetricStore()
        self.service_scaling = ServiceAutoScaling(ecs, self.metrics) if ecs else None
        self._ecs_loads: dict[tuple[str, str], _EcsLoad] = {}
        self._kube_loads: dict[tuple[str, str, str], _KubeLoad] = {}
        self._timeline = _Timeline()
        self._seen_service_events: dict[tuple[str, str], str | None] = {}
        self._seen_kube_events: dict[str, int] = {}
        # Services and clusters a patch or an interruption touched: their events are
        # collected too, loaded or not.
        self._watched_services: dict[tuple[str, str], None] = {}
        self._watched_kube: dict[str, None] = {}
        self.patching = patching.Patching(self)
        self.interruptions = interruptions.Interruptions(self)
        account.events.subscribe(TIME_ADVANCED, self._on_time_advanced)

    # -- loads -----------------------------------------------------------------------------
    def load_service(self, cluster: str, service: str, curve: LoadCurve) -> None:
        """Give ECS service ``cluster/service`` a load (see :mod:`awscontainers.sim.load`)."""
        if self.ecs is None:
            raise InvalidParameterError("Loads are simulated only.", hint="use Lab().")
        _check_curve(curve)
        svc = self.ecs.service(cluster, service)
        self._ecs_loads[(cluster, service)] = _EcsLoad(cluster, service, curve)
        self._seen_service_events[(cluster, service)] = svc.events[0]["id"] if svc.events else None

    def load_deployment(
        self, cluster: str, deployment: str, curve: LoadCurve, namespace: str = "default"
    ) -> None:
        """Give Deployment ``namespace/deployment`` of EKS cluster ``cluster`` a load."""
        if self.eks is None:
            raise InvalidParameterError("Loads are simulated only.", hint="use Lab().")
        _check_curve(curve)
        kube = self.eks.cluster(cluster).kube
        podmetrics.set_load(kube, namespace, deployment, curve)
        self._seen_kube_events.setdefault(cluster, len(kube._events))
        self._kube_loads[(cluster, namespace, deployment)] = _KubeLoad(
            cluster, namespace, deployment, curve
        )

    def watch_ecs_cluster(self, cluster: str) -> None:
        """Collect the service events of every service of ECS ``cluster`` from now on."""
        if self.ecs is None:
            return
        for svc in self.ecs._services.values():
            key = (svc.cluster, svc.name)
            if svc.cluster != cluster or key in self._watched_services:
                continue
            self._watched_services[key] = None
            if key not in self._ecs_loads:
                self._seen_service_events[key] = svc.events[0]["id"] if svc.events else None

    def watch_all(self) -> None:
        """Collect the events of every ECS service and EKS cluster there is now (what a
        patch or an interruption may touch)."""
        if self.ecs is not None:
            for cluster in sorted({s.cluster for s in self.ecs._services.values()}):
                self.watch_ecs_cluster(cluster)
        if self.eks is not None:
            for cluster in sorted(self.eks._clusters):
                self.watch_kube_cluster(cluster)

    def watch_kube_cluster(self, cluster: str) -> None:
        """Collect the Kubernetes warnings of EKS cluster ``cluster`` from now on."""
        if self.eks is None or cluster in self._watched_kube:
            return
        kube = self.eks.cluster(cluster).kube
        self._watched_kube[cluster] = None
        self._seen_kube_events.setdefault(cluster, len(kube._events))

    # -- time --------------------------------------------------------------------------------
    def run(
        self,
        until: _dt.datetime | _dt.timedelta,
        step: _dt.timedelta = _dt.timedelta(seconds=TICK_SECONDS),
    ) -> Table:
        """Move the clock on to ``until`` (a datetime, or a timedelta from now) in steps of
        ``step``, recording a timeline row per loaded service or Deployment after each
        step; returns the rows this run added."""
        start = self.account.clock.peek()
        if isinstance(until, _dt.timedelta):
            end = start + until
        elif isinstance(until, _dt.datetime) and until.tzinfo is not None:
            end = until
        else:
            raise InvalidParameterError(
                f"until must be a timedelta or an aware datetime, not {until!r}.",
                hint="pass until=datetime.timedelta(hours=1).",
            )
        if not isinstance(step, _dt.timedelta) or step.total_seconds() <= 0:
            raise InvalidParameterError(
                f"step must be a positive timedelta, not {step!r}.",
                hint="pass step=datetime.timedelta(seconds=15).",
            )
        if end < start:
            raise InvalidParameterError(
                f"until ({end:%Y-%m-%d %H:%M:%S}) is before the lab's time "
                f"({start:%Y-%m-%d %H:%M:%S}).",
                hint="time only moves forward: pass a later time.",
            )
        if (end - start) / step > 1_000_000:
            raise InvalidParameterError(
                "That run would take more than a million steps.",
                hint="pass a larger step or an earlier until.",
            )
        first = len(self._timeline.rows)
        with full_collections_deferred():
            self._steps(start, end, step)
        return Table(self._timeline.rows[first:], title="Timeline")

    def _steps(self, start: _dt.datetime, end: _dt.datetime, step: _dt.timedelta) -> None:
        n = 1
        while True:
            target = min(start + step * n, end)
            # Readings of the clock during a step (events, new tasks) tick it on a second
            # each; stepping to fixed targets keeps the timeline on the step grid.
            gap = target - self.account.clock.peek()
            if gap > _dt.timedelta():
                self.account.clock.move(gap)  # within the run's span, checked above
            self._record(target)
            if target >= end:
                break
            n += 1

    def _on_time_advanced(self, seconds: float, start: _dt.datetime, end: _dt.datetime) -> None:
        with full_collections_deferred():
            self._ticks(start, end)

    def _ticks(self, start: _dt.datetime, end: _dt.datetime) -> None:
        since = (start - EPOCH).total_seconds()
        tick = math.floor(since / TICK_SECONDS) + 1
        wait = self.__dict__.setdefault("_quiet_wait", [0, 1])  # ticks to wait, next wait
        while True:
            when = EPOCH + _dt.timedelta(seconds=tick * TICK_SECONDS)
            if when > end:
                break
            for act in _due(tick * TICK_SECONDS):
                act(self, when)
            tick += 1
            if wait[0] > 0:
                wait[0] -= 1
                continue
            until = self._quiet_until(when)
            if until is None:
                wait[0], wait[1] = wait[1], min(2 * wait[1], _MOST_WAIT)
                continue
            wait[1] = 1
            if until > end:
                break
            # The first tick at or after ``until``: the ones before it would do nothing.
            tick = max(tick, -((EPOCH - until) // _dt.timedelta(seconds=TICK_SECONDS)))

    def _quiet_until(self, when: _dt.datetime) -> _dt.datetime | None:
        """The earliest time any controller may act again after ``when``, if every
        controller can tell (None otherwise)."""
        quiets = _quiets()
        if quiets is None:
            return None
        until = FOREVER
        for quiet in quiets:
            found = quiet(self, when)
            if found is None or found <= when:
                return None
            until = min(until, found)
        return until

    # -- what controllers read ------------------------------------------------------------------
    def _kube_clusters(self) -> list[tuple[str, Any]]:
        if self.eks is None:
            return []
        return [(name, sim.kube) for name, sim in self.eks._clusters.items()]

    def ecs_counts(self, load: _EcsLoad) -> tuple[int, int]:
        """(running, pending) tasks of a loaded service, counted again only when the service
        changed (an event, a new desired count, a new task): counting 1,000 tasks at every
        15 s tick of a day would be most of a run's time."""
        assert self.ecs is not None
        svc = self.ecs.service(load.cluster, load.service)
        marker = (len(svc.events), svc.desired, len(self.ecs._tasks), self.ecs.task_starts)
        if load.counts is None or load.counts[0] != marker:
            live = self.ecs.live_tasks(load.cluster, svc.group)
            pending = sum(1 for t in live if t["lastStatus"] in ("PENDING", "PROVISIONING"))
            load.counts = (marker, (len(live) - pending, pending))
        return load.counts[1]

    def _ecs_instances(self, cluster: str) -> int:
        """Container instances registered in ECS ``cluster``, counted again only when an
        instance registered or left (the timeline asks at every step)."""
        assert self.ecs is not None
        instances = self.ecs._instances
        marker = (getattr(self.ecs, "instance_changes", 0), id(instances), len(instances))
        kept = self.__dict__.setdefault("_instance_counts", {})
        if kept.get(cluster, (None,))[0] != marker:
            count = sum(1 for i in self.ecs._instances.values() if i.cluster == cluster)
            kept[cluster] = (marker, count)
        return int(kept[cluster][1])

    def _task_vcpu(self, load: _EcsLoad) -> float:
        assert self.ecs is not None
        svc = self.ecs.service(load.cluster, load.service)
        td = self.ecs.task_definition(svc.task_definition)
        units = int(td.get("cpu") or 0) or sum(
            int(c.get("cpu") or 0) for c in td.get("containerDefinitions") or []
        )
        return units / 1024

    # -- the timeline --------------------------------------------------------------------------
    def note(
        self, when: _dt.datetime, source: str, target: str, message: str, who: str | None = None
    ) -> None:
        """Add an event to the timeline's events list; ``who`` did the work ("you", "AWS",
        ...), by default the one :data:`WHO` gives for the source."""
        self._timeline.events.append(
            {
                "time": when,
                "source": source,
                "target": target,
                "message": message,
                "who": who or WHO.get(source, "AWS"),
            }
        )

    def _record(self, when: _dt.datetime) -> None:
        for key, load in list(self._ecs_loads.items()):
            assert self.ecs is not None
            try:
                svc = self.ecs.service(load.cluster, load.service)
            except NotFoundError:
                del self._ecs_loads[key]
                continue
            self._collect_service_events(load.cluster, load.service, svc)
            running, pending = self.ecs_counts(load)
            fargate = svc.launch_type == "FARGATE" or (
                bool(svc.capacity_provider_strategy) and not self.ecs.uses_group_providers(svc)
            )
            self._timeline.rows.append(
                {
                    "time": when,
                    "target": f"ecs:{load.cluster}/{load.service}",
                    "load_vcpu": round(load.curve.at(when), 3),
                    "desired": svc.desired,
                    "running": running,
                    "pending": pending,
                    "nodes": "-" if fargate else self._ecs_instances(load.cluster),
                    "cpu_percent": None if load.utilisation is None else round(load.utilisation, 1),
                }
            )
        for (cluster, ns, name), kload in self._kube_loads.items():
            assert self.eks is not None
            try:
                kube = self.eks.cluster(cluster).kube
            except NotFoundError:
                continue
            self._collect_kube_events(cluster, kube, when)
            sample = podmetrics.deployment_sample(kube, ns, name, when)
            if sample is None:
                continue
            obj = kube._objects[("Deployment", ns, name)]
            self._timeline.rows.append(
                {
                    "time": when,
                    "target": f"eks:{cluster}/{ns}/{name}",
                    "load_vcpu": round(kload.curve.at(when), 3),
                    "desired": obj["spec"]["replicas"],
                    "running": sample.running,
                    "pending": sample.pending,
                    "nodes": len(kube._nodes),
                    "cpu_percent": round(100 * sample.usage_millis / sample.request_millis, 1)
                    if sample.request_millis and sample.running
                    else None,
                }
            )
        if self._watched_services or self._watched_kube:
            self._collect_watched(when)

    def _collect_watched(self, when: _dt.datetime) -> None:
        for cluster, service in list(self._watched_services):
            if (cluster, service) in self._ecs_loads:
                continue  # collected with its load
            assert self.ecs is not None
            try:
                svc = self.ecs.service(cluster, service)
            except NotFoundError:
                del self._watched_services[(cluster, service)]
                continue
            self._collect_service_events(cluster, service, svc)
        for cluster in list(self._watched_kube):
            assert self.eks is not None
            try:
                kube = self.eks.cluster(cluster).kube
            except NotFoundError:
                del self._watched_kube[cluster]
                continue
            self._collect_kube_events(cluster, kube, when)

    def _collect_kube_events(self, cluster: str, kube: Any, when: _dt.datetime) -> None:
        # The scheduler's warnings (FailedScheduling for pods the HPA added, ...); the HPA's
        # own are noted when it writes them, with the tick's time. Kubernetes events here
        # carry no time of their own: they get the step's.
        events = kube._events
        seen = self._seen_kube_events.get(cluster, 0)
        for event in events[seen:]:
            # Warnings only: a Scheduled event per pod would bury the rest on a busy day.
            if (
                event["source"]["component"] == "horizontal-pod-autoscaler"
                or event.get("type") != "Warning"
            ):
                continue
            obj = event["involvedObject"]
            self.note(
                when,
                "kubernetes",
                f"{cluster}/{obj['namespace']}/{obj['name']}",
                f"{event['reason']}: {event['message']}",
            )
        self._seen_kube_events[cluster] = len(events)

    def _collect_service_events(self, cluster: str, service: str, svc: Any) -> None:
        seen = self._seen_service_events.get((cluster, service))
        fresh = []
        for event in svc.events:  # newest first
            if event["id"] == seen:
                break
            fresh.append(event)
        for event in reversed(fresh):
            self.note(event["createdAt"], "ecs", f"{cluster}/{service}", event["message"])
        if svc.events:
            self._seen_service_events[(cluster, service)] = svc.events[0]["id"]

    def timeline(self) -> Table:
        """Every row recorded so far (one per run step and loaded service or Deployment)."""
        return Table(list(self._timeline.rows), title="Timeline")

    def timeline_events(self) -> Table:
        """ECS service events, Kubernetes events and scaling activities, with their times."""
        rows = sorted(self._timeline.events, key=lambda e: e["time"])
        return Table(rows, title="Events")


def _check_curve(curve: Any) -> None:
    if not isinstance(curve, LoadCurve):
        raise InvalidParameterError(
            f"A load must be a LoadCurve, not {type(curve).__name__}.",
            hint="build one with awscontainers.sim.load: constant(2), daily(low=1, high=8)...",
        )


# ------------------------------------------------------------------ the built-in controllers


def _metrics_server(day2: Day2, when: _dt.datetime) -> None:
    for _, kube in day2._kube_clusters():
        podmetrics.scrape(kube, when)


def _horizontal_pod_autoscalers(day2: Day2, when: _dt.datetime) -> None:
    for name, kube in day2._kube_clusters():
        for obj in hpa.HPA.items(kube, None):
            meta = obj["metadata"]
            for event in hpa.sync(kube, meta["namespace"], meta["name"], when):
                if event.get("count", 1) == 1:  # a repeated warning is the same event
                    day2.note(
                        when,
                        "kubernetes",
                        f"{name}/{meta['namespace']}/{meta['name']}",
                        f"{event['reason']}: {event['message']}",
                    )


def _ecs_service_metrics(day2: Day2, when: _dt.datetime) -> None:
    for load in day2._ecs_loads.values():
        try:
            running, _ = day2.ecs_counts(load)
        except NotFoundError:
            continue
        value = utilisation(
            load_vcpu=load.curve.at(when),
            running=running,
            cpu_request_vcpu=day2._task_vcpu(load),
        )
        load.utilisation = value
        if value is not None:
            day2.metrics.put(
                "AWS/ECS",
                "CPUUtilization",
                {"ClusterName": load.cluster, "ServiceName": load.service},
                when,
                value,
            )


def _application_auto_scaling(day2: Day2, when: _dt.datetime) -> None:
    if day2.service_scaling is None:
        return
    for activity in day2.service_scaling.evaluate(when):
        day2.note(
            when,
            "application-autoscaling",
            activity["ResourceId"],
            f"{activity['Description']} {activity['Cause']}",
        )


def _ecs_service_scheduler(day2: Day2, when: _dt.datetime) -> None:
    assert day2.ecs is not None or not day2._ecs_loads
    for load in day2._ecs_loads.values():
        try:
            svc = day2.ecs.service(load.cluster, load.service)  # type: ignore[union-attr]
            running, pending = day2.ecs_counts(load)
        except NotFoundError:
            continue
        if running + pending < svc.desired:
            day2.ecs.reconcile(load.cluster)  # type: ignore[union-attr]


# ------------------------------------------------------------------ when each is idle
# Each returns FOREVER when its next ticks would change nothing until something else does
# (its own state already what such a tick leaves), a time when one may, or None.


def _metrics_server_quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    for _, kube in day2._kube_clusters():
        if not podmetrics.idle(kube):
            return None
    return FOREVER


def _horizontal_pod_autoscalers_quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    for _, kube in day2._kube_clusters():
        if hpa.HPA.items(kube, None):
            return None
    return FOREVER


def _no_ecs_loads(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    return None if day2._ecs_loads else FOREVER


def _application_auto_scaling_quiet(day2: Day2, when: _dt.datetime) -> _dt.datetime | None:
    return None if day2.service_scaling is not None and day2.service_scaling.policies else FOREVER


# The one place controllers are registered, in the order they run at a tick.
for _controller in (
    Controller("metrics-server", TICK_SECONDS, _metrics_server, _metrics_server_quiet),
    Controller(
        "horizontal-pod-autoscaler",
        int(hpa.RULES["sync_period_seconds"]),
        _horizontal_pod_autoscalers,
        _horizontal_pod_autoscalers_quiet,
    ),
    Controller("ecs-service-metrics", _ECS_PERIOD, _ecs_service_metrics, _no_ecs_loads),
    Controller(
        "application-auto-scaling",
        int(load_packaged("day2.yaml")["service_auto_scaling"]["evaluation_period_seconds"]),
        _application_auto_scaling,
        _application_auto_scaling_quiet,
    ),
    Controller("ecs-service-scheduler", TICK_SECONDS, _ecs_service_scheduler, _no_ecs_loads),
    Controller(
        "ecs-instance-join", TICK_SECONDS, ecs_capacity.join_instances, ecs_capacity.join_quiet
    ),
    Controller(
        "ecs-cluster-auto-scaling",
        int(ecs_capacity.RULES["evaluation_period_seconds"]),
        ecs_capacity.scale,
        ecs_capacity.scale_quiet,
    ),
    Controller(
        "cluster-autoscaler",
        int(cluster_autoscaler.RULES["scan_period_seconds"]),
        cluster_autoscaler.scan,
        cluster_autoscaler.quiet,
    ),
    Controller(
        "karpenter", int(karpenter.RULES["scan_period_seconds"]), karpenter.scan, karpenter.quiet
    ),
    Controller(
        "patch-rollouts",
        int(patching.RULES["rollout_period_seconds"]),
        patching.act,
        patching.quiet,
    ),
    Controller("interruptions", TICK_SECONDS, interruptions.act, interruptions.quiet),
):
    register_controller(_controller)
