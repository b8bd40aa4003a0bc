"""The workshop room, against a real room server started on loopback.

No assertion here depends on how fast the machine is: the room is waited for on its READY
line, and every check is about what was answered, not when.
"""

import socket
import urllib.error
import urllib.request

import boto3
import pytest

from awscontainers import BackendError, Lab, LabError
from awscontainers.errors import InvalidParameterError
from awscontainers.server import check_port, start_server
from tests.conftest import register, register_fargate

pytestmark = pytest.mark.server


def test_ecs_on_ec2_and_fargate_through_a_room(room):
    lab = Lab(join=room.join_code("alice"))
    assert lab.backend == "server" and room.url in repr(lab) and "alice" in repr(lab)
    lab.ecs.create_cluster(clusterName="web")
    rows = lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    assert [r["joined"] for r in rows] == ["web", "web"]
    register(lab, "api", memory=1536)
    result = lab.ecs.run_task(cluster="web", taskDefinition="api", count=6)
    assert len(result["tasks"]) == 4
    assert {f["reason"] for f in result["failures"]} == {"RESOURCE:MEMORY"}
    register_fargate(lab)
    tasks = lab.ecs.run_task(cluster="web", taskDefinition="fg", launchType="FARGATE", count=2)
    assert len(tasks["tasks"]) == 2
    lab.teardown()
    left = lab.ecs.describe_clusters(clusters=["web"])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in left)
    assert (
        lab.client("ec2").describe_vpcs(
            Filters=[{"Name": "tag:awscontainers:lab", "Values": [lab.lab_id]}]
        )["Vpcs"]
        == []
    )


def test_learners_have_accounts_of_their_own(room):
    alice = Lab(join=room.join_code("alice2"))
    bob = Lab(join=room.join_code("bob"))
    alice.ecs.create_cluster(clusterName="alices")
    assert bob.ecs.list_clusters()["clusterArns"] == []
    assert alice.account_id in alice.ecs.list_clusters()["clusterArns"][0]
    alice.teardown()


def test_a_name_alone_opens_nothing_on_a_room(room):
    with pytest.raises(LabError, match="secured") as err:
        Lab(endpoint_url=room.url, learner="alice")
    assert "join code" in str(err.value)


def test_anothers_name_without_their_credential_is_refused(room):
    code = room.join_code("erin")
    victim = Lab(join=code)
    victim.ecs.create_cluster(clusterName="erins")
    access_key = room.keys.credential("erin").access_key
    # The right access key id with a guessed secret: the signature does not match.
    forged = boto3.client(
        "ecs",
        endpoint_url=room.url,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key="guessed",
    )
    with pytest.raises(Exception, match="SignatureDoesNotMatch"):
        forged.list_clusters()
    # A made-up access key for her name: unknown to the room.
    from awscontainers.room import JoinCode

    made_up = JoinCode(room.url, "erin.aaaaaaaaaa", "guessed").encode()
    with pytest.raises(LabError, match="unknown learner credential"):
        Lab(join=made_up)
    # Asking moto for her account by header does not work either.
    mallory = boto3.client(
        "ecs",
        endpoint_url=room.url,
        region_name="us-east-1",
        aws_access_key_id=room.keys.credential("mallory").access_key,
        aws_secret_access_key=room.keys.credential("mallory").secret_key,
    )
    mallory.meta.events.register(
        "before-sign",
        lambda request, **_: request.headers.__setitem__("x-moto-account-id", victim.account_id),
    )
    assert mallory.list_clusters()["clusterArns"] == []
    victim.teardown()


def test_learners_cannot_read_or_reset_the_room(room):
    for path, data in (("/moto-api/data.json", None), ("/moto-api/reset", b"")):
        request = urllib.request.Request(f"{room.url}{path}", data=data)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=30)
        assert err.value.code == 403
    request = urllib.request.Request(
        f"{room.url}/moto-api/data.json", headers={"x-awscontainers-instructor": "guess"}
    )
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=30)


def test_the_instructor_sees_and_resets_the_room(room):
    lab = Lab(join=room.join_code("frank"))
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    lab.eks.create_cluster(name="demo")
    row = room.census()["learners"]["frank"]
    assert row["account_id"] == lab.account_id
    assert (row["ecs_clusters"], row["instances"], row["eks_clusters"]) == (1, 1, 1)
    assert row["hourly_usd"] == pytest.approx(0.0416 + 0.10)
    assert room.reset("frank") == ["frank"]
    row = room.census()["learners"]["frank"]
    assert (row["ecs_clusters"], row["instances"], row["eks_clusters"]) == (0, 0, 0)


def test_ids_never_repeat_in_a_room(room):
    vpcs = []
    for _ in range(3):
        lab = Lab(join=room.join_code("gina"))
        vpcs.append(lab.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"])
        lab.close()
    assert len(set(vpcs)) == 3
    lab = Lab(join=room.join_code("gina"))
    found = {v["VpcId"] for v in lab.client("ec2").describe_vpcs()["Vpcs"]}
    assert set(vpcs) <= found


def test_moto_server_bugs_are_backend_errors_without_retries(room):
    lab = Lab(join=room.join_code("carol"))
    attempts = []
    lab.client("ecs").meta.events.register(
        "before-send.ecs.RegisterContainerInstance", lambda **kw: attempts.append(1)
    )
    with pytest.raises(BackendError, match="inside the moto server"):
        lab.ecs.register_container_instance(
            cluster="nope", instanceIdentityDocument='{"instanceId": "i-1"}'
        )
    assert len(attempts) == 1


def test_eks_three_modes_through_a_room(room):
    from awscontainers.manifests import sample_deployment

    lab = Lab(join=room.join_code("dave"))
    lab.eks.create_cluster(name="demo")
    rows = lab.eks.launch_self_managed_nodes("demo", count=1)
    assert rows[0]["node"] is None
    lab.eks.create_access_entry(
        clusterName="demo", principalArn=lab.role_arn("eks-node"), type="EC2_LINUX"
    )
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
    )
    lab.eks.create_fargate_profile(
        clusterName="demo", fargateProfileName="fp", selectors=[{"namespace": "serverless"}]
    )
    k = lab.kube("demo")
    k.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "serverless"}})
    k.apply(sample_deployment(2))
    k.apply(sample_deployment(2, namespace="serverless"))
    kinds = sorted(r["kind"] for r in k.nodes_table())
    assert kinds == ["Fargate", "Fargate", "managed nodegroup", "self-managed"]
    assert all(p["phase"] == "Running" for p in k.pods_table())
    lab.teardown()
    assert lab.eks.list_clusters()["clusters"] == []


def test_stopping_a_room_frees_its_port():
    room = start_server()
    port = int(room.url.rsplit(":", 1)[1])
    room.stop()
    assert room.process.returncode == 0  # SIGTERM ends it cleanly, no child left behind
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_a_port_out_of_range_is_refused():
    with pytest.raises(InvalidParameterError, match="not a TCP port"):
        check_port(99999)
    with pytest.raises(InvalidParameterError):
        start_server(port=-1)


def test_the_instructors_commands(tmp_path, capsys):
    import os
    import signal
    import subprocess
    import sys

    from awscontainers.cli import main

    room_file = tmp_path / "room.json"
    starter = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "awscontainers",
            "room",
            "start",
            "--port",
            "0",
            "--room-file",
            str(room_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The first line is printed once the room listens and the room file is written.
        assert starter.stdout.readline().startswith(b"Room running at")
        assert oct(room_file.stat().st_mode & 0o777) == "0o600"
        assert main(["room", "join", "alice", "--room-file", str(room_file)]) == 0
        name, code = capsys.readouterr().out.strip().split("\t")
        lab = Lab(join=code)
        lab.ecs.create_cluster(clusterName="web")
        assert main(["room", "show", "--room-file", str(room_file)]) == 0
        shown = capsys.readouterr().out
        assert "alice" in shown and lab.account_id in shown
        assert main(["room", "reset", "--all", "--room-file", str(room_file)]) == 0
        assert "reset: alice" in capsys.readouterr().out
        assert lab.ecs.list_clusters()["clusterArns"] == []
        # Nothing to fix shows as a message, never a traceback.
        assert main(["room", "show", "--room-file", str(tmp_path / "none.json")]) == 2
        assert "No room file" in capsys.readouterr().err
    finally:
        os.kill(starter.pid, signal.SIGTERM)
        assert starter.wait(timeout=60) == 0
    url = json_url(room_file)
    port = int(url.rsplit(":", 1)[1])
    # `room start` waited for the room to exit: its port is free now.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def json_url(room_file):
    import json

    return json.loads(room_file.read_text())["url"]


def test_joining_costs_the_room_one_health_check_and_one_signed_call(room):
    lab = Lab(join=room.join_code("henry"))
    # Nothing that grows with the room: the health check is not counted, GetCallerIdentity is.
    assert room.census()["learners"]["henry"]["calls"] == 1
    assert lab.account_id == room.census()["learners"]["henry"]["account_id"]
