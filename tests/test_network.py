"""The lab's network and roles made in process (on moto's backends) are what the API calls
make: the same resources with the same ids, the same ledger, the same moto random numbers
drawn, and teardown and the tag search find and remove all of it."""

from __future__ import annotations

import datetime as _dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers import Lab, network
from awscontainers.errors import AlreadyExistsError, LabError

REGIONS = ("us-east-1", "us-west-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "cn-north-1")


def _random():
    from moto.moto_api._internal import mock_random

    return mock_random


def _build(lab, in_process: bool) -> tuple:
    make_network = network._network_in_process if in_process else network._network_through_api
    make_role = network._role_in_process if in_process else network._role_through_api
    made = make_network(lab.account)
    roles = [make_role(lab.account, purpose) for purpose in network.ROLES]
    return made, roles


def _plain(value):
    """An answer without its times (moto stamps creation with the wall clock)."""
    if isinstance(value, dict):
        return {
            k: _plain(v)
            for k, v in value.items()
            if k != "ResponseMetadata" and not isinstance(v, _dt.datetime)
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _described(lab) -> dict:
    ec2, iam = lab.client("ec2"), lab.client("iam")
    vpc = lab.network().vpc_id
    roles = iam.list_roles()["Roles"]
    return _plain(
        {
            "vpcs": ec2.describe_vpcs()["Vpcs"],
            "dns": ec2.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames"),
            "subnets": ec2.describe_subnets()["Subnets"],
            "route_tables": ec2.describe_route_tables()["RouteTables"],
            "gateways": ec2.describe_internet_gateways()["InternetGateways"],
            "groups": ec2.describe_security_groups()["SecurityGroups"],
            "rules": ec2.describe_security_group_rules()["SecurityGroupRules"],
            "tags": ec2.describe_tags()["Tags"],
            "roles": roles,
            "inline": {
                r["RoleName"]: [
                    iam.get_role_policy(RoleName=r["RoleName"], PolicyName=p)["PolicyDocument"]
                    for p in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]
                ]
                for r in roles
            },
            "profiles": iam.list_instance_profiles()["InstanceProfiles"],
        }
    )


def _both_ways(region: str, name: str, seed: int) -> tuple[dict, dict]:
    """The network and every role, made through the API and in process from the same
    state of moto's random numbers, in a new account each; what each way shows."""
    Lab().close()  # the process's first lab seeds moto's random numbers: not one of these
    rng = _random()
    start = rng.getstate()
    seen = []
    for in_process in (False, True):
        rng.setstate(start)
        with Lab(region=region, name=name, seed=seed) as lab:
            made, roles = _build(lab, in_process)
            drawn = rng.getstate()
            lab.account._network = made  # what lab.network() gives from now on
            seen.append(
                {
                    "network": made,
                    "roles": roles,
                    "ledger": [(r.kind, r.id, r.info) for r in lab.ledger],
                    "writes": dict(lab.account._writes_of),
                    "drawn": drawn,
                    "described": _described(lab),
                }
            )
    return seen[0], seen[1]


@given(
    region=st.sampled_from(REGIONS),
    name=st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True),
    seed=st.integers(0, 10_000),
)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_in_process_network_and_roles_are_what_the_api_makes(region, name, seed):
    api, in_process = _both_ways(region, name, seed)
    # Ids included: moto drew the same random numbers (the request ids too) either way.
    assert in_process["drawn"] == api["drawn"]
    assert in_process["network"] == api["network"]
    assert in_process["roles"] == api["roles"]
    assert in_process["ledger"] == api["ledger"]
    assert in_process["writes"] == api["writes"]
    assert in_process["described"] == api["described"]


def test_a_moto_lab_makes_them_in_process_and_teardown_removes_everything():
    from awscontainers.leftovers import find

    with Lab(name="quick") as lab:
        ec2 = lab.client("ec2")
        sent = []
        ec2.meta.events.register("before-call.ec2.*", lambda model, **_: sent.append(model.name))
        lab.network()
        lab.instance_profile("ecs-instance")
        lab.role_arn("eks-node")
        assert sent == []  # no request was made for them
        found = find(lab)
        tagged = {(r.kind, r.id) for records in found.values() for r in records}
        assert {(r.kind, r.id) for r in lab.ledger} == tagged
        vpc = lab.network().vpc_id
        lab.teardown()
        assert vpc not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
        assert lab.client("iam").list_roles()["Roles"] == []
        assert lab.client("iam").list_instance_profiles()["InstanceProfiles"] == []
        assert not any(find(lab).values())
        # ... and made again on next use, as before.
        assert lab.network().vpc_id != vpc


def test_govcloud_keeps_the_api_calls_where_moto_files_them():
    # moto reads iam.us-gov.amazonaws.com as the commercial partition: made in process,
    # the roles would land in another partition than the API puts them.
    with Lab(region="us-gov-west-1", name="gov") as lab:
        sent = []
        for service in ("iam", "ec2"):
            lab.client(service).meta.events.register(
                f"before-call.{service}.*", lambda model, **_: sent.append(model.name)
            )
        arn = lab.role_arn("eks-node")
        lab.network()
        assert {"CreateRole", "CreateVpc"} <= set(sent)
        assert arn == lab.client("iam").get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]["Arn"]


def test_a_moto_error_in_process_is_the_lab_s_error_as_through_the_api():
    with Lab(name="twice") as lab:
        lab.role_arn("eks-cluster")
        for make in (network._role_through_api, network._role_in_process):
            with pytest.raises(AlreadyExistsError, match="create_role") as caught:
                make(lab.account, "eks-cluster")
            assert caught.value.code == "EntityAlreadyExists"


def test_a_closed_lab_makes_no_network_or_role():
    lab = Lab(name="closed")
    lab.close()
    for attempt in (lab.network, lambda: lab.role_arn("eks-node"), lab.instance_profile):
        with pytest.raises(LabError, match="closed"):
            attempt()
