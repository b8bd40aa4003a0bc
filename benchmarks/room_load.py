"""Load test for a workshop room: N learners run a lesson flow at once against one room.

    python benchmarks/room_load.py 30            # 30 learner processes
    python benchmarks/room_load.py 10 --keep 0   # 10, leaving nothing behind

Each learner is its own process (as a learner's kernel is) and runs: join, an ECS cluster
with two instances and four tasks, an EKS cluster with a nodegroup and a two-pod deployment,
teardown; then (``--keep``, default 1) it builds an ECS cluster with two instances and an EKS
cluster with a nodegroup again and leaves them, so the room is full when a late joiner comes.
Printed: p50/p95 latency of every AWS call (as the learner's boto3 saw it), errors, the
learners' flow times, a late joiner's ``Lab(join=...)`` open time (during the load and with
every learner's state present), and the room server's RSS (peak and at the end).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVICES = ("sts", "ec2", "ecs", "eks", "iam", "autoscaling", "ssm", "ecr")


def learner(code: str, keep: int) -> dict:
    """One learner's flow; returns per-call latencies, errors and phase times."""
    from awscontainers import Lab
    from awscontainers.manifests import sample_deployment

    calls: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    phases: dict[str, float] = {}

    def timed_lab() -> Lab:
        t0 = time.perf_counter()
        lab = Lab(join=code)
        phases["open"] = time.perf_counter() - t0

        def before(context: dict, **_: object) -> None:
            context["load_t0"] = time.perf_counter()

        def after(context: dict, model: object, **_: object) -> None:
            if "load_t0" in context:
                calls[f"{model.service_model.service_name}.{model.name}"].append(
                    time.perf_counter() - context["load_t0"]
                )

        for service in SERVICES:
            events = lab.client(service).meta.events
            events.register("before-call", before)
            events.register("after-call", after)
        return lab

    def step(name: str, fn) -> None:
        t0 = time.perf_counter()
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - a load test counts every failure
            errors.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0

    t_start = time.perf_counter()
    lab = timed_lab()

    def ecs() -> None:
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
        lab.ecs.register_task_definition(
            family="api",
            containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 256, "memory": 512}],
        )
        result = lab.ecs.run_task(cluster="web", taskDefinition="api", count=4)
        assert len(result["tasks"]) == 4, result["failures"]

    def eks() -> None:
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="ng",
            scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
        )
        k = lab.kube("demo")
        k.apply(sample_deployment(2))
        assert all(p["phase"] == "Running" for p in k.pods_table())

    def keep_some() -> None:
        for _ in range(keep):
            lab.ecs.create_cluster(clusterName="kept")
            lab.ecs.launch_instances("kept", count=2, instance_type="t3.medium")
            lab.eks.create_cluster(name="kept")
            lab.eks.create_nodegroup(
                clusterName="kept",
                nodegroupName="ng",
                scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
            )

    step("ecs", ecs)
    step("eks", eks)
    step("teardown", lab.teardown)
    step("keep", keep_some)
    phases["flow"] = time.perf_counter() - t_start
    return {"calls": calls, "errors": errors, "phases": phases}


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def late_join(code: str) -> tuple[float, float]:
    """A fresh process's ``Lab(join=...)`` open time in seconds (imports excluded), and the
    part of it spent waiting for the room's health check."""
    script = (
        f"import time, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from awscontainers import Lab\n"
        "from awscontainers.room import JoinCode\n"
        "from awscontainers.server import room_health\n"
        f"t0 = time.perf_counter(); room_health(JoinCode.parse({code!r}).url)\n"
        f"t1 = time.perf_counter(); Lab(join={code!r}); t2 = time.perf_counter()\n"
        "print(t2 - t1, t1 - t0)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    lab_open, health = out.stdout.strip().splitlines()[-1].split()
    return float(lab_open), float(health)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=30)
    parser.add_argument("--keep", type=int, default=1, help="clusters each learner leaves")
    args = parser.parse_args()

    from awscontainers.server import start_server

    room = start_server()
    pid = room.process.pid
    peak = [rss_mib(pid)]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            peak.append(rss_mib(pid))

    threading.Thread(target=sample, daemon=True).start()
    print(f"room at {room.url}, RSS {peak[0]:.0f} MiB at start; {args.n} learners start now")
    t0 = time.perf_counter()
    procs = []
    for i in range(args.n):
        code = room.join_code(f"learner{i:02d}")
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--as-learner", code, "--keep", str(args.keep)],
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    # A late joiner while everyone is busy.
    during = late_join(room.join_code("latecomer1"))
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        try:
            results.append(json.loads(out.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            results.append(
                {"calls": {}, "errors": [f"learner exited {proc.returncode}"], "phases": {}}
            )
    wall = time.perf_counter() - t0
    after = late_join(room.join_code("latecomer2"))
    census = room.census()
    stop.set()
    end_rss = rss_mib(pid)
    room.stop()

    calls: dict[str, list[float]] = defaultdict(list)
    errors = []
    flows = []
    opens = []
    for r in results:
        for op, values in r["calls"].items():
            calls[op].extend(values)
        errors.extend(r["errors"])
        if "flow" in r["phases"]:
            flows.append(r["phases"]["flow"])
            opens.append(r["phases"]["open"])
    all_calls = [v for values in calls.values() for v in values]
    print(
        f"\n{args.n} learners finished in {wall:.1f} s; {len(all_calls)} AWS calls; "
        f"{len(errors)} errors"
    )
    for e in errors[:20]:
        print("  error:", e)
    print(f"\n{'call':<46} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for op in sorted(calls, key=lambda o: -len(calls[o])):
        values = calls[op]
        print(
            f"{op:<46} {len(values):>6} {percentile(values, 0.5) * 1000:>8.1f} "
            f"{percentile(values, 0.95) * 1000:>8.1f}"
        )
    print(
        f"{'all calls':<46} {len(all_calls):>6} {percentile(all_calls, 0.5) * 1000:>8.1f} "
        f"{percentile(all_calls, 0.95) * 1000:>8.1f}"
    )
    if flows:
        print(
            f"\nlearner flow: median {statistics.median(flows):.1f} s, max {max(flows):.1f} s;"
            f" Lab(join=...) open in the flow: median {statistics.median(opens) * 1000:.0f} ms,"
            f" max {max(opens) * 1000:.0f} ms"
        )
    print(
        f"late joiner Lab(join=...) open: {during[0] * 1000:.0f} ms during the load (health "
        f"check {during[1] * 1000:.0f} ms), {after[0] * 1000:.0f} ms after it (health check "
        f"{after[1] * 1000:.0f} ms) with {len(census['learners'])} learners' state present"
    )
    held = census["learners"].values()
    print(
        f"room holds: {sum(r['instances'] for r in held)} instances, "
        f"{sum(r['ecs_clusters'] for r in held)} ECS clusters, "
        f"{sum(r['eks_clusters'] for r in held)} EKS clusters, "
        f"${census['hourly_usd']:.2f}/hour"
    )
    print(
        f"room server RSS: {peak[0]:.0f} MiB at start, peak {max(peak):.0f} MiB, "
        f"{end_rss:.0f} MiB at the end"
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--as-learner":
        keep = int(sys.argv[sys.argv.index("--keep") + 1]) if "--keep" in sys.argv else 1
        print(json.dumps(learner(sys.argv[2], keep)))
    else:
        main()
