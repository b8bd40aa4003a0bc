"""The Lab facade: backends, isolation, confirmation, teardown, error translation."""

import socket

import pytest

from awscontainers import (
    BackendError,
    ConfirmationRequiredError,
    InvalidParameterError,
    Lab,
    LabError,
    NotFoundError,
)
from awscontainers.lab import learner_account_id
from awscontainers.server import free_port


def test_default_lab_is_in_process_fixed_account(lab):
    assert lab.backend == "moto"
    assert lab.account_id == "123456789012"
    assert lab.region == "us-east-1"
    assert "in-process" in repr(lab)
    ident = lab.client("sts").get_caller_identity()
    assert ident["Account"] == "123456789012"


def test_open_labs_are_isolated_accounts(lab):
    lab.ecs.create_cluster(clusterName="mine")
    with Lab() as other:
        assert other.account_id != lab.account_id
        assert other.ecs.list_clusters()["clusterArns"] == []
    assert len(lab.ecs.list_clusters()["clusterArns"]) == 1


def test_a_new_lab_starts_empty():
    with Lab() as first:
        first.ecs.create_cluster(clusterName="left-over")
    with Lab() as second:
        assert second.account_id == "123456789012"
        assert second.ecs.list_clusters()["clusterArns"] == []


def test_same_explicit_account_twice_is_refused(lab):
    with pytest.raises(LabError, match="already uses account"):
        Lab(account_id=lab.account_id)


def test_plain_client_sees_the_same_account(lab):
    lab.ecs.create_cluster(clusterName="shared")
    arns = lab.client("ecs").list_clusters()["clusterArns"]
    assert arns == ["arn:aws:ecs:us-east-1:123456789012:cluster/shared"]


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a socket or resolve a name."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise AssertionError(f"network used: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return calls


def test_real_aws_refused_without_confirmation(no_network, monkeypatch):
    monkeypatch.delenv("AWSCONTAINERS_CONFIRM_ACCOUNT", raising=False)
    with pytest.raises(ConfirmationRequiredError, match="explicit confirmation") as err:
        Lab(backend="aws")
    assert "confirm=" in str(err.value)
    assert no_network == []


def test_real_aws_refuses_a_confirmation_that_is_not_an_account_id(no_network):
    with pytest.raises(ConfirmationRequiredError, match="12-digit"):
        Lab(backend="aws", confirm="yes")
    assert no_network == []


def test_bad_backend_and_endpoint_combinations():
    with pytest.raises(InvalidParameterError, match="Unknown backend"):
        Lab(backend="azure")
    with pytest.raises(InvalidParameterError, match="needs endpoint_url"):
        Lab(backend="server")
    with pytest.raises(InvalidParameterError, match="only for the moto server"):
        Lab(backend="moto", endpoint_url="http://127.0.0.1:1")


def test_unreachable_server_says_how_to_start_one():
    with pytest.raises(BackendError, match="awscontainers room start"):
        Lab(endpoint_url=f"http://127.0.0.1:{free_port()}")


def test_learner_accounts_are_stable_and_distinct():
    assert learner_account_id("alice") == learner_account_id("alice")
    assert learner_account_id("alice") != learner_account_id("bob")
    assert len(learner_account_id("alice")) == 12


def test_moto_bug_surfaces_as_backend_error(lab):
    # moto raises a bare Exception for an unknown cluster here; the learner gets our error.
    with pytest.raises(BackendError, match="not your mistake") as err:
        lab.ecs.register_container_instance(
            cluster="nope", instanceIdentityDocument='{"instanceId": "i-1"}'
        )
    assert not isinstance(err.value.__cause__, LabError)


def test_aws_errors_keep_their_code(lab):
    with pytest.raises(NotFoundError) as err:
        lab.ecr.describe_repositories(repositoryNames=["absent"])
    assert err.value.code == "RepositoryNotFoundException"
    assert "What to do" in str(err.value)


def test_boto3_parameter_errors_are_translated(lab):
    with pytest.raises(InvalidParameterError, match="clusterName"):
        lab.ecs.create_cluster(clusterName=42)


def test_unknown_operation_names_the_convention(lab):
    with pytest.raises(AttributeError, match="snake_case"):
        lab.ecs.ListClusters()


def test_lab_is_unusable_after_close():
    lab = Lab()
    lab.close()
    with pytest.raises(LabError, match="closed"):
        lab.client("ecs")


def test_everything_created_is_tagged(lab, ec2_cluster):
    ecs_tags = lab.ecs.list_tags_for_resource(
        resourceArn="arn:aws:ecs:us-east-1:123456789012:cluster/web"
    )["tags"]
    assert {"key": "awscontainers:lab", "value": lab.lab_id} in ecs_tags
    ec2 = lab.client("ec2")
    for reservation in ec2.describe_instances()["Reservations"]:
        for inst in reservation["Instances"]:
            assert {"Key": "awscontainers:lab", "Value": lab.lab_id} in inst["Tags"]
    vpc = ec2.describe_vpcs(VpcIds=[lab.network().vpc_id])["Vpcs"][0]
    assert {"Key": "awscontainers:lab", "Value": lab.lab_id} in vpc["Tags"]


def test_network_has_subnets_in_two_azs(lab):
    network = lab.network()
    assert len(set(network.availability_zones)) == 2
    assert len(network.private_subnet_ids) == 2


def test_teardown_deletes_exactly_what_the_lab_made_and_is_repeatable(lab, ec2_cluster):
    from tests.conftest import register

    register(lab, "api")
    lab.ecs.create_service(cluster="web", serviceName="api", taskDefinition="api", desiredCount=2)
    lab.ecr.create_repository(repositoryName="web")
    ec2 = lab.client("ec2")
    # Made outside the lab's helpers and ledger: teardown must leave it alone.
    outsider = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    lab_vpc = lab.network().vpc_id

    deleted = lab.teardown()
    kinds = {line.split()[0] for line in deleted}
    assert {"ecs-service", "ec2-instance", "ecs-cluster", "ecr-repository", "ec2-vpc"} <= kinds
    assert lab.ledger == []
    assert lab.ecs.list_clusters()["clusterArns"] == []
    assert lab.ecr.describe_repositories()["repositories"] == []
    states = {
        i["State"]["Name"] for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
    }
    assert states == {"terminated"}
    vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert outsider in vpcs and lab_vpc not in vpcs
    assert lab.client("iam").list_roles()["Roles"] == []
    assert lab.teardown() == []


def test_lab_works_again_after_teardown(lab, ec2_cluster):
    lab.teardown()
    lab.ecs.create_cluster(clusterName="again")
    rows = lab.ecs.launch_instances("again", count=1)
    assert rows[0]["joined"] == "again"


# --------------------------------------------------------------------------- issue 10


def test_ids_never_repeat_across_labs():
    # Three VPCs, a Lab() opened and closed between each: three ids, none replaced.
    vpcs = []
    for _ in range(3):
        with Lab() as lab:
            vpcs.append(lab.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"])
    assert len(set(vpcs)) == 3
    with Lab() as one, Lab() as two:
        first = one.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        with Lab() as three:
            three.client("ec2").describe_vpcs()
        second = two.client("ec2").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        assert first != second
        assert first in {v["VpcId"] for v in one.client("ec2").describe_vpcs()["Vpcs"]}


def test_a_closed_lab_refuses_every_call_its_cached_clients_included():
    lab1 = Lab()
    ecs, raw = lab1.ecs, lab1.client("ecs")
    lab1.ecs.create_cluster(clusterName="web")
    lab1.close()
    with Lab() as lab2:
        lab2.ecs.create_cluster(clusterName="web")
        for attempt in (
            lab1.teardown,
            lambda: ecs.list_clusters(),
            lambda: ecs.delete_cluster(cluster="web"),
            lambda: raw.delete_cluster(cluster="web"),
            lambda: lab1.ecs,
            lambda: lab1.eks,
            lambda: lab1.ecr,
            lambda: lab1.kube("demo"),
        ):
            with pytest.raises(LabError, match="closed"):
                attempt()
        assert len(lab2.ecs.list_clusters()["clusterArns"]) == 1
        assert lab2.ecs.describe_clusters(clusters=["web"])["clusters"][0]["status"] == "ACTIVE"


@pytest.fixture
def hostile_environment(monkeypatch, tmp_path):
    """Everything in the environment that could send a lab's calls elsewhere, and a guard
    that fails the test if a socket is opened at all."""
    config = tmp_path / "config"
    config.write_text(
        "[profile elsewhere]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:9\n"
        "[default]\nendpoint_url = http://127.0.0.1:9\n"
    )
    for key, value in {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ENDPOINT_URL_ECS": "http://127.0.0.1:9",
        "AWS_PROFILE": "elsewhere",
        "AWS_CONFIG_FILE": str(config),
        "AWS_USE_FIPS_ENDPOINT": "true",
        "AWS_USE_DUALSTACK_ENDPOINT": "true",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "AKIAREALLOOKING",
        "AWS_SECRET_ACCESS_KEY": "real-looking",
    }.items():
        monkeypatch.setenv(key, value)
    opened = []

    def refuse(*args, **kwargs):
        opened.append(args)
        raise AssertionError(f"a socket was opened: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return opened


def test_the_in_process_lab_never_opens_a_socket(hostile_environment):
    from awscontainers.manifests import sample_deployment

    with Lab() as lab:
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.launch_instances("web", count=1)
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="ng",
            scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 1},
        )
        lab.kube("demo").apply(sample_deployment(1))
        assert lab.client("sts").get_caller_identity()["Account"] == lab.account_id
        assert all(
            "amazonaws.com" in lab.client(s).meta.endpoint_url for s in ("ecs", "ec2", "eks")
        )
        lab.teardown()
    assert hostile_environment == []


def test_a_request_moto_does_not_answer_is_refused_not_sent(lab, no_network):
    from botocore.awsrequest import AWSPreparedRequest

    session = lab.client("ecs")._endpoint.http_session
    request = AWSPreparedRequest("GET", "https://example.com/", {}, b"", True)
    with pytest.raises(BackendError, match="never leaves"):
        session.send(request)
    assert no_network == []


def test_a_missing_profile_is_named_before_the_lab_opens(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile-here")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    with pytest.raises(LabError, match="no-such-profile-here"):
        Lab()


def test_real_aws_refuses_a_confirmation_of_the_wrong_type(no_network):
    with pytest.raises(ConfirmationRequiredError, match="12-digit"):
        Lab(backend="aws", confirm=123456789012)


def test_unreachable_aws_is_not_called_a_moto_server():
    from botocore.exceptions import EndpointConnectionError

    from awscontainers._aws import translate

    exc = EndpointConnectionError(endpoint_url="https://sts.amazonaws.com/")
    err = translate(exc, "get_caller_identity", endpoint="https://sts.amazonaws.com")
    assert "Cannot reach AWS" in str(err) and "moto" not in str(err).split("What to do")[0]


def test_closing_a_lab_releases_what_moto_held_for_it():
    import gc

    from moto.ec2.models import EC2Backend

    from awscontainers.moto_state import tracked_count

    def backends_of(account):
        gc.collect()
        return [
            o for o in gc.get_objects() if isinstance(o, EC2Backend) and o.account_id == account
        ]

    lab = Lab(account_id="210987654321")
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=1)
    assert backends_of("210987654321") and tracked_count() > 0
    lab.close()
    assert backends_of("210987654321") == []
    assert tracked_count() == 0


def test_a_fresh_process_gets_the_same_ids_for_the_same_calls():
    import subprocess
    import sys

    # An EKS cluster's endpoint too: moto draws it when its EKS module is imported, so it
    # is the same in every process only if that import comes after the lab seeds moto.
    # Each process also counts how often botocore's files are parsed: EC2's model twice
    # (once for moto's region listing and the labs' clients, which share a loader, once by
    # moto with its extras), the endpoints once.
    script = (
        "import collections, botocore.loaders as loaders\n"
        "read, parse = collections.Counter(), loaders.JSONFileLoader.load_file\n"
        "def load_file(self, path):\n"
        "    found = parse(self, path)\n"
        "    read[path.rsplit('/data/', 1)[-1]] += found is not None\n"
        "    return found\n"
        "loaders.JSONFileLoader.load_file = load_file\n"
        "from awscontainers import Lab\n"
        "with Lab() as lab:\n"
        "    print(lab.client('ec2').create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId'])\n"
        "    lab.eks.create_cluster(name='demo')\n"
        "    print(lab.client('eks').describe_cluster(name='demo')['cluster']['endpoint'])\n"
        "with Lab() as lab:\n"
        "    print(lab.client('ec2').create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId'])\n"
        "print(read['ec2/2016-11-15/service-2'], read['endpoints'])\n"
    )
    # Two fresh processes, side by side (each its own interpreter and moto).
    children = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    runs = [child.communicate(timeout=120)[0].split() for child in children]
    assert [child.returncode for child in children] == [0, 0]
    assert runs[0] == runs[1]  # deterministic, as the notebooks need
    assert len(runs[0]) == 5 and runs[0][0] != runs[0][2]  # a new lab's id is not the last's
    assert runs[0][3:] == ["2", "1"]  # EC2's model and the endpoints, parsed times


def test_teardown_leaves_no_interfaces_of_terminated_instances():
    # AWS deletes a terminated instance's primary network interface (DeleteOnTermination is
    # always true for it: EC2 user guide, "Network interfaces", "Delete on termination");
    # moto keeps it in-use, which teardown must not leave behind.
    from awscontainers import Lab

    with Lab() as lab:
        ec2 = lab.client("ec2")
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.launch_instances("web", count=2)
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="ng",
            scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 3},
        )
        vpc = lab.network().vpc_id
        lab.teardown()
        left = ec2.describe_network_interfaces()["NetworkInterfaces"]
        assert [e["NetworkInterfaceId"] for e in left] == []
        assert vpc not in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
        assert lab.ledger == []


def test_moto_lists_a_handler_class_s_methods_once_and_the_same():
    """quicken() keeps moto's per-request method listing; the names are moto's own."""
    import moto.core.responses as responses
    from moto.core.utils import method_names_from_class
    from moto.ec2.responses import EC2Response

    from awscontainers.moto_state import quicken

    with Lab() as lab:
        lab.client("ec2").describe_vpcs()
        quicken()  # idempotent: still one cache
        listed = responses.method_names_from_class
        assert listed.cache_info().currsize >= 1
        assert listed(EC2Response) == method_names_from_class(EC2Response)
        assert "describe_vpcs" in listed(EC2Response)


def test_an_in_process_call_is_sent_with_sigv4_s_headers_and_a_placeholder_signature(lab):
    """moto in process checks no signature, so none is computed (``in_process_signer``):
    the request carries every header SigV4 gives it, Authorization's credential, scope
    and signed headers among them, with a signature of zeros. The same client signs for
    real once the handler is gone (as a room's and a real account's clients do)."""
    from awscontainers.moto_state import in_process_signer

    ecs = lab.client("ecs")
    sent: list[dict] = []
    ecs.meta.events.register_first(
        "before-send",
        lambda request, **_: sent.append(
            {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        ),
    )
    assert ecs.list_clusters()["clusterArns"] == []
    ecs.meta.events.unregister("choose-signer", in_process_signer)
    try:
        assert ecs.list_clusters()["clusterArns"] == []
    finally:
        ecs.meta.events.register("choose-signer", in_process_signer)
    placeholder, signed = sent
    fields = [
        dict(part.split("=", 1) for part in h["Authorization"].split(" ", 1)[1].split(", "))
        for h in (placeholder, signed)
    ]
    assert fields[0]["Signature"] == "0" * 64
    assert fields[1]["Signature"] != "0" * 64 and len(fields[1]["Signature"]) == 64
    assert fields[0]["Credential"].startswith("testing/")
    assert fields[0]["Credential"].endswith("/us-east-1/ecs/aws4_request")
    assert fields[0]["Credential"].split("/")[2:] == fields[1]["Credential"].split("/")[2:]
    assert fields[0]["SignedHeaders"] == fields[1]["SignedHeaders"]
    vary = {"Authorization", "X-Amz-Date", "amz-sdk-invocation-id"}
    assert {k for k in placeholder if k not in vary} == {k for k in signed if k not in vary}
    assert "X-Amz-Date" in placeholder


def test_quick_image_lookup_gives_what_moto_s_filter_gives():
    """moto's per-instance AMI lookup by id, answered from its dict of images, equals its
    own wildcard filter for present, missing and wildcard ids."""
    import fnmatch

    from moto.ec2.models.amis import AmiBackend

    from awscontainers.moto_state import ec2_backend

    with Lab() as lab:
        image = lab.ecs.ecs_optimized_ami()
        backend = ec2_backend(lab.account_id, lab.region)
        assert getattr(AmiBackend.describe_images, "quick", False)
        for wanted in (image, "ami-00000000000000000", "ami-*", image[:-1] + "?"):
            quick = backend.describe_images(filters={"image-id": wanted})
            every = [a for a in backend.amis.values() if fnmatch.fnmatchcase(a.id, wanted)]
            assert [a.id for a in quick] == [a.id for a in every]
        assert [a.id for a in backend.describe_images(filters={"image-id": image})] == [image]


def test_user_data_read_in_process_is_what_ec2_describes():
    from awscontainers.moto_state import instance_user_data

    with Lab() as lab:
        lab.ecs.create_cluster(clusterName="web")
        (row,) = list(lab.ecs.launch_instances("web", count=1))
        bare = lab.client("ec2").run_instances(
            ImageId=lab.ecs.ecs_optimized_ami(), InstanceType="t3.micro", MinCount=1, MaxCount=1
        )["Instances"][0]["InstanceId"]
        for iid in (row["instance"], bare):
            described = lab.client("ec2").describe_instance_attribute(
                InstanceId=iid, Attribute="userData"
            )
            value = described.get("UserData", {}).get("Value")
            assert instance_user_data(lab.account_id, lab.region, iid) == value
        with pytest.raises(KeyError):
            instance_user_data(lab.account_id, lab.region, "i-0123456789abcdef0")
