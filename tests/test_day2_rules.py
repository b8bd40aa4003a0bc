"""Day 2's pure rules: load curves, CloudWatch statistics, the HorizontalPodAutoscaler on
the Kubernetes core, target tracking's capacity. Each rule is checked against the figure
its source documents (sources in awscontainers/data/day2.yaml)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import manifests
from awscontainers.errors import InvalidParameterError, NotFoundError
from awscontainers.sim import load
from awscontainers.sim.clock import EPOCH
from awscontainers.sim.day2 import CONTROLLERS, Controller, MetricStore, register_controller
from awscontainers.sim.day2.service_scaling import RULES as AAS_RULES
from awscontainers.sim.day2.service_scaling import proposed_capacity
from awscontainers.sim.kube import Cluster, hpa, podmetrics
from tests.strategies import text

GIB = 2**30


# -- load curves ------------------------------------------------------------------------------


def test_curves_give_their_documented_shapes():
    assert load.constant(3).at(EPOCH + dt.timedelta(hours=5)) == 3.0
    spike = load.step(1, 5, at=EPOCH + dt.timedelta(minutes=30))
    assert spike.at(EPOCH + dt.timedelta(minutes=29, seconds=59)) == 1.0
    assert spike.at(EPOCH + dt.timedelta(minutes=30)) == 5.0
    day = load.daily(low=2, high=10, peak_hour=14)
    assert day.at(EPOCH.replace(hour=14)) == pytest.approx(10)
    assert day.at(EPOCH.replace(hour=2)) == pytest.approx(2)  # twelve hours from the peak
    assert day.at(EPOCH.replace(hour=8)) == pytest.approx(6)  # half way
    ramp = load.points([(dt.timedelta(0), 0), (dt.timedelta(minutes=10), 10)])
    assert ramp.at(EPOCH - dt.timedelta(hours=1)) == 0.0
    assert ramp.at(EPOCH + dt.timedelta(minutes=4)) == pytest.approx(4)
    assert ramp.at(EPOCH + dt.timedelta(days=1)) == 10.0


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: load.constant(-1), "between 0 and"),
        (lambda: load.constant(float("nan")), "between 0 and"),
        (lambda: load.constant(True), "must be a number"),
        (lambda: load.constant("2"), "must be a number"),
        (lambda: load.constant(load.MAX_LOAD_VCPU + 1), "between 0 and"),
        (lambda: load.step(1, 2, at=5), "timedelta"),
        (lambda: load.step(1, 2, at=dt.datetime(2026, 11, 30)), "time zone"),
        (lambda: load.daily(low=5, high=1), "below the low"),
        (lambda: load.daily(low=1, high=5, peak_hour=24), "hour of the day"),
        (lambda: load.points([]), "non-empty"),
        (lambda: load.points("abc"), "non-empty"),
        (lambda: load.points([(dt.timedelta(0), 1), (dt.timedelta(0), 2)]), "not after"),
        (lambda: load.points([(dt.timedelta(0), 1, 2)]), "pair"),
    ],
)
def test_bad_curves_are_refused_with_the_labs_error(build, match):
    with pytest.raises(InvalidParameterError, match=match) as caught:
        build()
    assert caught.value.hint


def test_too_many_points_are_refused():
    series = [(dt.timedelta(seconds=i), 1.0) for i in range(load.MAX_POINTS + 1)]
    with pytest.raises(InvalidParameterError, match="at most"):
        load.points(series)


anything = st.one_of(
    st.none(),
    st.booleans(),
    text(max_size=3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**9), 10**9),
)


@given(anything)
def test_a_constant_load_is_a_valid_number_or_refused(value):
    try:
        curve = load.constant(value)
    except InvalidParameterError:
        return
    assert 0 <= curve.at(EPOCH) <= load.MAX_LOAD_VCPU


@given(
    st.lists(
        st.tuples(st.integers(-(10**6), 10**6), st.floats(0, load.MAX_LOAD_VCPU)),
        min_size=1,
        max_size=30,
    ),
    st.integers(-2 * 10**6, 2 * 10**6),
)
def test_points_stay_within_their_values_or_are_refused(raw, at):
    series = [(dt.timedelta(seconds=s), v) for s, v in raw]
    try:
        curve = load.points(series)
    except InvalidParameterError:
        assert any(b[0] <= a[0] for a, b in zip(raw, raw[1:], strict=False))
        return
    value = curve.at(EPOCH + dt.timedelta(seconds=at))
    values = [v for _, v in raw]
    assert min(values) - 1e-6 <= value <= max(values) + 1e-6


def test_utilisation_shares_the_load_evenly_and_stops_at_the_limit():
    assert load.utilisation(load_vcpu=1, running=4, cpu_request_vcpu=0.25) == 100.0
    assert load.utilisation(load_vcpu=0.5, running=4, cpu_request_vcpu=0.25) == 50.0
    assert load.utilisation(load_vcpu=4, running=1, cpu_request_vcpu=1) == 100.0
    assert load.utilisation(load_vcpu=4, running=1, cpu_request_vcpu=1, cap=None) == 400.0
    assert load.utilisation(load_vcpu=4, running=0, cpu_request_vcpu=1) is None


# -- CloudWatch statistics ---------------------------------------------------------------------


def test_statistics_bucket_by_period_and_refuse_bad_periods():
    store = MetricStore()
    dims = {"ClusterName": "c", "ServiceName": "s"}
    for minute in range(6):
        store.put(
            "AWS/ECS", "CPUUtilization", dims, EPOCH + dt.timedelta(minutes=minute), 10.0 * minute
        )
    points = store.statistics(
        "AWS/ECS",
        "CPUUtilization",
        dims,
        start=EPOCH,
        end=EPOCH + dt.timedelta(minutes=6),
        period=180,
        statistics=["Average", "SampleCount", "Maximum"],
    )
    assert [(p["Average"], p["SampleCount"], p["Maximum"]) for p in points] == [
        (10.0, 3.0, 20.0),
        (40.0, 3.0, 50.0),
    ]
    assert (
        store.statistics(
            "AWS/ECS",
            "CPUUtilization",
            {"ClusterName": "c"},
            start=EPOCH,
            end=EPOCH + dt.timedelta(hours=1),
            period=60,
            statistics=["Average"],
        )
        == []
    )
    with pytest.raises(InvalidParameterError, match="multiple of 60"):
        store.statistics(
            "AWS/ECS",
            "CPUUtilization",
            dims,
            start=EPOCH,
            end=EPOCH + dt.timedelta(hours=1),
            period=30,
            statistics=["Average"],
        )
    with pytest.raises(InvalidParameterError, match="Statistics"):
        store.statistics(
            "AWS/ECS",
            "CPUUtilization",
            dims,
            start=EPOCH,
            end=EPOCH + dt.timedelta(hours=1),
            period=60,
            statistics=["Median"],
        )


# -- target tracking's capacity -----------------------------------------------------------------


def test_target_tracking_capacity_is_proportional_and_rounded_up():
    # Application Auto Scaling User Guide, "How target tracking scaling ... works": capacity
    # in proportion to metric/target; rounded up so the metric ends at or under the target.
    assert proposed_capacity(current=2, metric=75.0, target=50.0) == 3
    assert proposed_capacity(current=3, metric=60.0, target=50.0) == 4  # 3.6 -> 4
    assert proposed_capacity(current=10, metric=31.0, target=50.0) == 7  # 6.2 -> 7
    # aws/containers-roadmap#1208: 3 of 3 one-minute datapoints out, 15 of 15 in.
    assert (AAS_RULES["scale_out_datapoints"], AAS_RULES["scale_in_datapoints"]) == (3, 15)
    # TargetTrackingScalingPolicyConfiguration: 300 s default cooldowns for ECS services.
    assert AAS_RULES["default_scale_out_cooldown_seconds"] == 300
    assert AAS_RULES["default_scale_in_cooldown_seconds"] == 300


# -- the HorizontalPodAutoscaler on the Kubernetes core ------------------------------------------


def hpa_manifest(name="web", *, low=1, high=10, target=50, kind="Deployment"):
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name},
            "minReplicas": low,
            "maxReplicas": high,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": target},
                    },
                }
            ],
        },
    }


def cluster_with(replicas=2, *, metrics_server=True, cpu="250m", nodes=4):
    c = Cluster()
    for i in range(nodes):
        c.add_node(f"node-{i}", cpu_millis=16000, memory_bytes=64 * GIB, max_pods=110, labels={})
    if metrics_server:
        c.apply(manifests.metrics_server())
    c.apply(manifests.sample_deployment(replicas=replicas, cpu=cpu))
    return c


def sync(c, when, name="web"):
    podmetrics.scrape(c, when)
    return hpa.sync(c, "default", name, when)


def replicas(c, name="web"):
    return c.get("Deployment", "default", name)["spec"]["replicas"]


def test_hpa_follows_the_documented_formula_and_tolerance():
    # kubernetes.io "Horizontal Pod Autoscaling", algorithm details: ceil(current x
    # currentMetric / desiredMetric), no change while the ratio is within 0.1.
    assert hpa.TOLERANCE == 0.1
    assert hpa.recommend(current=4, ready=4, pending=0, utilisation=100, target=50) == 8
    assert hpa.recommend(current=4, ready=4, pending=0, utilisation=25, target=50) == 2
    assert hpa.recommend(current=4, ready=4, pending=0, utilisation=54, target=50) == 4
    assert hpa.recommend(current=4, ready=4, pending=0, utilisation=46, target=50) == 4
    assert hpa.recommend(current=4, ready=4, pending=0, utilisation=56, target=50) == 5
    # Pending pods count as 0 % when scaling up: 4 ready at 100 % + 4 pending = 50 %.
    assert hpa.recommend(current=8, ready=4, pending=4, utilisation=100, target=50) == 8
    assert hpa.recommend(current=8, ready=4, pending=4, utilisation=200, target=50) == 16


def test_hpa_scales_up_at_most_double_or_four_pods_per_15_seconds():
    # HPAScalingRules defaults: scale up by max(100 %, 4 pods) per 15 s, no stabilization.
    c = cluster_with(replicas=2)
    c.apply(hpa_manifest(high=50))
    podmetrics.set_load(c, "default", "web", load.constant(10))  # 5 vCPU a pod: 2000 %
    seen = []
    for i in range(6):
        sync(c, EPOCH + dt.timedelta(seconds=15 * (i + 1)))
        seen.append(replicas(c))
    # The metric asks for 10 vCPU / (50 % of 250m) = 80 pods: +4, x2, x2, x2, then maxReplicas.
    assert seen == [6, 12, 24, 48, 50, 50]


def test_hpa_scale_down_waits_for_the_300_second_window():
    c = cluster_with(replicas=8)
    c.apply(hpa_manifest())
    podmetrics.set_load(c, "default", "web", load.constant(1))  # 50 % on 8 pods
    t = EPOCH + dt.timedelta(seconds=15)
    assert sync(c, t) == [] and replicas(c) == 8
    podmetrics.set_load(c, "default", "web", load.constant(0.25))  # 12.5 %: wants 2
    for i in range(1, 20):  # 285 s: the 50 % recommendation is still in the window
        sync(c, t + dt.timedelta(seconds=15 * i))
        assert replicas(c) == 8
    events = sync(c, t + dt.timedelta(seconds=300))
    assert replicas(c) == 2
    assert "below target" in events[0]["message"]


def test_hpa_without_metrics_server_or_cpu_request_reports_failed_get_resource_metric():
    c = cluster_with(metrics_server=False)
    c.apply(hpa_manifest())
    podmetrics.set_load(c, "default", "web", load.constant(5))
    events = sync(c, EPOCH)
    assert events[0]["reason"] == "FailedGetResourceMetric"
    assert "unable to get metrics for resource cpu" in events[0]["message"]
    assert replicas(c) == 2
    with pytest.raises(NotFoundError, match="pods.metrics.k8s.io"):
        c.get("PodMetrics")
    c.apply(manifests.metrics_server())
    sync(c, EPOCH + dt.timedelta(seconds=15))
    assert replicas(c) > 2
    assert c.get("PodMetrics", "default")["items"]

    bare = manifests.sample_deployment(replicas=2, name="bare")
    del bare["spec"]["template"]["spec"]["containers"][0]["resources"]
    c.apply(bare)
    c.apply(hpa_manifest("bare"))
    events = sync(c, EPOCH + dt.timedelta(seconds=30), name="bare")
    assert events[0]["reason"] == "FailedGetResourceMetric"
    assert "missing request for cpu in container bare" in events[0]["message"]


def test_hpa_never_scales_a_daemonset():
    c = cluster_with()
    c.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {
                        "containers": [
                            {"name": "a", "image": "x", "resources": {"requests": {"cpu": "100m"}}}
                        ]
                    },
                },
            },
        }
    )
    c.apply(hpa_manifest("agent", kind="DaemonSet"))
    events = sync(c, EPOCH, name="agent")
    assert events[0]["reason"] == "FailedGetScale"
    assert "never DaemonSets" in events[0]["message"]
    assert c.get("DaemonSet", "default", "agent")["status"]["desiredNumberScheduled"] == 4


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda s: s.update(maxReplicas=0), "maxReplicas"),
        (lambda s: s.update(minReplicas=5, maxReplicas=2), "greater than or equal"),
        (lambda s: s.pop("scaleTargetRef"), "scaleTargetRef"),
        (lambda s: s["metrics"][0]["resource"].update(name="memory"), "cpu Utilization"),
    ],
)
def test_bad_hpas_are_refused(change, match):
    doc = hpa_manifest()
    change(doc["spec"])
    with pytest.raises(InvalidParameterError, match=match):
        Cluster().apply(doc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.integers(1, 12),
    low=st.integers(1, 6),
    span=st.integers(0, 10),
    target=st.integers(10, 90),
    load_vcpu=st.floats(0, 20),
)
def test_hpa_keeps_replicas_within_bounds_and_still_within_tolerance(
    start, low, span, target, load_vcpu
):
    high = low + span
    c = cluster_with(replicas=start, nodes=2)
    c.apply(hpa_manifest(low=low, high=high, target=target))
    podmetrics.set_load(c, "default", "web", load.constant(load_vcpu))
    # Whole percent of the request, as the HPA controller computes it.
    ratio = int(load_vcpu * 1000 / start / 250 * 100) / target
    sync(c, EPOCH)
    if abs(ratio - 1) <= hpa.TOLERANCE and low <= start <= high:
        assert replicas(c) == start
    assert low <= replicas(c) <= high
    for i in range(1, 4):
        sync(c, EPOCH + dt.timedelta(seconds=15 * i))
        assert low <= replicas(c) <= high


# -- the controller registry ---------------------------------------------------------------------


def test_controllers_are_registered_in_one_place_with_their_periods():
    periods = {name: c.period for name, c in CONTROLLERS.items()}
    assert periods == {
        "metrics-server": 15,
        "horizontal-pod-autoscaler": 15,  # --horizontal-pod-autoscaler-sync-period
        "ecs-service-metrics": 60,  # AWS/ECS metrics are per minute
        "application-auto-scaling": 60,
        "ecs-service-scheduler": 15,
        "ecs-instance-join": 15,
        "ecs-cluster-auto-scaling": 60,  # CapacityProviderReservation is per minute
        "cluster-autoscaler": 15,  # --scan-interval 10s, on the lab's 15 s tick
        "karpenter": 15,  # batches of 1-10 s, on the lab's 15 s tick
        "patch-rollouts": 15,  # the lab's rollout step (data/day2.yaml, patching)
        "interruptions": 15,  # notices fall due on the tick
    }
    with pytest.raises(InvalidParameterError, match="multiple of 15"):
        register_controller(Controller("odd", 10, lambda day2, when: None))
    assert math.gcd(*periods.values()) == 15


def test_every_day2_fact_has_a_source_and_a_date():
    from awscontainers.rules.data import load_packaged

    facts = load_packaged("day2.yaml")
    for section in (
        "horizontal_pod_autoscaler",
        "metrics_server",
        "cloudwatch",
        "service_auto_scaling",
        "karpenter",
        "auto_mode",
    ):
        assert "https://" in facts[section]["source"], section
        assert str(facts[section]["checked"]) == "2026-11-30", section


@settings(max_examples=60, deadline=None)
@given(
    periods=st.lists(st.sampled_from([15, 30, 45, 60, 90, 300, 3600]), max_size=4),
    offsets=st.lists(st.integers(0, 10**7).map(lambda n: 15 * n), min_size=1, max_size=20),
)
def test_what_is_due_at_a_tick_is_every_controller_whose_period_divides_it(periods, offsets):
    """The table of what acts at each tick (kept per cycle of the periods) gives, at any
    tick, exactly the controllers whose period divides the tick's offset, in run order,
    and follows the registry when a controller is added."""
    from awscontainers.sim.day2 import simulation

    def direct(offset):
        return [c.act for c in CONTROLLERS.values() if offset % c.period == 0]

    with pytest.MonkeyPatch.context() as patch:
        for i, period in enumerate(periods):
            patch.setitem(
                CONTROLLERS, f"test-{i}", Controller(f"test-{i}", period, lambda d, w, i=i: i)
            )
            for offset in offsets:
                assert simulation._due(offset) == direct(offset)
    for offset in offsets:  # and back to the built-in ones
        assert simulation._due(offset) == direct(offset)
