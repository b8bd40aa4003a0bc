"""A learner's lab outlives their kernel: the room keeps the simulator's state.

Against a real room on loopback, and for the kernel restart a real Jupyter kernel: killed
mid-lesson (no clean exit), restarted, and joined again.
"""

import json
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from awscontainers import Lab
from awscontainers.room.front import STATE_PATH
from tests.lesson_steps import lesson, what_is_there

pytestmark = pytest.mark.server


def test_a_learner_who_comes_back_finds_the_same_lab(room):
    code = room.join_code("ines")
    first = Lab(join=code)
    lesson(first)
    assert first.save() is True
    assert first.save() is False  # nothing changed since
    before = what_is_there(first)
    assert len(before["tasks"]) == 5 and len(before["pods"]) == 3 and len(before["nodes"]) == 2
    # The kernel dies: the first lab is never closed. A new one joins as the same learner.
    again = Lab(join=code)
    assert what_is_there(again) == {**before, "now": again.clock.peek().isoformat()}
    assert again.clock.peek() >= first.clock.peek()
    census = room.census()["learners"]["ines"]["simulated"]
    assert census["tasks"] == 5 and census["pods"] == 3 and census["services"] == 1


def test_a_saved_state_is_its_learners_alone(room):
    alice = Lab(join=room.join_code("jo"))
    alice.ecs.create_cluster(clusterName="web")
    alice.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    alice.save()
    # Another learner resumes nothing of hers.
    bob = Lab(join=room.join_code("kim"))
    assert bob.running_summary()["container_instances"] == 0
    # Unsigned, or signed with her access key but a guessed secret: refused.
    url = f"{room.url}{STATE_PATH}"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=30)
    assert err.value.code == 403
    access_key = room.keys.credential("jo").access_key
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(Credentials(access_key, "guessed"), "awscontainers", "us-east-1").add_auth(request)
    prepared = request.prepare()
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(
            urllib.request.Request(url, headers=dict(prepared.headers.items())), timeout=30
        )
    assert err.value.code == 403 and b"SignatureDoesNotMatch" in err.value.read()


def test_a_reset_learner_starts_again_from_empty(room):
    code = room.join_code("lee")
    lab = Lab(join=code)
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1, instance_type="t3.medium")
    lab.save()
    assert room.reset("lee") == ["lee"]
    fresh = Lab(join=code)
    assert fresh.running_summary()["container_instances"] == 0
    assert fresh.ecs.list_clusters()["clusterArns"] == []
    assert "simulated" in room.census()["learners"]["lee"]
    assert room.census()["learners"]["lee"]["simulated"] == {}


def test_a_damaged_state_warns_and_starts_the_simulator_empty(room):
    code = room.join_code("max")
    lab = Lab(join=code)
    credential = room.keys.credential("max")
    # Save something that is not a snapshot, signed with the learner's own credential.
    from awscontainers.room.saved import save_state

    save_state(
        room.url,
        Credentials(credential.access_key, credential.secret_key),
        "us-east-1",
        {"format": "something-else"},
        {},
    )
    with pytest.warns(UserWarning, match="could not be read back"):
        again = Lab(join=code)
    assert again.running_summary()["tasks"] == 0
    del lab


def _run(client, code: str) -> str:
    """Run ``code`` in the kernel; its printed output (raises on an error in the cell)."""
    out: list[str] = []
    errors: list[str] = []

    def hook(msg):
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            errors.append("\n".join(content["traceback"]))

    client.execute_interactive(code, timeout=300, output_hook=hook)
    assert not errors, errors[0]
    return "".join(out)


def test_a_restarted_kernel_finds_the_lab_it_had(room):
    from jupyter_client.manager import start_new_kernel

    code = room.join_code("nina")
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        _run(client, f"from awscontainers import Lab\nlab = Lab(join={code!r})")
        _run(client, "from tests.lesson_steps import lesson, what_is_there\nlesson(lab)")
        before = json.loads(_run(client, "import json; print(json.dumps(what_is_there(lab)))"))
        # Killed, not shut down: only what was saved after each cell survives.
        manager.restart_kernel(now=True)
        client.wait_for_ready(timeout=120)
        shown = _run(client, f"from awscontainers import Lab\nlab = Lab(join={code!r})")
        after = json.loads(
            _run(
                client,
                "import json\nfrom tests.lesson_steps import what_is_there\n"
                "print(json.dumps(what_is_there(lab)))",
            )
        )
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "Resumed your lab from the room" in shown and "5 tasks" in shown
    assert {k: v for k, v in after.items() if k != "now"} == {
        k: v for k, v in before.items() if k != "now"
    }


def test_plain_boto3_with_a_learner_credential_sees_the_same_records(room):
    code = room.join_code("olga")
    lab = Lab(join=code)
    lab.ecs.create_cluster(clusterName="web")
    credential = room.keys.credential("olga")
    ecs = boto3.client(
        "ecs",
        endpoint_url=room.url,
        region_name="us-east-1",
        aws_access_key_id=credential.access_key,
        aws_secret_access_key=credential.secret_key,
    )
    assert ecs.list_clusters()["clusterArns"] == lab.ecs.list_clusters()["clusterArns"]
