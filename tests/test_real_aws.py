"""A real account without fear (issue 14), with moto standing in for AWS.

The real backend's code paths run against moto: in-process (the ``aws`` fixture, as in
tests/test_aws_backend.py, with a socket guard) or, for the crash test, a moto server on
loopback in its own process that a killed lab and a fresh ``awscontainers teardown`` both
talk to. Waits never really sleep: the lab's ``waits`` get a fake clock and sleep.
"""

from __future__ import annotations

import io
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from awscontainers import BudgetExceededError, InvalidParameterError, Lab, WaitInterruptedError
from awscontainers.costs import load_prices
from awscontainers.meter import check_budget_value
from awscontainers.waits import TerminalDisplay, typical
from tests.strategies import text

ROOT = Path(__file__).resolve().parents[1]
PRICES = load_prices()


class FakeTime:
    """A clock that moves only when the lab sleeps: waits are instant and repeatable."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def real_lab(**kwargs) -> tuple[Lab, FakeTime, io.StringIO]:
    lab = Lab(backend="aws", confirm="123456789012", **kwargs)
    fake, out = FakeTime(), io.StringIO()
    lab.waits.sleep, lab.waits.clock = fake.sleep, fake.clock
    lab.waits.display = lambda: TerminalDisplay(out)
    return lab, fake, out


def slow(lab: Lab, service: str, event: str, path: tuple[str, str], value: str, times: int):
    """Make AWS (moto) answer ``value`` at ``path`` for the first ``times`` describe calls,
    as a real control plane still being created would."""
    seen = {"n": 0}

    def hook(parsed, **_):
        if seen["n"] < times and path[0] in parsed:
            parsed[path[0]][path[1]] = value
            seen["n"] += 1

    lab.client(service).meta.events.register(f"after-call.{service}.{event}", hook)
    return hook


# --------------------------------------------------------------------------- 1. progress


def test_progress_shows_phase_elapsed_and_typical_time_while_waiting(aws):
    lab, fake, out = real_lab()
    slow(lab, "eks", "DescribeCluster", ("cluster", "status"), "CREATING", times=3)
    lab.eks.create_cluster(name="demo")
    delay = lab.client("eks").get_waiter("cluster_active").config.delay  # boto3's own: 30 s
    assert fake.sleeps == [delay] * 3  # polled as boto3 would, and nothing really slept
    phase = typical("cluster_active")["phase"]
    expect = "AWS typically takes about 15m00s"
    assert out.getvalue().splitlines() == [
        f"[awscontainers] {phase} (cluster demo): started; {expect}.",
        f"[awscontainers] {phase} (cluster demo): 0s so far, status CREATING; {expect}.",
        f"[awscontainers] {phase} (cluster demo): 30s so far, status CREATING; {expect}.",
        f"[awscontainers] {phase} (cluster demo): 1m00s so far, status CREATING; {expect}.",
        f"[awscontainers] {phase} (cluster demo): done after 1m30s.",
    ]
    lab.teardown()
    assert "deleting the EKS control plane (cluster demo): done" in out.getvalue()


def test_every_long_wait_of_the_real_backend_shows_progress(aws):
    lab, _, out = real_lab()
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng")
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1)
    lab.teardown()
    waited = [line.split()[0] for line in lab.waits.history]
    assert waited == [
        "cluster_active",
        "nodegroup_active",
        "nat_gateway_available",  # the Fargate profile's private subnets got a NAT gateway
        "fargate_profile_active",
        "fargate_profile_deleted",
        "nodegroup_deleted",
        "instance_terminated",
        "cluster_deleted",
        "nat_gateway_deleted",
    ]
    for waiter in waited:
        assert typical(waiter)["phase"] in out.getvalue()
    assert lab.ledger == []


def test_an_interrupted_wait_keeps_the_ledger_and_says_how_to_go_on(aws, tmp_path):
    lab, fake, out = real_lab()
    slow(lab, "eks", "DescribeCluster", ("cluster", "status"), "CREATING", times=1)

    def interrupted(seconds):
        raise KeyboardInterrupt

    lab.waits.sleep = interrupted
    with pytest.raises(WaitInterruptedError) as err:
        lab.eks.create_cluster(name="demo")
    assert isinstance(err.value, KeyboardInterrupt)  # code that stops on Ctrl-C still stops
    assert "AWS carries on, and the lab's ledger still records it" in err.value.message
    assert "lab.wait('eks', 'cluster_active', name='demo')" in err.value.hint
    assert "awscontainers teardown --lab lab-7" in err.value.hint
    assert "stopped waiting after 0s" in out.getvalue()
    assert [(r.kind, r.id) for r in lab.created("eks-cluster")] == [("eks-cluster", "demo")]
    saved = json.loads(next(Path(os.environ["AWSCONTAINERS_STATE_DIR"]).glob("*.json")).read_text())
    assert {"kind": "eks-cluster", "id": "demo"}.items() <= saved["records"][-1].items()
    # Wait again where it stopped, then clean up.
    lab.waits.sleep = fake.sleep
    assert lab.wait("eks", "cluster_active", name="demo")["cluster"]["status"] == "ACTIVE"
    lab.teardown()
    assert lab.ledger == [] and not list(Path(os.environ["AWSCONTAINERS_STATE_DIR"]).glob("*"))


def test_an_interrupted_teardown_stops_and_keeps_what_is_left(aws):
    lab, fake, _ = real_lab()
    lab.eks.create_cluster(name="demo")
    answered = []

    def still_deleting(**_):
        # moto deletes at once; AWS answers DELETING for minutes (a short-circuit answer).
        if answered:
            return None
        answered.append(1)
        return SimpleNamespace(status_code=200), {"cluster": {"name": "demo", "status": "DELETING"}}

    lab.client("eks").meta.events.register("before-call.eks.DescribeCluster", still_deleting)

    def interrupted(seconds):
        raise KeyboardInterrupt

    lab.waits.sleep = interrupted
    with pytest.raises(WaitInterruptedError, match="cluster demo"):
        lab.teardown()
    assert lab.created("eks-cluster") and lab.created("ec2-vpc")  # nothing after it ran
    lab.waits.sleep = fake.sleep
    lab.teardown()
    assert lab.ledger == []


# --------------------------------------------------------------------------- 2. the meter


def fargate_task(lab: Lab, subnets: list[str], public: bool = True) -> None:
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.register_task_definition(
        family="app",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        # moto wants a container-level memory (Fargate itself reads the task's).
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 1024}],
    )
    lab.ecs.run_task(
        cluster="web",
        taskDefinition="app",
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": subnets,
                "securityGroups": [lab.network().security_group_id],
                "assignPublicIp": "ENABLED" if public else "DISABLED",
            }
        },
    )


def expected_hourly() -> dict[str, float]:
    fargate = PRICES.fargate["x86"]
    return {
        "eks-cluster": PRICES.control_plane["eks_per_cluster_hour_standard"],
        "eks-nodegroup": 2 * PRICES.instances["t3.medium"]["hourly"],
        "ecs-task": 0.5 * fargate["vcpu_hour"] + 1 * fargate["gb_hour"],
    }


def test_cost_matches_the_price_table_for_a_cluster_a_nodegroup_and_a_fargate_task(lab):
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 3},
    )
    fargate_task(lab, lab.network().subnet_ids)
    lab.advance(hours=2)
    cost = lab.cost()
    by_kind = {line.kind: line.hourly for line in cost.lines}
    assert by_kind == pytest.approx(expected_hourly())
    assert cost.hourly == pytest.approx(sum(expected_hourly().values()))
    # Two simulated hours since each was made (a few clock seconds apart).
    assert cost.so_far == pytest.approx(2 * cost.hourly, abs=0.001)
    assert "USD/hour" in cost._repr_html_() and "t3.medium" in str(cost)


def test_cost_on_the_real_backend_prices_what_aws_describes(aws):
    lab, _, _ = real_lab()
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng")  # 2 x t3.medium
    fargate_task(lab, lab.network().subnet_ids)
    by_kind = {line.kind: line.hourly for line in lab.cost().lines}
    assert by_kind == pytest.approx(expected_hourly())
    lab.teardown()
    assert lab.cost().hourly == 0


def test_a_budget_refuses_the_create_that_would_pass_it_with_the_reason(lab):
    lab.budget_usd = 0.15
    lab.eks.create_cluster(name="demo")  # 0.10 an hour
    with pytest.raises(BudgetExceededError) as err:
        lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng")  # + 2 x 0.0416
    assert "from 0.1000 to 0.1832 USD an hour, past its budget of 0.15" in err.value.message
    assert "budget_usd" in err.value.hint
    assert not lab.created("eks-nodegroup")  # refused before anything was made
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="small",
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 1},
    )  # 0.1416: within the budget


def test_budget_is_checked_when_the_lab_opens():
    with pytest.raises(InvalidParameterError, match="budget_usd must be a positive number"):
        Lab(budget_usd=-1)
    with Lab(budget_usd=5) as lab:
        assert lab.budget_usd == 5.0 and lab.cost().budget_usd == 5.0


@given(
    st.one_of(
        st.floats(max_value=0),
        st.just(math.inf),
        st.just(math.nan),
        st.booleans(),
        text(),
        st.lists(st.integers()),
    )
)
def test_only_positive_finite_budgets_are_taken(value):
    with pytest.raises(InvalidParameterError):
        check_budget_value(value)


@given(st.floats(min_value=1e-6, max_value=1e5, allow_nan=False))
def test_positive_budgets_are_taken_as_given(value):
    assert check_budget_value(value) == value


# --------------------------------------------------------------------------- 4. private egress


def test_fargate_pods_on_real_aws_get_a_nat_gateway_on_the_meter(aws, capsys):
    lab, _, _ = real_lab()
    lab.eks.create_cluster(name="demo")
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    said = capsys.readouterr().out
    assert "Fargate pods on EKS run in private subnets" in said
    assert "NAT gateway" in said and "0.0500 USD an hour on the meter" in said
    ec2 = lab.client("ec2")
    (nat,) = [r.id for r in lab.created("ec2-nat-gateway")]
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "available"
    private = set(lab.network().private_subnet_ids)
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": sorted(private)}]
    )["RouteTables"]
    assert [
        r.get("NatGatewayId") for t in tables for r in t["Routes"] if r.get("NatGatewayId")
    ] == [nat]
    lines = {line.kind: line.hourly for line in lab.cost().lines}
    assert lines["ec2-nat-gateway"] == PRICES.network["nat_gateway_hour"]
    assert lines["ec2-elastic-ip"] == PRICES.network["public_ipv4_hour"]
    lab.teardown()
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"] == "deleted"
    assert ec2.describe_addresses()["Addresses"] == []


def test_fargate_tasks_in_private_subnets_get_vpc_endpoints_when_asked(aws, capsys):
    lab, _, _ = real_lab(private_egress="endpoints")
    fargate_task(lab, lab.network().private_subnet_ids, public=False)
    assert "these Fargate tasks run in private subnets" in capsys.readouterr().out
    ec2 = lab.client("ec2")
    endpoints = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [lab.network().vpc_id]}]
    )["VpcEndpoints"]
    names = sorted(e["ServiceName"].rsplit(".", 1)[-1] for e in endpoints)
    assert names == ["api", "dkr", "logs", "s3"]  # ecr.api, ecr.dkr, logs; the s3 gateway
    hourly = sum(line.hourly for line in lab.cost().lines if line.kind == "ec2-vpc-endpoint")
    assert hourly == pytest.approx(3 * 2 * PRICES.network["interface_endpoint_hour"])
    lab.teardown()
    ids = {e["VpcEndpointId"] for e in endpoints}
    left = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["VpcEndpointId"] in ids]
    assert all(e["State"].lower() == "deleted" for e in left)
    assert lab.ledger == []


def test_public_fargate_tasks_need_no_egress_and_none_adds_nothing(aws):
    lab, _, _ = real_lab()
    fargate_task(lab, lab.network().subnet_ids)
    assert not lab.created("ec2-nat-gateway") and not lab.created("ec2-vpc-endpoint")
    lab.teardown()
    quiet, _, _ = real_lab(private_egress="none", name="quiet")
    quiet.eks.create_cluster(name="demo")
    quiet.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    assert not quiet.created("ec2-nat-gateway")
    quiet.teardown()


def test_egress_choice_is_checked_when_the_lab_opens():
    with pytest.raises(InvalidParameterError, match="private_egress must be one of"):
        Lab(private_egress="internet")


def test_the_simulation_can_add_egress_explicitly_and_tear_it_down(lab):
    made = lab.add_private_egress("nat")
    assert [m.split()[0] for m in made] == ["route", "Elastic", "NAT"]
    assert lab.add_private_egress("nat") == []  # once per network
    assert lab.cost().hourly == pytest.approx(0.05)
    lab.teardown()
    assert lab.ledger == []


# --------------------------------------------------------------------------- 3. crash and cleanup

CHILD = textwrap.dedent(
    """
    import sys
    from awscontainers import Lab

    lab = Lab(backend="aws", confirm="123456789012")
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng")
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "default"}]
    )
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.register_task_definition(
        family="app", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
        cpu="512", memory="1024",
        containerDefinitions=[{"name": "app", "image": "nginx", "memory": 1024}],
    )
    lab.ecs.run_task(
        cluster="web", taskDefinition="app", launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": lab.network().subnet_ids,
            "securityGroups": [lab.network().security_group_id],
            "assignPublicIp": "ENABLED"}},
    )
    lab.ecr.create_repository(repositoryName="app")
    print("READY", flush=True)
    sys.stdin.read()  # mid-lesson: the parent kills this process here
    """
)

SERVER = textwrap.dedent(
    """
    import sys
    import moto.iam.models
    from moto.server import ThreadedMotoServer
    from awscontainers.moto_state import quicken

    # AWS's managed policies that the lab's roles attach, as moto has them (argv[1]).
    moto.iam.models.aws_managed_policies_data = sys.argv[1]
    quicken()  # the moto speed-ups a room's server has
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    sys.stdin.read()  # serves until the test ends it
    """
)


def plain_clients(env: dict[str, str]) -> dict[str, object]:
    """Plain boto3 clients on the server (its endpoint and credentials, nothing read from
    this process's environment)."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    return {
        s: session.client(s, endpoint_url=env["AWS_ENDPOINT_URL"])
        for s in ("ec2", "eks", "ecs", "iam", "ecr")
    }


def left_in_the_account(clients: dict) -> dict[str, list]:
    """What the server holds of a lab, as plain boto3 sees it."""
    ec2, eks, ecs, iam, ecr = (clients[s] for s in ("ec2", "eks", "ecs", "iam", "ecr"))
    tag = [{"Name": "tag-key", "Values": ["awscontainers:lab"]}]
    return {
        "eks": eks.list_clusters()["clusters"],
        "ecs": [
            c["status"]
            for c in ecs.describe_clusters(clusters=["web"])["clusters"]
            if c["status"] != "INACTIVE"
        ],
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs(Filters=tag)["Vpcs"]],
        "nat": [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways(Filter=tag)["NatGateways"]
            if n["State"] != "deleted"
        ],
        "eip": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]],
        "roles": [
            r["RoleName"]
            for r in iam.list_roles()["Roles"]
            if r["RoleName"].startswith("awscontainers-")
        ],
        "repos": [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]],
    }


@pytest.fixture
def moto_server(tmp_path, monkeypatch):
    """A moto server on loopback in its own process, and the environment that points a
    real-backend lab (and plain boto3) at it. ``use_server_env()`` gives this process the
    same environment, for the steps that need a process but not a new one."""
    from tests.conftest import lab_managed_policies

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS")},
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWSCONTAINERS_STATE_DIR": str(tmp_path / "labs"),
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, lab_managed_policies()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**env, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"},
        text=True,
    )
    port = int(server.stdout.readline())
    env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    yield env
    server.terminate()  # its state goes with it: nothing to save or close first
    server.wait(timeout=30)


def use_server_env(env: dict[str, str], monkeypatch) -> None:
    """This process's environment as ``env`` (the server's): AWS_* variables not in it go."""
    for key in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def run(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
    )


@pytest.mark.server
def test_a_lab_killed_mid_lesson_is_found_and_removed_from_a_new_process(
    moto_server, tmp_path, monkeypatch, capsys
):
    """The lesson runs in a process that is killed, and a new process tears down what it
    left; the steps between (a reopened lab's warning, the listing, a refused teardown, what
    plain boto3 sees) run here, against the same server."""
    from awscontainers.cli import main
    from awscontainers.leftovers import leftovers

    env = moto_server
    errors = (tmp_path / "child.err").open("w")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        env=env,
        text=True,
    )
    said = []
    for line in child.stdout:  # the lesson's output, up to the point it is killed at
        said.append(line.strip())
        if said[-1] == "READY":
            break
    assert said[-1:] == ["READY"], (tmp_path / "child.err").read_text()
    assert any("NAT gateway" in line for line in said)  # Fargate pods: private egress added
    os.kill(child.pid, signal.SIGKILL)  # no teardown, no atexit: the kernel died
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    plain = plain_clients(env)
    before = left_in_the_account(plain)
    assert before["eks"] == ["demo"] and before["nat"] and before["roles"]

    use_server_env(env, monkeypatch)
    # A reopened lab says what was left and how to remove it.
    with pytest.warns(UserWarning, match="awscontainers teardown --lab lab-7"):
        Lab(backend="aws", confirm="123456789012", name="next").close()

    assert "lab-7 | eks-cluster | demo | 0.1" in str(leftovers())

    # Without --yes and without a terminal, nothing is deleted.
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    capsys.readouterr()
    assert main(["teardown", "--lab", "lab-7"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert left_in_the_account(plain) == before

    # A new process finds the lab's resources from their tags and deletes them.
    done = run(env, "-m", "awscontainers", "teardown", "--lab", "lab-7", "--yes")
    assert done.returncode == 0, done.stderr
    assert "costing 0.2" in done.stdout  # control plane, 2 nodes, a Fargate task, NAT
    for gone in ("eks-cluster demo", "eks-nodegroup ng", "ec2-nat-gateway", "ec2-vpc"):
        assert f"deleted {gone}" in done.stdout
    assert done.stdout.rstrip().endswith(
        "Nothing tagged by lab lab-7 is left in account 123456789012, us-east-1."
    )
    assert left_in_the_account(plain) == {
        "eks": [],
        "ecs": [],
        "vpcs": [],
        "nat": [],
        "eip": [],
        "roles": [],
        "repos": [],
    }
    assert not list(Path(env["AWSCONTAINERS_STATE_DIR"]).glob("*.json"))
    assert main(["teardown", "--all-mine", "--yes"]) == 0
    assert capsys.readouterr().out.startswith("Nothing tagged")


def test_a_reopened_lab_takes_back_what_its_crashed_self_left(aws):
    first, _, _ = real_lab()
    first.eks.create_cluster(name="demo")
    # The kernel dies here: no teardown. A new kernel opens the same lab.
    with pytest.warns(UserWarning, match=r"Lab lab-7 was left with \d+ resources"):
        again, _, _ = real_lab()
    assert ("eks-cluster", "demo") in [(r.kind, r.id) for r in again.ledger]
    assert again.cost().hourly == pytest.approx(0.10)
    with pytest.warns(UserWarning, match="awscontainers teardown --lab lab-7"):
        other, _, _ = real_lab(name="other")
    assert other.ledger == []
    again.teardown()
    assert not list(Path(os.environ["AWSCONTAINERS_STATE_DIR"]).glob("*.json"))


def test_the_cost_meter_panel_shows_the_rate_against_the_budget(lab):
    from awscontainers.widgets import CostMeter

    lab.budget_usd = 0.5
    meter = CostMeter(lab)
    assert "Nothing billed is running" in meter.output.value
    lab.eks.create_cluster(name="demo")
    meter.button.click()
    assert "0.1000 USD/hour" in meter.output.value
    assert "0.1000 of 0.5 USD an hour budget" in meter.output.value


def test_in_a_notebook_the_wait_is_a_progress_bar(monkeypatch):
    import IPython.display

    from awscontainers.waits import NotebookDisplay

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda w: shown.append(w))
    bar = NotebookDisplay()
    bar.start("creating the EKS control plane", "cluster demo", 900, 1200)
    bar.update(450, "status CREATING")
    (box,) = shown
    label, progress = box.children
    assert progress.max == 900 and progress.value == 450
    assert "7m30s so far, status CREATING" in label.value
    assert "AWS typically takes about 15m00s" in label.value
    bar.finish(600, "done")
    assert progress.bar_style == "success" and "done after 10m00s" in label.value


@given(st.floats(min_value=0, max_value=10**6, allow_nan=False))
def test_elapsed_time_reads_as_minutes_and_seconds(seconds):
    from awscontainers.waits import minutes

    text = minutes(seconds)
    whole = int(round(seconds))
    if whole < 60:
        assert text == f"{whole}s"
    else:
        m, s = text.rstrip("s").split("m")
        assert int(m) * 60 + int(s) == whole and 0 <= int(s) < 60


def test_teardown_command_needs_a_lab_or_all_mine(capsys):
    from awscontainers.cli import main

    assert main(["teardown"]) == 2
    assert "--lab LAB_ID, or --all-mine" in capsys.readouterr().err
    assert main(["teardown", "--lab", "x", "--all-mine"]) == 2


def test_on_real_aws_each_notebook_cell_ends_with_the_meter(aws, monkeypatch, capsys):
    import IPython

    class Events:
        def __init__(self):
            self.hooks = []

        def register(self, name, hook):
            self.hooks.append((name, hook))

        def unregister(self, name, hook):
            self.hooks.remove((name, hook))

    shell = SimpleNamespace(events=Events())
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    lab, _, _ = real_lab()
    ((name, after_cell),) = shell.events.hooks
    assert name == "post_run_cell"
    lab.eks.create_cluster(name="demo")
    capsys.readouterr()
    after_cell()
    assert capsys.readouterr().out.startswith("Lab lab-7 costs 0.1000 USD an hour (1 billed item)")
    lab.teardown()
    lab.close()
    assert shell.events.hooks == []


def test_leftovers_can_be_called_again_and_again(monkeypatch):
    """``awscontainers.leftovers`` is the function however often it is read (importing the
    module of the same name once made the module the package's attribute)."""
    import awscontainers

    monkeypatch.delitem(sys.modules, "awscontainers.leftovers", raising=False)
    monkeypatch.delitem(awscontainers.__dict__, "leftovers", raising=False)
    first, second = awscontainers.leftovers, awscontainers.leftovers
    assert first is second and callable(second) and first.__name__ == "leftovers"
