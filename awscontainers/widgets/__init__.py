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
* :class:`CleanupPanel` - delete everything the lab made, when you choose to.
* :class:`CostMeter` - what the lab costs now, per hour and so far (``lab.cost()``).

Every panel derives from :class:`~awscontainers.widgets.panel.Panel`: a stored notebook
keeps an HTML picture and a line of text beside the widget, so a lesson opened fresh (before
it runs) shows the panel as the lesson left it instead of widget code.
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
from .meter import CostMeter
from .panel import CleanupPanel, Panel

__all__ = [
    "CONSTRAINTS",
    "INSTANCE_TYPES",
    "PLACEMENT_STRATEGIES",
    "CleanupPanel",
    "ClusterView",
    "CostMeter",
    "ExplainPanel",
    "FargateRunPanel",
    "FargateSizePicker",
    "LaunchPanel",
    "RunTaskPanel",
    "SELF_MANAGED_INSTANCE_TYPES",
    "NodeView",
    "NodegroupPanel",
    "Panel",
    "SelfManagedPanel",
    "WorkloadPanel",
    "ServicePanel",
]
