"""Interactive panels (ipywidgets 8) for the notebooks.

Each panel is a small object: leave it as the last expression of a cell to show it
(``view = ClusterView(lab, "web"); view``), read ``panel.output.value`` for what it shows,
and drive it from code by setting widget values and calling ``panel.button.click()``.

* :class:`ClusterView` - container instances (CPU and memory used and free, tasks) and
  Fargate tasks of one cluster.
* :class:`LaunchPanel` - launch EC2 instances that join the cluster.
* :class:`RunTaskPanel` - run tasks with a placement strategy and constraint.
* :class:`ServicePanel` - scale a service and drain an instance; read the service events.
* :class:`FargateSizePicker` / :class:`FargateRunPanel` - choose a Fargate size (invalid
  pairs are explained) and run a Fargate task.
* :class:`NodeView` - an EKS cluster's nodes (CPU, memory and pod slots requested and
  free, their pods), pending pods with the scheduler's reason, instances that did not join.
* :class:`SelfManagedPanel` - launch self-managed nodes and authorise their role.
* :class:`NodegroupPanel` - scale a managed nodegroup.
* :class:`WorkloadPanel` - apply the sample Deployment and DaemonSet; pods running/pending.
* :class:`ExplainPanel` - why a pending pod fits on no node: each scheduler plugin's verdict.
"""

from __future__ import annotations

from .ecs import (
    CONSTRAINTS,
    INSTANCE_TYPES,
    PLACEMENT_STRATEGIES,
    ClusterView,
    FargateRunPanel,
    FargateSizePicker,
    LaunchPanel,
    RunTaskPanel,
    ServicePanel,
)
from .eks import (
    SELF_MANAGED_INSTANCE_TYPES,
    ExplainPanel,
    NodegroupPanel,
    NodeView,
    SelfManagedPanel,
    WorkloadPanel,
)

__all__ = [
    "CONSTRAINTS",
    "INSTANCE_TYPES",
    "PLACEMENT_STRATEGIES",
    "ClusterView",
    "ExplainPanel",
    "FargateRunPanel",
    "FargateSizePicker",
    "LaunchPanel",
    "RunTaskPanel",
    "SELF_MANAGED_INSTANCE_TYPES",
    "NodeView",
    "NodegroupPanel",
    "SelfManagedPanel",
    "WorkloadPanel",
    "ServicePanel",
]
