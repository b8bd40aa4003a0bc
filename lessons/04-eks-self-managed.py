# %% [markdown]
# [< ECS on Fargate: no servers to run](03-ecs-on-fargate.ipynb) | [Contents](00-start-here.ipynb) | [EKS with a managed nodegroup >](05-eks-managed-nodegroup.ipynb)

# %% [markdown]
# # EKS with self-managed nodes
#
#
# EKS runs the Kubernetes control plane for you: AWS operates it in its own account,
# replicated across three Availability Zones, and it is **not free** (0.10 USD per cluster-hour
# in standard support). What differs between the three EKS lessons is who brings the worker
# nodes.
#
# Here **you** do it all for the nodes: create the EC2 instances, get the container runtime
# and the Kubernetes processes (containerd, kubelet, kube-proxy) onto them, **join them to the
# cluster**, check there is enough capacity, patch their OS and scale them.

# %%
from awscontainers import Lab, modes
from awscontainers.widgets import NodeView, SelfManagedPanel, WorkloadPanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

modes.get("eks-ec2")

# %%
responsibility_diagram("eks-ec2")

# %%
architecture_diagram("eks-ec2")

# %% [markdown]
# ## The control plane

# %%
lab = Lab()
lab.eks.create_cluster(name="demo")["cluster"]["status"]

# %%
lab.eks.control_plane("demo")

# %% [markdown]
# ## Joining a node takes two things
#
# 1. **User data** that tells `nodeadm` (on the EKS-optimized Amazon Linux 2023 AMI, which
#    ships containerd and the kubelet) which cluster to join: its name, API endpoint,
#    certificate authority and service CIDR.
# 2. **Permission**: the node's IAM role must be authorised in the cluster.

# %%
print(lab.eks.node_config("demo"))

# %%
view = NodeView(lab, "demo")
nodes = SelfManagedPanel(lab, "demo", view=view)
nodes

# %% [markdown]
# Launch two instances through a launch template and an Auto Scaling group:

# %%
nodes.button.click()
HTML(nodes.output.value)

# %% [markdown]
# The instances run (and cost money), but no node appeared: the kubelet was refused.

# %%
HTML(view.html())

# %% [markdown]
# Authorise the node role with an access entry of type `EC2_LINUX` (the older way is a `mapRoles` entry in the `aws-auth` ConfigMap):

# %%
nodes.authorise_button.click()
HTML(view.html())

# %% [markdown]
# ## Run the sample workload

# %%
work = WorkloadPanel(lab, "demo", view=view)
work.replicas.value = 8
work

# %%
work.button.click()
HTML(work.output.value)

# %% [markdown]
# Some pods are **Pending**: the scheduler says why, in its own words. Ask it node by node:
# `explain` runs each of kube-scheduler's filter plugins against every node and shows each
# verdict, the "why not this node?" that neither `kubectl` nor the AWS console shows.

# %%
k = lab.kube("demo")
pending = [p["metadata"]["name"] for p in k.get("pods")["items"] if p["status"]["phase"] == "Pending"]
k.explain(pending[0])

# %% [markdown]
# Every node is filtered out by `NodeResourcesFit`: not enough CPU or memory left. Checking
# capacity and adding nodes is your job here: scale the Auto Scaling group.

# %%
nodes.count.value = 3
nodes.button.click()
HTML(view.html())

# %%
lab.diagram("demo")

# %% [markdown]
# A DaemonSet puts one pod on every node, including nodes that join later:

# %%
work.daemonset_button.click()
lab.kube("demo").pods_table("kube-system")

# %%
[e['message'] for e in lab.kube('demo').events()][-3:]

# %% [markdown]
# What you would own for real with these nodes: the AMI choice and its updates, OS patching,
# the kubelet and containerd versions (kept in step with the control plane), the Auto Scaling
# group and its scaling, and the node role's permissions.

# %% [markdown]
# ## Clean up
#
# Cleaning up is your choice: the panels above keep working until you click. The button deletes
# everything this lab made, in dependency order (`lab.teardown()` does the same from code). In
# the simulation that empties the account; against real AWS it stops what costs money.

# %%
from awscontainers.widgets import CleanupPanel

CleanupPanel(lab)

# %% [markdown]
# [< ECS on Fargate: no servers to run](03-ecs-on-fargate.ipynb) | [Contents](00-start-here.ipynb) | [EKS with a managed nodegroup >](05-eks-managed-nodegroup.ipynb)
