"""The ECS service scheduler's scale-in order, and the indexes that keep a day of tasks quick."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import Lab
from awscontainers.sim.ecs.services import Services


def one_at_a_time(running: list[dict], count: int) -> list[dict]:
    """The rule stated plainly: while too many, stop the newest task still waiting for an
    instance; else the newest task of the zone with the most tasks (of the tied zones, the
    one whose task is newest)."""
    running, victims = list(running), []
    while len(victims) < count:
        waiting = [t for t in running if t["lastStatus"] == "PROVISIONING"]
        if waiting:
            victim = waiting[-1]
        else:
            by_az: dict[str, int] = {}
            for t in running:
                by_az[t.get("availabilityZone") or ""] = (
                    by_az.get(t.get("availabilityZone") or "", 0) + 1
                )
            busiest = max(by_az.values())
            victim = [t for t in running if by_az[t.get("availabilityZone") or ""] == busiest][-1]
        running.remove(victim)
        victims.append(victim)
    return victims


tasks = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", ""]),
        st.sampled_from(["RUNNING", "PROVISIONING", "PENDING"]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(tasks, st.data())
def test_scale_in_stops_the_same_tasks_as_one_at_a_time(spec, data):
    running = [
        {
            "taskArn": f"t{i}",
            "availabilityZone": f"us-east-1{az}" if az else None,
            "lastStatus": status,
        }
        for i, (az, status) in enumerate(spec)
    ]
    count = data.draw(st.integers(0, len(running)))
    got = Services._scale_in_victims(None, running, count)  # type: ignore[arg-type]
    assert [t["taskArn"] for t in got] == [t["taskArn"] for t in one_at_a_time(running, count)]


def test_live_tasks_and_subnet_counts_stay_true_through_a_day_of_churn():
    """The kept indexes (live tasks per cluster, ENIs per subnet) always equal what a full
    count of the tasks gives, through scale-out and scale-in and a snapshot read back."""
    from awscontainers.oneday import _SETUP, WORKING_DAY, Size

    with Lab() as lab:
        _SETUP["ecs-fargate"](lab, {"service-auto-scaling"}, Size(3))
        lab.day2.load_service("day", "web", WORKING_DAY.times(3))
        peak = 0
        for hour in range(1, 9):
            lab.run(until=dt.timedelta(hours=hour), step=dt.timedelta(minutes=5))
            if hour == 4:  # read back from a snapshot: the indexes are rebuilt from the tasks
                lab.restore(lab.snapshot())
            ecs = lab.ecs_sim
            live = [a for a, t in ecs._tasks.items() if t["lastStatus"] != "STOPPED"]
            assert [t["taskArn"] for t in ecs.live_tasks("day")] == live
            counted: dict[str, int] = {}
            for arn in live:
                subnet = ecs._alloc[arn]["subnet"]
                counted[subnet] = counted.get(subnet, 0) + 1
            kept = {s: n for s, n in ecs._tasks_per_subnet().items() if n}
            assert kept == counted
            enis = lab.client("ec2").describe_network_interfaces()["NetworkInterfaces"]
            assert len(enis) == len(live)
            peak = max(peak, len(live))
        assert peak > 6  # it scaled out (and back in: the day's load falls after 14:00)
