"""What saving a lab's simulator costs: snapshot size (JSON, compressed) and the time to
write and read it back, for a lesson-sized lab and a large one.

    python benchmarks/snapshot_size.py
"""

from __future__ import annotations

import json
import time
import zlib

from awscontainers import Lab
from awscontainers.manifests import sample_deployment


def build(tasks: int, pods: int, instances: int, nodes: int) -> Lab:
    lab = Lab()
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=instances, instance_type="m5.4xlarge")
    lab.ecs.register_task_definition(
        family="api",
        containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 128, "memory": 256}],
    )
    left = tasks
    while left:
        batch = min(left, 10)
        lab.ecs.run_task(cluster="web", taskDefinition="api", count=batch)
        left -= batch
    lab.eks.create_cluster(name="demo")
    lab.eks.create_nodegroup(
        clusterName="demo",
        nodegroupName="ng",
        instanceTypes=["m5.4xlarge"],
        scalingConfig={"minSize": nodes, "desiredSize": nodes, "maxSize": nodes},
    )
    lab.kube("demo").apply(sample_deployment(pods))
    return lab


def measure(name: str, lab: Lab) -> None:
    t0 = time.perf_counter()
    snapshot = lab.snapshot()
    text = json.dumps(snapshot, separators=(",", ":")).encode()
    packed = zlib.compress(text, 6)
    t1 = time.perf_counter()
    lab.restore(json.loads(zlib.decompress(packed)))
    t2 = time.perf_counter()
    print(
        f"{name:<34} {lab.running_summary()}\n"
        f"{'':<34} JSON {len(text) / 1024:,.0f} KiB, sent {len(packed) / 1024:,.0f} KiB; "
        f"write {1000 * (t1 - t0):,.0f} ms, read back {1000 * (t2 - t1):,.0f} ms"
    )


def main() -> None:
    measure("lesson (4 tasks, 2 pods)", build(4, 2, 2, 1))
    measure("large (1,000 tasks, 1,000 pods)", build(1000, 1000, 30, 30))


if __name__ == "__main__":
    main()
