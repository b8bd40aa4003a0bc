"""Memory per Lab(): open, use and close N in-process labs in one process; print RSS.

    python benchmarks/lab_memory.py            # 50 lesson flows
    python benchmarks/lab_memory.py 20 --bare  # 20 x Lab().close(), nothing else

Each flow makes an ECS cluster with two instances and four tasks, an EKS cluster with a
nodegroup and a two-pod deployment, then tears down and closes. The figure to watch is the
growth from after the first flow (imports and moto's loaded data are paid once) to the end.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from pathlib import Path


def rss_mib() -> float:
    """Resident memory now (Linux /proc), in MiB; falls back to the peak elsewhere."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def flow(bare: bool) -> None:
    from awscontainers import Lab
    from awscontainers.manifests import sample_deployment

    lab = Lab()
    if not bare:
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
        lab.ecs.register_task_definition(
            family="api",
            containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 256, "memory": 512}],
        )
        lab.ecs.run_task(cluster="web", taskDefinition="api", count=4)
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(
            clusterName="demo",
            nodegroupName="ng",
            scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 2},
        )
        lab.kube("demo").apply(sample_deployment(2))
        lab.teardown()
    lab.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=50)
    parser.add_argument("--bare", action="store_true", help="Lab().close() only")
    args = parser.parse_args()
    from awscontainers.moto_state import tracked_count

    start = rss_mib()
    t0 = time.perf_counter()
    flow(args.bare)
    gc.collect()
    after_first = rss_mib()
    for i in range(1, args.n):
        flow(args.bare)
        if (i + 1) % 10 == 0:
            gc.collect()
            print(
                f"after {i + 1:3d} labs: RSS {rss_mib():7.1f} MiB, moto tracked objects "
                f"{tracked_count()}",
                flush=True,
            )
    gc.collect()
    end = rss_mib()
    print(
        f"{args.n} {'bare ' if args.bare else ''}lab flows in {time.perf_counter() - t0:.1f} s: "
        f"RSS {start:.1f} MiB at start, {after_first:.1f} after the first, {end:.1f} at the end; "
        f"growth after the first {end - after_first:+.1f} MiB "
        f"({(end - after_first) / max(1, args.n - 1):+.2f} MiB per lab)"
    )


if __name__ == "__main__":
    main()
