"""The simulator's snapshot: what a room keeps so a restarted kernel finds its lab again.

Restoring a snapshot into the lab it came from and doing the same things again must give
the same answers, byte for byte; a damaged or hostile snapshot is refused with a
SnapshotError and changes nothing.
"""

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import Lab, LabError
from awscontainers.errors import UnsupportedError
from awscontainers.manifests import sample_deployment
from awscontainers.sim.load import constant, daily, points, step
from awscontainers.sim.snapshot import FORMAT, SnapshotError, decode, encode
from tests.conftest import register
from tests.strategies import text


def busy_lab() -> Lab:
    """A lab with something in every part of the simulator: ECS instances, tasks and a
    loaded service; an EKS nodegroup, a Fargate profile, a Deployment; time moved on."""
    lab = Lab()
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    register(lab, "api")
    lab.ecs.run_task(cluster="web", taskDefinition="api", count=3)
    lab.ecs.create_service(cluster="web", serviceName="svc", taskDefinition="api", desiredCount=2)
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
    )
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "fg"}]
    )
    k = lab.kube("demo")
    k.apply(sample_deployment(2))
    k.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: fg}")
    k.install_metrics_server()
    lab.day2.load_service("web", "svc", step(0.2, 0.6, at=dt.timedelta(minutes=2)))
    lab.run(dt.timedelta(minutes=4))
    return lab


def what_happens_next(lab: Lab) -> str:
    """A second act, touching every part again; its answers as one string."""
    k = lab.kube("demo")
    out = [
        k.scale("web", 4),
        k.get("Pod"),
        k.apply(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: fg}\n"
            "spec: {containers: [{name: c, image: nginx}]}"
        ),
        lab.ecs.run_task(cluster="web", taskDefinition="api", count=2),
        lab.ecs.list_tasks(cluster="web"),
        lab.ecs.describe_services(cluster="web", services=["svc"]),
        list(lab.run(dt.timedelta(minutes=3))),
        list(lab.timeline_events()),
        lab.new_id(),
        lab.now(),
    ]
    return json.dumps(_without_request_ids(out), default=str, sort_keys=True)


def _without_request_ids(value):
    """moto gives every response a new request id: the one thing allowed to differ."""
    if isinstance(value, dict):
        return {k: _without_request_ids(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_without_request_ids(v) for v in value]
    return value


@pytest.fixture(scope="module")
def saved():
    lab = busy_lab()
    snapshot = json.loads(json.dumps(lab.snapshot()))  # through JSON, as a room keeps it
    first = what_happens_next(lab)
    yield lab, snapshot, first
    lab.close()


def test_restoring_then_doing_the_same_gives_the_same_answers(saved):
    lab, snapshot, first = saved
    lab.restore(snapshot)
    assert what_happens_next(lab) == first


def test_a_snapshot_is_json_and_holds_everything_running(saved):
    lab, snapshot, _ = saved
    lab.restore(snapshot)
    assert snapshot["format"] == FORMAT
    summary = lab.running_summary()
    assert summary["container_instances"] == 2 and summary["services"] == 1
    assert summary["tasks"] == 5 and summary["nodes"] == 1 and summary["pods"] >= 2
    # The same snapshot again from the restored lab: nothing lost on the way.
    again = lab.snapshot()
    assert json.dumps(again, sort_keys=True) == json.dumps(snapshot, sort_keys=True)


@pytest.mark.parametrize(
    "poison",
    [
        {"$fn": "os:system"},
        {"$fn": "subprocess:Popen"},
        {"$fn": "awscontainers.lab:<lambda>"},
        {"$e": "os:environ", "v": "PATH"},
        {"$m": [{"$w": "lab"}, "__init__"]},
        {"$w": "nobody"},
        {"$r": 10**9},
    ],
)
def test_a_hostile_snapshot_is_refused_and_changes_nothing(saved, poison):
    lab, snapshot, _ = saved
    lab.restore(snapshot)
    before = json.dumps(lab.snapshot(), sort_keys=True)
    bad = json.loads(json.dumps(snapshot))
    bad["roots"]["clock"] = poison
    with pytest.raises(SnapshotError):
        lab.restore(bad)
    assert json.dumps(lab.snapshot(), sort_keys=True) == before


def test_an_object_of_a_foreign_class_or_a_dunder_attribute_is_refused(saved):
    lab, snapshot, _ = saved
    for entry in (
        {"O": "builtins:object", "a": {}},
        {"O": "awscontainers.sim.clock:Clock", "a": {"__class__": 1}},
    ):
        bad = json.loads(json.dumps(snapshot))
        bad["table"].append(entry)
        bad["roots"]["clock"] = {"$r": len(bad["table"]) - 1}
        with pytest.raises(SnapshotError):
            lab.restore(bad)


def test_another_accounts_snapshot_is_refused():
    with Lab() as one, Lab() as two:
        assert one.account_id != two.account_id
        with pytest.raises(SnapshotError, match="account"):
            two.restore(one.snapshot())


def test_an_in_process_lab_has_nowhere_to_save():
    with Lab() as lab, pytest.raises(UnsupportedError, match="room"):
        lab.save()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=json_values)
def test_any_json_is_refused_cleanly_or_read(garbage):
    """Whatever JSON a snapshot holds, reading it raises at most a SnapshotError."""
    for doc in (garbage, {"format": FORMAT, "roots": {"x": garbage}, "table": [garbage]}):
        try:
            decode(doc, wires={})
        except SnapshotError:
            pass


python_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | text(max_size=8)
    | st.datetimes(timezones=st.just(dt.timezone.utc))
    | st.timedeltas(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(text(max_size=4) | st.tuples(text(max_size=3)), inner, max_size=4)
        | st.sets(st.integers() | text(max_size=3), max_size=4)
        | st.frozensets(st.integers(), max_size=3)
    ),
    max_leaves=30,
)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=80, deadline=None)
@given(value=python_values)
def test_values_come_back_as_they_went(value):
    doc = json.loads(json.dumps(encode({"v": value}, wires={})))
    assert _same(decode(doc, wires={})["v"], value)


@pytest.mark.parametrize(
    "curve",
    [
        constant(1.5),
        step(1, 3, at=dt.timedelta(minutes=5)),
        daily(low=1, high=4),
        points([(dt.timedelta(0), 0), (dt.timedelta(hours=1), 2)]),
    ],
)
def test_load_curves_are_data_a_snapshot_keeps(curve):
    back = decode(json.loads(json.dumps(encode({"c": curve}, wires={}))), wires={})["c"]
    when = dt.datetime(2026, 11, 30, 9, 30, tzinfo=dt.timezone.utc)
    assert back == curve and back.at(when) == curve.at(when)


def test_a_lambda_in_the_simulator_is_named_in_the_error():
    with pytest.raises(SnapshotError, match=r"x\['f'\]") as err:
        encode({"x": {"f": lambda: 1}}, wires={})
    assert isinstance(err.value, LabError)
