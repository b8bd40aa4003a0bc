"""Tests for the pure ECS task-placement engine (awscontainers.sim.placement)."""

from __future__ import annotations

import copy
import random
from collections import Counter

import pytest

from awscontainers.errors import InvalidParameterError
from awscontainers.sim.placement import (
    CLOSEST_CPU,
    CLOSEST_MEMORY,
    CLOSEST_PORTS,
    NO_INSTANCES_MESSAGE,
    REASON_CPU,
    REASON_DISTINCT_INSTANCE,
    REASON_MEMBER_OF,
    REASON_MEMORY,
    REASON_PORTS,
    SERVICE_DEFAULT_STRATEGY,
    Candidate,
    TaskShape,
    closest_match,
    closest_match_message,
    parse_expression,
    place,
    validate_placement,
)

ARN = "arn:aws:ecs:us-east-1:123456789012:container-instance/lab/"
WEB = TaskShape(cpu=256, memory=512, group="family:web")


def inst(
    name: str,
    az: str = "us-east-1a",
    itype: str = "t3.large",
    cpu: int = 2048,
    memory: int = 8192,
    **extra,
) -> Candidate:
    """A container instance named ``name`` (its ARN ends in the name, its id is i-<name>)."""
    attributes = {
        "ecs.instance-type": itype,
        "ecs.availability-zone": az,
        "ecs.ami-id": "ami-0123456789abcdef0",
        "ecs.os-type": "linux",
        **extra.pop("attributes", {}),
    }
    return Candidate(ARN + name, "i-" + name, attributes, cpu=cpu, memory=memory, **extra)


def names(placements: list[str]) -> list[str]:
    return [arn.rsplit("/", 1)[-1] for arn in placements]


def run(candidates, shape=WEB, count=1, strategy=None, constraints=None, seed=0):
    return place(candidates, shape, count, strategy, constraints, random.Random(seed))


# --- Strategies ----------------------------------------------------------------------------


def test_binpack_memory_packs_onto_the_fullest_instance_that_still_fits():
    cluster = [inst("roomy", memory=4000), inst("full", memory=1000), inst("half", memory=2000)]
    result = run(cluster, count=3, strategy=[{"type": "binpack", "field": "memory"}])
    # 1st: "full" has least memory; 2nd: "full" has 488 MiB left (< 512), so "half";
    # 3rd: "half" now has 1488 MiB, still fuller than "roomy".
    assert names(result.placements) == ["full", "half", "half"]
    assert result.failures == []


def test_binpack_cpu_then_memory_breaks_ties_in_order():
    cluster = [inst("a", cpu=1024, memory=4096), inst("b", cpu=1024, memory=2048)]
    strategy = [{"type": "binpack", "field": "cpu"}, {"type": "binpack", "field": "memory"}]
    assert names(run(cluster, strategy=strategy).placements) == ["b"]
    # Field names are accepted in upper case too, as ECS does.
    assert names(run(cluster, strategy=[{"type": "binpack", "field": "MEMORY"}]).placements) == [
        "b"
    ]


def test_spread_over_availability_zones_alternates_zones():
    cluster = [inst("a1", az="us-east-1a"), inst("a2", az="us-east-1a"), inst("b1", "us-east-1b")]
    az_only = [{"type": "spread", "field": "attribute:ecs.availability-zone"}]
    result = run(cluster, count=4, strategy=az_only)
    # Ties inside a zone fall back to input order.
    assert names(result.placements) == ["a1", "b1", "a1", "b1"]

    result = run(cluster, count=4, strategy=SERVICE_DEFAULT_STRATEGY)
    assert names(result.placements) == ["a1", "b1", "a2", "b1"]


def test_spread_by_zone_counts_existing_tasks_even_on_instances_that_cannot_take_more():
    cluster = [
        inst("a1", az="us-east-1a"),
        inst("b-full", az="us-east-1b", cpu=0, groups=Counter({"family:web": 3})),
        inst("b1", az="us-east-1b"),
    ]
    strategy = [{"type": "spread", "field": "attribute:ecs.availability-zone"}]
    result = run(cluster, count=4, strategy=strategy)
    # Zone b already runs 3 web tasks, so zone a gets tasks until it catches up.
    assert names(result.placements) == ["a1", "a1", "a1", "a1"]
    result = run(cluster, count=5, strategy=strategy)
    assert names(result.placements)[-1] == "b1"


def test_spread_instance_id_puts_one_task_per_instance_before_doubling_up():
    cluster = [inst("x"), inst("y"), inst("z")]
    for field_name in ("instanceId", "host"):
        result = run(cluster, count=6, strategy=[{"type": "spread", "field": field_name}])
        assert names(result.placements) == ["x", "y", "z", "x", "y", "z"]


def test_spread_instance_id_counts_tasks_already_running_in_the_group():
    cluster = [inst("busy", groups={"family:web": 2}), inst("idle")]
    result = run(cluster, count=3, strategy=[{"type": "spread", "field": "instanceId"}])
    assert names(result.placements) == ["idle", "idle", "busy"]


def test_random_is_deterministic_with_a_seed_and_only_picks_feasible_instances():
    cluster = [
        inst("ok1"),
        inst("tiny", memory=100),
        inst("ok2"),
        inst("draining", status="DRAINING"),
        inst("ok3"),
    ]
    first = run(cluster, count=12, strategy=[{"type": "random"}], seed=42)
    again = run(cluster, count=12, strategy=[{"type": "random"}], seed=42)
    assert first.placements == again.placements
    assert len(first.placements) == 12
    assert set(names(first.placements)) <= {"ok1", "ok2", "ok3"}
    # It really is random: 12 draws did not all land on one instance.
    assert len(set(first.placements)) > 1
    # strategy=None means random too (RunTask's default), drawn from the same rng.
    assert run(cluster, count=12, strategy=None, seed=42).placements == first.placements


# --- Constraints ---------------------------------------------------------------------------


def test_distinct_instance_refuses_a_second_task_of_the_group_on_an_instance():
    cluster = [inst("a"), inst("b")]
    result = run(cluster, count=3, constraints=[{"type": "distinctInstance"}])
    assert sorted(names(result.placements)) == ["a", "b"]
    assert result.failures == [
        {"arn": ARN + "a", "reason": REASON_DISTINCT_INSTANCE},
        {"arn": ARN + "b", "reason": REASON_DISTINCT_INSTANCE},
    ]


def test_distinct_instance_counts_tasks_already_running_but_not_other_groups():
    cluster = [inst("has-web", groups={"family:web": 1}), inst("has-api", groups={"family:api": 4})]
    result = run(cluster, count=1, constraints=[{"type": "distinctInstance"}])
    assert names(result.placements) == ["has-api"]


MIXED = [
    inst("micro-a", az="us-east-1a", itype="t3.micro", attributes={"team": "blue"}),
    inst("large-b", az="us-east-1b", itype="t3.large"),
    inst("m5-c", az="us-east-1c", itype="m5.large", attributes={"team": "red"}),
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:ecs.instance-type == t3.large", {"large-b"}),
        ("attribute:ecs.instance-type != t3.large", {"micro-a", "m5-c"}),
        ("attribute:ecs.instance-type in [t3.micro, m5.large]", {"micro-a", "m5-c"}),
        ("attribute:ecs.instance-type not in [t3.micro, m5.large]", {"large-b"}),
        ("attribute:ecs.instance-type !in [t3.micro]", {"large-b", "m5-c"}),
        ("attribute:ecs.instance-type =~ t3.*", {"micro-a", "large-b"}),
        ("attribute:ecs.instance-type !~ t3.*", {"m5-c"}),
        ("attribute:ecs.instance-type =~ *.large", {"large-b", "m5-c"}),
        ("attribute:ecs.availability-zone == us-east-1c", {"m5-c"}),
        (
            "attribute:ecs.instance-type =~ t3.* and attribute:ecs.availability-zone == us-east-1b",
            {"large-b"},
        ),
        (
            "attribute:ecs.availability-zone == us-east-1a or attribute:ecs.instance-type "
            "== m5.large",
            {"micro-a", "m5-c"},
        ),
        ("not attribute:ecs.instance-type =~ t3.*", {"m5-c"}),
        (
            "(attribute:ecs.availability-zone in [us-east-1a, us-east-1b] or "
            "attribute:team == red) and not attribute:ecs.instance-type == t3.micro",
            {"large-b", "m5-c"},
        ),
        ("attribute:team exists", {"micro-a", "m5-c"}),
        ("attribute:team not exists", {"large-b"}),
        ("attribute:team != blue", {"large-b", "m5-c"}),
        ("ec2InstanceId == i-large-b", {"large-b"}),
        ("attribute:ecs.instance-type == 't3.micro' AND attribute:team == \"blue\"", {"micro-a"}),
    ],
)
def test_member_of_expressions_select_the_right_instances(expression, expected):
    constraints = [{"type": "memberOf", "expression": expression}]
    spread = [{"type": "spread", "field": "instanceId"}]
    result = run(MIXED, count=3, strategy=spread, constraints=constraints)
    # Spreading 3 tasks touches every eligible instance, and only those.
    assert set(names(result.placements)) == expected
    assert len(result.placements) == 3


def test_member_of_unmet_is_reported_with_its_reason():
    result = run(
        MIXED,
        count=1,
        constraints=[{"type": "memberOf", "expression": "attribute:ecs.instance-type == c7g.xl"}],
    )
    assert result.placements == []
    assert [f["reason"] for f in result.failures] == [REASON_MEMBER_OF] * 3


def test_parse_expression_is_reusable_on_plain_mappings():
    is_small_t3 = parse_expression("attribute:ecs.instance-type in [t3.micro, t3.small]")
    assert is_small_t3({"ecs.instance-type": "t3.small"}) is True
    assert is_small_t3({"ecs.instance-type": "t3.large"}) is False
    assert is_small_t3({}) is False
    newer = parse_expression("attribute:generation >= 5")
    assert newer({"generation": "10"}) is True  # numeric, not "10" < "5" as text
    assert newer({"generation": "4"}) is False


@pytest.mark.parametrize(
    "expression",
    [
        "   ",
        "attribute:ecs.instance-type",
        "attribute:ecs.instance-type ==",
        "attribute:ecs.instance-type == t3.micro and",
        "attribute:ecs.instance-type in [t3.micro, t3.large",
        "attribute:ecs.instance-type in t3.micro",
        "(attribute:ecs.instance-type == t3.micro",
        "ecs.instance-type == t3.micro",
        "attribute:ecs.instance-type = t3.micro",
        "attribute:ecs.instance-type == 't3.micro",
        "attribute:a == b c",
        "task:group == databases",
    ],
)
def test_malformed_expressions_are_refused_with_a_query_language_hint(expression):
    with pytest.raises(InvalidParameterError) as caught:
        run(MIXED, constraints=[{"type": "memberOf", "expression": expression}])
    assert "cluster query language" in str(caught.value)
    assert caught.value.code == "InvalidParameterException"
    assert caught.value.hint and "attribute:" in caught.value.hint


# --- Resource failures ---------------------------------------------------------------------


def test_resource_reasons_name_what_is_missing():
    cluster = [
        inst("no-cpu", cpu=100),
        inst("no-cpu-no-mem", cpu=100, memory=100),  # CPU is checked first
        inst("no-mem", memory=100),
        inst("port-80", ports={80, 443}),
    ]
    shape = TaskShape(cpu=256, memory=512, host_ports=(80,), group="family:web")
    result = run(cluster, shape)
    assert result.placements == []
    assert result.failures == [
        {"arn": ARN + "no-cpu", "reason": REASON_CPU},
        {"arn": ARN + "no-cpu-no-mem", "reason": REASON_CPU},
        {"arn": ARN + "no-mem", "reason": REASON_MEMORY},
        {"arn": ARN + "port-80", "reason": REASON_PORTS},
    ]


def test_the_same_host_port_twice_on_one_instance_fails_with_ports():
    shape = TaskShape(cpu=256, memory=512, host_ports=(80,), group="family:web")
    result = run([inst("only")], shape, count=2)
    assert names(result.placements) == ["only"]
    assert result.failures == [{"arn": ARN + "only", "reason": REASON_PORTS}]


def test_dynamic_host_port_zero_never_clashes():
    shape = TaskShape(cpu=256, memory=512, host_ports=(0,), group="family:web")
    result = run([inst("only", ports={0, 8080})], shape, count=3)
    assert names(result.placements) == ["only"] * 3


def test_resources_run_out_as_tasks_are_placed():
    result = run([inst("small", cpu=512, memory=8192)], count=3)
    assert len(result.placements) == 2
    assert result.failures == [{"arn": ARN + "small", "reason": REASON_CPU}]


# --- Draining, empty clusters, inputs ------------------------------------------------------


def test_draining_instances_are_never_chosen_nor_reported():
    cluster = [inst("draining", status="DRAINING", memory=600), inst("active", cpu=512)]
    result = run(cluster, count=3, strategy=[{"type": "binpack", "field": "memory"}])
    assert names(result.placements) == ["active", "active"]
    assert result.failures == [{"arn": ARN + "active", "reason": REASON_CPU}]


def test_no_active_instance_gives_an_empty_result_for_the_caller_to_report():
    assert run([], count=2).placements == []
    assert run([], count=2).failures == []
    only_draining = run([inst("d", status="DRAINING")], count=2)
    assert (only_draining.placements, only_draining.failures) == ([], [])
    assert NO_INSTANCES_MESSAGE == "No Container Instances were found in your cluster."


def test_place_does_not_mutate_its_inputs():
    cluster = [
        inst("a", ports={22}, groups=Counter({"family:web": 1})),
        inst("b", az="us-east-1b", groups={"service:api": 2}),
    ]
    strategy = [{"type": "spread", "field": "attribute:ecs.availability-zone"}]
    constraints = [{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]
    shape = TaskShape(cpu=256, memory=512, host_ports=(80, 0), group="family:web")
    before = copy.deepcopy((cluster, strategy, constraints, shape))
    result = run(cluster, shape, 2, strategy, constraints)
    assert len(result.placements) == 2
    assert (cluster, strategy, constraints, shape) == before
    assert cluster[0].groups == {"family:web": 1} and cluster[0].ports == {22}


def test_count_zero_places_nothing_and_negative_count_is_refused():
    assert run([inst("a")], count=0).placements == []
    with pytest.raises(InvalidParameterError):
        run([inst("a")], count=-1)


# --- Validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "in_message", "in_hint"),
    [
        ([{"type": "pack", "field": "cpu"}], "Invalid placement strategy type 'pack'", "binpack"),
        ([{"type": "binpack", "field": "disk"}], "Valid fields are: cpu, memory", "spread"),
        ([{"type": "binpack"}], "Invalid field None", "memory"),
        ([{"type": "spread", "field": "az"}], "instanceId, host, attribute:<name>", "random"),
        ([{"type": "spread", "field": "attribute:"}], "Invalid field", "attribute:<name>"),
        ([{"type": "random"}] * 6, "exceeds the maximum allowed of 5", "at most 5"),
        ({"type": "random"}, "must be a list", "[{"),
    ],
)
def test_invalid_strategies_are_refused(strategy, in_message, in_hint):
    with pytest.raises(InvalidParameterError) as caught:
        run([inst("a")], strategy=strategy)
    assert in_message in caught.value.message
    assert in_hint in caught.value.hint


@pytest.mark.parametrize(
    ("constraints", "in_message"),
    [
        ([{"type": "distinctInstance"}] * 11, "exceeds the maximum allowed of 10"),
        ([{"type": "sameZone"}], "Invalid placement constraint type 'sameZone'"),
        ([{"type": "memberOf"}], "requires an expression"),
        ([{"type": "distinctInstance", "expression": "attribute:a == b"}], "cannot be specified"),
    ],
)
def test_invalid_constraints_are_refused_even_on_an_empty_cluster(constraints, in_message):
    with pytest.raises(InvalidParameterError) as caught:
        run([], constraints=constraints)
    assert in_message in caught.value.message
    assert caught.value.hint
    with pytest.raises(InvalidParameterError):
        validate_placement(None, constraints)


# --- Service scheduler helpers -------------------------------------------------------------


def test_closest_match_names_the_nearest_instance_and_what_it_lacks():
    cluster = [
        inst("way-off", cpu=10, memory=10),
        inst("near", memory=400),
        inst("far", memory=100),
        inst("draining", status="DRAINING", memory=511),
    ]
    assert closest_match(cluster, WEB) == (ARN + "near", CLOSEST_MEMORY)
    assert closest_match([inst("c", cpu=100)], WEB) == (ARN + "c", CLOSEST_CPU)
    ported = TaskShape(cpu=256, memory=512, host_ports=(80,), group="service:web")
    assert closest_match([inst("p", ports={80})], ported) == (ARN + "p", CLOSEST_PORTS)
    # Something fits on resources, so resources are not the problem.
    assert closest_match([inst("fits")], WEB) is None
    assert closest_match([], WEB) is None


def test_closest_match_message_uses_ecs_wording():
    message = closest_match_message("web", [inst("near", memory=400)], WEB)
    assert message == (
        "service web was unable to place a task because no container instance met all of its "
        "requirements. The closest matching (container-instance near) has insufficient memory "
        "available. For more information, see the Troubleshooting section."
    )
    ported = TaskShape(cpu=256, memory=512, host_ports=(80,), group="service:web")
    assert "(container-instance p) is already using a port required by your task." in (
        closest_match_message("web", [inst("p", ports={80})], ported)
    )
    assert closest_match_message("web", [], WEB).endswith("Reason: " + NO_INSTANCES_MESSAGE)


# --- Scale ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy",
    [SERVICE_DEFAULT_STRATEGY, [{"type": "binpack", "field": "memory"}], None],
)
def test_a_thousand_tasks_on_a_hundred_instances_never_overcommit(strategy):
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    cluster = [inst(f"n{i:03}", az=zones[i % 3], cpu=2048, memory=4096) for i in range(100)]
    result = run(cluster, WEB, 1000, strategy)
    # Each instance fits 8 tasks (2048 / 256 CPU, 4096 / 512 MiB): 800 placed, then stop.
    assert len(result.placements) == 800
    per_instance = Counter(result.placements)
    assert max(per_instance.values()) == 8 and len(per_instance) == 100
    assert sum(per_instance.values()) * WEB.cpu <= sum(c.cpu for c in cluster)
    assert {f["reason"] for f in result.failures} == {REASON_CPU}
    assert len(result.failures) == 100
