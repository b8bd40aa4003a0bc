"""One day in each hosting mode: the same service, the same load, what you configured.

:func:`run_day` builds a fresh lab for one of the five hosting modes in the user's notes, puts
one web service (ECS) or Deployment (EKS) of 0.25 vCPU / 0.5 GB tasks or pods on it, takes the
configuration steps you chose (:data:`STEPS`: the ones each mode needs for scaling, on the AWS
side and the Kubernetes side), gives it a load curve and runs simulated time. The answer
(:class:`DayRun`) has the timeline (desired, running and pending tasks or pods, nodes, CPU,
cost per hour), the events with who did the work, and what was left undone.

>>> from awscontainers.sim.load import step
>>> import datetime as dt
>>> day = run_day("ecs-fargate", step(0.5, 2, at=dt.timedelta(minutes=10)),
...               hours=1, steps=["service-auto-scaling"])
>>> day.peak("desired") > day.timeline[0]["desired"]
True
>>> run_day("ecs-fargate", step(0.5, 2, at=dt.timedelta(minutes=10)), hours=1,
...         steps=[]).peak("desired")
2
"""

from __future__ import annotations

import datetime as _dt
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import modes
from .collector import full_collections_deferred
from .costs import hourly_rate, priced_timeline
from .errors import InvalidParameterError, check_type
from .lab import Lab
from .manifests import metrics_server, sample_deployment
from .sim.load import LoadCurve, points
from .tables import Table

#: The five hosting modes of the user's notes, in the order the lessons teach them.
SEED_MODES = ("ecs-ec2", "ecs-fargate", "eks-ec2", "eks-nodegroup", "eks-fargate")
#: The service every mode runs: each task or pod asks for this much.
TASK_VCPU = 0.25
TASK_GB = 0.5
#: EC2 capacity the EC2 modes start with (and the Cluster Autoscaler's bounds).
INSTANCE_TYPE = "m5.large"
#: ... and at large scales (each one four m5.large).
BIG_INSTANCE_TYPE = "m5.2xlarge"
START_INSTANCES = 2
MAX_INSTANCES = 8
#: The service's bounds: the autoscalers keep the count within them.
MIN_TASKS = 2
MAX_TASKS = 40
START_TASKS = 2
TARGET_CPU = 50.0
_H = _dt.timedelta(hours=1)
#: The lesson's day, from 09:00 UTC (the lab's start): a morning ramp, a spike at 14:00 (a
#: campaign), an evening tail, a night low, back to the morning's level; in vCPU of work.
WORKING_DAY = points(
    [
        (0 * _H, 0.5),
        (3 * _H, 2.5),
        (5 * _H, 2.5),
        (5.25 * _H, 5.0),
        (5.75 * _H, 5.0),
        (6 * _H, 2.5),
        (9 * _H, 2.0),
        (14 * _H, 0.3),
        (22 * _H, 0.3),
        (24 * _H, 0.5),
    ]
)
#: The zone a day's outage takes down.
LOST_ZONE = "us-east-1a"
#: The longest day the lab runs in one go, and the finest and coarsest rows it records.
MAX_HOURS = 72
MIN_STEP = _dt.timedelta(seconds=15)
MAX_STEP = _dt.timedelta(hours=1)
#: The largest ``scale`` a day runs at: 25 times the lesson's service is 50 to 1,000 tasks
#: or pods on up to 200 instances (the benchmark's day).
MAX_SCALE = 25


@dataclass(frozen=True)
class Size:
    """The service's and the EC2 capacity's bounds at a scale (1: the lesson's)."""

    scale: int = 1

    @property
    def _per_instance(self) -> int:
        """How many lesson instances one instance stands for: above scale 6 the group would
        pass the lab's 50 instances, so each is an m5.2xlarge (4 m5.large)."""
        return 1 if self.scale <= 6 else 4

    @property
    def instance_type(self) -> str:
        return INSTANCE_TYPE if self._per_instance == 1 else BIG_INSTANCE_TYPE

    @property
    def min_tasks(self) -> int:
        return MIN_TASKS * self.scale

    @property
    def max_tasks(self) -> int:
        return MAX_TASKS * self.scale

    @property
    def start_tasks(self) -> int:
        return START_TASKS * self.scale

    @property
    def start_instances(self) -> int:
        return -(-START_INSTANCES * self.scale // self._per_instance)

    @property
    def max_instances(self) -> int:
        return -(-MAX_INSTANCES * self.scale // self._per_instance)


@dataclass(frozen=True)
class Step:
    """A configuration step a mode needs for scaling: which side you do it on and how."""

    id: str
    side: str  # "AWS" or "Kubernetes"
    what: str
    code: str
    undone: str  # what the day shows when you leave it out


_SERVICE_SCALING = Step(
    "service-auto-scaling",
    "AWS",
    "Service Auto Scaling: a scalable target and a target-tracking policy on "
    "ECSServiceAverageCPUUtilization (Application Auto Scaling)",
    "lab.application_autoscaling.register_scalable_target(...); put_scaling_policy(...)",
    "nobody changes the service's desired count: the tasks run hot at the peak",
)
_CLUSTER_SCALING = Step(
    "cluster-auto-scaling",
    "AWS",
    "cluster auto scaling: the Auto Scaling group's capacity provider with managed scaling "
    "(targetCapacity 100 %)",
    "lab.ecs.create_capacity_provider(..., managedScaling={'status': 'ENABLED', ...})",
    "nobody adds instances: tasks that do not fit wait in PROVISIONING",
)
_PATCH_ECS = Step(
    "patch-rollout",
    "AWS",
    "roll the instances onto the new ECS-optimized AMI: an instance refresh of the Auto "
    "Scaling group",
    "lab.start_instance_refresh('day-asg')",
    "the instances stay on the old AMI: unpatched, and yours to patch",
)
_PATCH_SELF = Step(
    "patch-rollout",
    "AWS",
    "roll the nodes onto the new EKS-optimized AMI: an instance refresh of your group",
    "lab.start_instance_refresh('day-self-managed')",
    "the nodes stay on the old AMI: unpatched, and yours to patch",
)
_PATCH_NODEGROUP = Step(
    "patch-rollout",
    "AWS",
    "start the managed nodegroup's update (EKS surges, cordons and drains for you)",
    "lab.eks.update_nodegroup_version(clusterName='day', nodegroupName='web')",
    "the nodes stay on the old AMI until you start the update",
)
_METRICS = Step(
    "metrics-server",
    "Kubernetes",
    "the Metrics Server (EKS does not install it): CPU readings for the HPA",
    "lab.kube(cluster).install_metrics_server()",
    "the HPA has no metrics (FailedGetResourceMetric) and never scales",
)
_HPA = Step(
    "hpa",
    "Kubernetes",
    "a HorizontalPodAutoscaler (autoscaling/v2) on the Deployment, CPU target 50 %",
    "lab.kube(cluster).apply(<HorizontalPodAutoscaler>)",
    "nobody changes the Deployment's replicas: the pods run hot at the peak",
)
_CA_KUBE = Step(
    "cluster-autoscaler",
    "Kubernetes",
    "the Cluster Autoscaler's Deployment in kube-system",
    "lab.kube(cluster).install_cluster_autoscaler()",
    "no node is added for Pending pods: they wait",
)
_CA_AWS = Step(
    "cluster-autoscaler-permission",
    "AWS",
    "the Cluster Autoscaler's IAM permission to call Auto Scaling",
    "lab.eks.allow_cluster_autoscaler(cluster)",
    "the Cluster Autoscaler may not change the Auto Scaling group: it says so and waits",
)
_CA_TAGS = Step(
    "cluster-autoscaler-tags",
    "AWS",
    "the discovery tags on your own Auto Scaling group "
    "(k8s.io/cluster-autoscaler/enabled, k8s.io/cluster-autoscaler/<cluster>)",
    "autoscaling.create_or_update_tags(...)",
    "the Cluster Autoscaler finds no group to grow (managed nodegroups carry the tags)",
)

#: Per mode, the steps that make it follow the load and take the patch release, in the
#: order you would take them.
STEPS: dict[str, tuple[Step, ...]] = {
    "ecs-ec2": (_SERVICE_SCALING, _CLUSTER_SCALING, _PATCH_ECS),
    "ecs-fargate": (_SERVICE_SCALING,),
    "eks-ec2": (_METRICS, _HPA, _CA_KUBE, _CA_AWS, _CA_TAGS, _PATCH_SELF),
    "eks-nodegroup": (_METRICS, _HPA, _CA_KUBE, _CA_AWS, _PATCH_NODEGROUP),
    "eks-fargate": (_METRICS, _HPA),
}


@dataclass
class DayRun:
    """One mode's day: the steps taken, the timeline, the events and what was left undone."""

    mode: str
    load: LoadCurve
    steps: tuple[str, ...]
    timeline: Table
    events: Table
    undone: list[str] = field(default_factory=list)
    #: instances or nodes still on an old AMI at the day's end (after a patch release)
    outdated: int = 0
    #: how long this process took, in seconds: building the mode ("setup") and running
    #: the simulated day ("day"), by the clock and in CPU time ("setup_cpu", "day_cpu");
    #: for benchmarks, never shown
    seconds: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def peak(self, column: str) -> Any:
        """The largest value of a timeline column over the day."""
        return max(row[column] for row in self.timeline if row[column] is not None)

    @property
    def cost(self) -> float:
        """What the day cost, in USD (the last row's running total)."""
        return self.timeline[-1]["cost_usd"] if self.timeline else 0.0

    def summary(self) -> dict[str, Any]:
        """One row for a side-by-side table of modes."""
        rows = list(self.timeline)
        hot = [r["cpu_percent"] for r in rows if r["cpu_percent"] is not None]
        nodes = [r["nodes"] for r in rows if isinstance(r["nodes"], int)]
        return {
            "mode": modes.get(self.mode).name,
            "steps taken": f"{len(self.steps)} of {len(STEPS[self.mode])}",
            "tasks/pods": f"{min(r['running'] for r in rows)}..{self.peak('running')}",
            "most pending": self.peak("pending"),
            "nodes": f"{min(nodes)}..{max(nodes)}" if nodes else "none (Fargate)",
            "peak CPU %": max(hot) if hot else None,
            "day's cost $": round(self.cost, 2),
            "unpatched at the end": self.outdated,
            "left undone": len(self.undone),
        }


def _check_scale(scale: Any) -> Size:
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InvalidParameterError(
            f"scale must be a whole number from 1 to {MAX_SCALE}, not {scale!r}.",
            hint=f"scale=1 is the lesson's service ({MIN_TASKS}..{MAX_TASKS} tasks); "
            f"scale={MAX_SCALE} runs {MIN_TASKS * MAX_SCALE}..{MAX_TASKS * MAX_SCALE}.",
        )
    return Size(scale)


def _check(mode: Any, load: Any, hours: Any, step: Any, steps: Any) -> tuple[str, ...]:
    check_type(mode, str, "mode", f"pass one of {', '.join(SEED_MODES)}.")
    if mode not in STEPS:
        raise InvalidParameterError(
            f"No one-day run for mode {mode!r}.",
            hint=f"pick one of {', '.join(SEED_MODES)}.",
        )
    if not isinstance(load, LoadCurve):
        raise InvalidParameterError(
            f"load must be a load curve, not {type(load).__name__}.",
            hint="build one with awscontainers.sim.load: daily(low=1, high=6), step(...), ...",
        )
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= MAX_HOURS:
        raise InvalidParameterError(
            f"hours must be a number above 0 and at most {MAX_HOURS}, not {hours!r}.",
            hint="a day is hours=24.",
        )
    if not isinstance(step, _dt.timedelta) or not MIN_STEP <= step <= MAX_STEP:
        raise InvalidParameterError(
            f"step must be a timedelta from {MIN_STEP} to {MAX_STEP}, not {step!r}.",
            hint="pass step=datetime.timedelta(minutes=1).",
        )
    known = {s.id for s in STEPS[mode]}
    if steps is None:
        return tuple(s.id for s in STEPS[mode])
    if isinstance(steps, str) or not isinstance(steps, Iterable):
        raise InvalidParameterError(
            f"steps must be a list of step names, not {steps!r}.",
            hint=f"for {mode}: {', '.join(sorted(known))} (or None for all of them).",
        )
    chosen = tuple(steps)
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise InvalidParameterError(
            f"{mode} has no step {unknown[0]!r}.",
            hint=f"its steps: {', '.join(s.id for s in STEPS[mode])}.",
        )
    return tuple(s.id for s in STEPS[mode] if s.id in chosen)


def run_day(
    mode: str,
    load: LoadCurve,
    *,
    hours: float = 24,
    step: _dt.timedelta = _dt.timedelta(minutes=1),
    steps: Sequence[str] | None = None,
    patch_at: _dt.timedelta | None = None,
    zone_lost_at: _dt.timedelta | None = None,
    seed: int = 7,
    scale: int = 1,
) -> DayRun:
    """Run one mode through ``hours`` of ``load`` with the configuration ``steps`` taken
    (``None``: all of them; ``[]``: none), recording a timeline row every ``step``.

    ``patch_at`` (from the day's start): AWS releases a new optimized AMI (EC2 modes; you
    roll it out if you took ``patch-rollout``) or a Fargate platform revision (Fargate
    modes: AWS retires and replaces the tasks or pods). ``zone_lost_at``: Availability
    Zone us-east-1a fails; services and Deployments recover in the other zone.

    ``scale`` multiplies the service's bounds, the EC2 capacity's and the load (see
    :class:`Size`): ``scale=25`` is a service of 50 to 1,000 tasks or pods."""
    staged = staged_day(
        mode,
        load,
        hours=hours,
        step=step,
        steps=steps,
        patch_at=patch_at,
        zone_lost_at=zone_lost_at,
        seed=seed,
        scale=scale,
    )
    next(staged)  # set up
    day = next(staged)
    assert day is not None
    return day


def staged_day(
    mode: str,
    load: LoadCurve,
    *,
    hours: float = 24,
    step: _dt.timedelta = _dt.timedelta(minutes=1),
    steps: Sequence[str] | None = None,
    patch_at: _dt.timedelta | None = None,
    zone_lost_at: _dt.timedelta | None = None,
    seed: int = 7,
    scale: int = 1,
) -> Iterator[DayRun | None]:
    """:func:`run_day` in two stages, for a benchmark that times the simulated days alone:
    the first ``next()`` sets the mode up (day 1) and gives ``None``; the second runs the
    day and gives its :class:`DayRun`. Arguments are checked before anything is made."""
    taken = _check(mode, load, hours, step, steps)
    moments = _check_moments(hours, patch_at=patch_at, zone_lost_at=zone_lost_at)
    size = _check_scale(scale)
    began, began_cpu = time.perf_counter(), time.process_time()
    with Lab(seed=seed, name=f"day-{mode}") as lab:
        target = _SETUP[mode](lab, set(taken), size)
        assert lab.day2 is not None
        work = load.times(scale) if scale != 1 else load
        if mode.startswith("ecs"):
            lab.day2.load_service("day", "web", work)
        else:
            lab.day2.load_deployment("day", "web", work)
        start = lab.clock.peek()
        set_up, set_up_cpu = time.perf_counter(), time.process_time()
        yield None
        ready, ready_cpu = time.perf_counter(), time.process_time()
        # The whole day, its happenings too, holds Python's full collections to its end
        # (as each run does), so none walks every lab's objects in the middle of it.
        with full_collections_deferred():
            for at, what in moments:
                lab.run(until=start + at, step=step)
                _HAPPENINGS[what](lab, mode, set(taken))
            lab.run(until=start + _dt.timedelta(hours=hours), step=step)
            ran, ran_cpu = time.perf_counter(), time.process_time()
        outdated = [r for r in lab.patch_status() if r["outdated"]] if patch_at else []
        rows = [dict(r) for r in lab.timeline() if r["target"] == target]
        events = Table(
            [
                {**e, "who": _who(e)}
                for e in lab.timeline_events()
                if e["source"] != "kubernetes" or "web" in e["target"]
            ],
            title=f"Events: {mode}",
        )
    rate = hourly_rate(mode, vcpu=TASK_VCPU, memory_gb=TASK_GB, instance_type=size.instance_type)
    priced = priced_timeline(rows, rate)
    undone = [
        f"{s.id} ({s.side}): {s.undone}"
        for s in STEPS[mode]
        if s.id not in taken and (s.id != "patch-rollout" or patch_at is not None)
    ]
    yield DayRun(
        mode,
        work,
        taken,
        Table(list(priced), title=f"Timeline: {mode}"),
        events,
        undone,
        outdated=len(outdated),
        seconds={
            "setup": set_up - began,
            "day": ran - ready,
            "setup_cpu": set_up_cpu - began_cpu,
            "day_cpu": ran_cpu - ready_cpu,
        },
    )


def _check_moments(hours: float, **moments: Any) -> list[tuple[_dt.timedelta, str]]:
    """The day's happenings in time order, each within the day."""
    out = []
    for what, at in moments.items():
        if at is None:
            continue
        if not isinstance(at, _dt.timedelta) or not (
            _dt.timedelta(0) < at < _dt.timedelta(hours=hours)
        ):
            raise InvalidParameterError(
                f"{what} must be a timedelta within the day (0 to {hours:g} h), not {at!r}.",
                hint=f"pass e.g. {what}=datetime.timedelta(hours=16).",
            )
        out.append((at, what))
    return sorted(out)


def _patch_release(lab: Lab, mode: str, taken: set[str]) -> None:
    if mode.endswith("fargate"):
        lab.release_fargate_platform(wait_days=0)  # AWS retires and replaces: no step
        return
    lab.release_ami("ecs" if mode.startswith("ecs") else "eks")
    if "patch-rollout" not in taken:
        return
    if mode == "ecs-ec2":
        lab.start_instance_refresh("day-asg")
    elif mode == "eks-ec2":
        lab.start_instance_refresh("day-self-managed")
    else:
        lab.eks.update_nodegroup_version(clusterName="day", nodegroupName="web")


def _zone_lost(lab: Lab, mode: str, taken: set[str]) -> None:
    lab.lose_zone(LOST_ZONE)


_HAPPENINGS = {"patch_at": _patch_release, "zone_lost_at": _zone_lost}


#: Kubernetes events name their reason first: the reasons that tell who acted.
_KUBE_ACTORS = {
    "SuccessfulRescale": "HPA (Kubernetes; you configured it)",
    "FailedGetResourceMetric": "HPA (Kubernetes; you configured it)",
    "FailedScheduling": "Kubernetes scheduler",
}


def _who(event: dict) -> str:
    """Who did the work an event reports: the timeline's ``who`` (AWS, a controller you
    installed or configured, nobody), told apart further for the HPA and the scheduler,
    and for ECS managed scaling."""
    source, message = event["source"], event["message"]
    if source == "kubernetes":
        reason = message.split(":", 1)[0]
        if reason in _KUBE_ACTORS:
            return _KUBE_ACTORS[reason]
    if source == "ecs" and "managed scaling" in message:
        return "AWS (ECS cluster auto scaling; you configured it)"
    return str(event.get("who") or source)


# -- the five setups ---------------------------------------------------------------------------
def _ecs_service(lab: Lab, fargate: bool, taken: set[str], size: Size) -> str:
    lab.ecs.create_cluster(clusterName="day")
    container = {"name": "web", "image": "nginx", "cpu": 256, "memory": 512}
    if fargate:
        lab.ecs.register_task_definition(
            family="web",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx"}],
        )
        net = lab.network()
        lab.ecs.create_service(
            cluster="day",
            serviceName="web",
            taskDefinition="web",
            desiredCount=size.start_tasks,
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {
                    "subnets": net.private_subnet_ids,
                    "assignPublicIp": "DISABLED",
                }
            },
        )
    else:
        # An Auto Scaling group behind a capacity provider, the cluster's default: tasks that
        # do not fit wait in PROVISIONING; managed scaling (a step) grows the group for them.
        managed = "cluster-auto-scaling" in taken
        group = lab.ecs.create_instance_group(
            "day",
            instance_type=size.instance_type,
            min_size=size.start_instances,
            max_size=size.max_instances,
            protect_from_scale_in=managed,
        )
        lab.ecs.create_capacity_provider(
            name="day-cp",
            autoScalingGroupProvider={
                "autoScalingGroupArn": group["AutoScalingGroupARN"],
                "managedScaling": {
                    "status": "ENABLED" if managed else "DISABLED",
                    "targetCapacity": 100,
                },
                "managedTerminationProtection": "ENABLED" if managed else "DISABLED",
            },
        )
        lab.ecs.put_cluster_capacity_providers(
            cluster="day",
            capacityProviders=["day-cp"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "day-cp", "weight": 1}],
        )
        lab.ecs.register_task_definition(family="web", containerDefinitions=[container])
        lab.ecs.create_service(
            cluster="day", serviceName="web", taskDefinition="web", desiredCount=size.start_tasks
        )
    if "service-auto-scaling" in taken:
        scaling = lab.application_autoscaling
        rid = "service/day/web"
        scaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=rid,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=size.min_tasks,
            MaxCapacity=size.max_tasks,
        )
        scaling.put_scaling_policy(
            PolicyName="cpu50",
            ServiceNamespace="ecs",
            ResourceId=rid,
            ScalableDimension="ecs:service:DesiredCount",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": TARGET_CPU,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                },
            },
        )
    return "ecs:day/web"


def _hpa(size: Size) -> dict:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": size.min_tasks,
            "maxReplicas": size.max_tasks,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": int(TARGET_CPU)},
                    },
                }
            ],
        },
    }


def _eks(lab: Lab, nodes: str, taken: set[str], size: Size) -> str:
    from .sim.day2 import cluster_autoscaler

    lab.eks.create_cluster(name="day")
    k = lab.kube("day")
    if nodes == "self-managed":
        lab.eks.create_access_entry(
            clusterName="day", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
        )
        lab.eks.launch_self_managed_nodes(
            "day", count=size.start_instances, instance_type=size.instance_type
        )
        if "cluster-autoscaler-tags" in taken:
            lab.client("autoscaling").create_or_update_tags(
                Tags=[
                    {
                        "ResourceId": "day-self-managed",
                        "ResourceType": "auto-scaling-group",
                        "Key": key,
                        "Value": "true",
                        "PropagateAtLaunch": False,
                    }
                    for key in (
                        cluster_autoscaler.ENABLED_TAG,
                        cluster_autoscaler.cluster_tag("day"),
                    )
                ]
            )
    elif nodes == "nodegroup":
        lab.eks.create_nodegroup(
            clusterName="day",
            nodegroupName="web",
            instanceTypes=[size.instance_type],
            scalingConfig={
                "minSize": 1,
                "desiredSize": size.start_instances,
                "maxSize": size.max_instances,
            },
        )
    else:
        # kube-system too: the Metrics Server's pods need Fargate capacity like any other.
        lab.eks.create_fargate_profile(
            clusterName="day",
            fargateProfileName="web",
            selectors=[{"namespace": "default"}, {"namespace": "kube-system"}],
        )
    if "metrics-server" in taken:
        k.apply(metrics_server())
    if "cluster-autoscaler" in taken:
        k.install_cluster_autoscaler()
    if "cluster-autoscaler-permission" in taken:
        lab.eks.allow_cluster_autoscaler("day")
    k.apply(sample_deployment(size.start_tasks, cpu=f"{int(TASK_VCPU * 1000)}m", memory="512Mi"))
    if "hpa" in taken:
        k.apply(_hpa(size))
    return "eks:day/default/web"


_SETUP = {
    "ecs-ec2": lambda lab, taken, size: _ecs_service(lab, False, taken, size),
    "ecs-fargate": lambda lab, taken, size: _ecs_service(lab, True, taken, size),
    "eks-ec2": lambda lab, taken, size: _eks(lab, "self-managed", taken, size),
    "eks-nodegroup": lambda lab, taken, size: _eks(lab, "nodegroup", taken, size),
    "eks-fargate": lambda lab, taken, size: _eks(lab, "fargate", taken, size),
}


def compare_day(
    load: LoadCurve,
    modes: Sequence[str] = SEED_MODES,
    *,
    hours: float = 24,
    step: _dt.timedelta = _dt.timedelta(minutes=1),
    steps: dict[str, Sequence[str]] | None = None,
    patch_at: _dt.timedelta | None = None,
    zone_lost_at: _dt.timedelta | None = None,
    scale: int = 1,
) -> list[DayRun]:
    """:func:`run_day` for several modes with the same load; ``steps`` per mode (a mode
    left out takes all its steps)."""
    if isinstance(modes, str) or not isinstance(modes, Sequence) or not modes:
        raise InvalidParameterError(
            f"modes must be a non-empty list of mode names, not {modes!r}.",
            hint=f"pass e.g. modes={list(SEED_MODES[:2])}.",
        )
    chosen = steps or {}
    if not isinstance(chosen, dict):
        raise InvalidParameterError(
            "steps must map a mode to the step names taken in it.",
            hint='e.g. steps={"eks-nodegroup": ["metrics-server", "hpa"]}.',
        )
    return [
        run_day(
            m,
            load,
            hours=hours,
            step=step,
            steps=chosen.get(m),
            patch_at=patch_at,
            zone_lost_at=zone_lost_at,
            scale=scale,
        )
        for m in modes
    ]


def plot_load(load: LoadCurve, hours: float = 24) -> Any:
    """The load over ``hours`` from the lab's start, sampled every 15 minutes (a figure)."""
    from .draw.timeline import load_plot
    from .sim.clock import EPOCH

    quarters = int(hours * 4)
    return load_plot(
        [(q / 4, load.at(EPOCH + _dt.timedelta(minutes=15 * q))) for q in range(quarters + 1)],
        title=f"The day's load ({load.kind})",
    )


def plot_days(days: Sequence[DayRun]) -> Any:
    """The days side by side, one column per mode: desired, running and pending tasks or
    pods; nodes or instances; cost per hour and so far (an SVG figure)."""
    from .draw.timeline import timeline_comparison

    return timeline_comparison({modes.get(d.mode).name: list(d.timeline) for d in days})


def who_did_what(days: Sequence[DayRun]) -> Table:
    """Per mode, how many events each actor caused over the day (AWS, a controller you
    installed or configured, the Kubernetes scheduler): who did the day's work."""
    rows = []
    for day in days:
        counts: dict[str, int] = {}
        for event in day.events:
            counts[event["who"]] = counts.get(event["who"], 0) + 1
        for who, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rows.append({"mode": modes.get(day.mode).name, "who": who, "events": n})
    return Table(rows, title="Who did the work")


def side_by_side(days: Sequence[DayRun]) -> Table:
    """One row per mode's day (see :meth:`DayRun.summary`)."""
    return Table([d.summary() for d in days], title="The same day in each mode")


def spot_interruption(draining: bool, *, seed: int = 7) -> Table:
    """ECS on EC2 with one On-Demand and one Spot instance under a service of four tasks:
    EC2 reclaims the Spot Instance (two minutes' notice). With ``draining``
    (``ECS_ENABLE_SPOT_INSTANCE_DRAINING=true`` in its user data, your setting) the agent
    drains it at the notice and the service moves its tasks first; without, they die with
    it and are replaced afterwards. Returns what happened, with who did it."""
    from .ecs import ecs_user_data

    check_type(draining, bool, "draining", "pass draining=True or draining=False.")
    with Lab(seed=seed, name="spot") as lab:
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
        data = ecs_user_data("web")
        if draining:
            data += "\necho ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n"
        spot = lab.client("ec2").run_instances(
            ImageId=lab.ecs.ecs_optimized_ami(),
            InstanceType="t3.medium",
            MinCount=1,
            MaxCount=1,
            InstanceMarketOptions={"MarketType": "spot"},
            IamInstanceProfile={"Name": lab.instance_profile("ecs-instance")},
            SubnetId=lab.network().subnet_ids[1],
            UserData=data,
        )["Instances"][0]["InstanceId"]
        lab.ecs.register_task_definition(
            family="web",
            containerDefinitions=[{"name": "web", "image": "nginx", "cpu": 256, "memory": 256}],
        )
        lab.ecs.create_service(
            cluster="web", serviceName="web", taskDefinition="web", desiredCount=4
        )
        start = lab.clock.peek()
        lab.interrupt_spot(spot)
        lab.run(until=_dt.timedelta(minutes=5), step=_dt.timedelta(seconds=15))
        rows = [
            {
                "after": str(e["time"] - start).split(".")[0],
                "who": e.get("who", ""),
                "what": e["message"],
            }
            for e in lab.timeline_events()
            if e["time"] >= start
        ]
    return Table(rows, title=f"Spot interruption, draining {'on' if draining else 'off'}")
