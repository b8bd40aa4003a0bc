# %% [markdown]
# [< EKS with self-managed nodes](04-eks-self-managed.ipynb) | [Contents](00-start-here.ipynb) | [EKS on Fargate >](06-eks-fargate.ipynb)

# %% [markdown]
# # EKS with a managed nodegroup
#
#
# EKS runs the Kubernetes control plane for you: AWS operates it in its own account,
# replicated across three Availability Zones, and it is **not free** (0.10 USD per cluster-hour
# in standard support). What differs between the three EKS lessons is who brings the worker
# nodes.
#
# A **managed nodegroup** creates and deletes the EC2 instances for you (a launch template
# and an Auto Scaling group under the hood), installs what the nodes need (containerd,
# kubelet, kube-proxy) and authorises them. Still yours: starting OS updates (AMI version
# upgrades), and scaling: there is **no node autoscaling out of the box**.

# %%
from awscontainers import Lab, modes
from awscontainers.widgets import NodegroupPanel, NodeView, WorkloadPanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

modes.get("eks-nodegroup")

# %%
responsibility_diagram("eks-nodegroup")

# %%
architecture_diagram("eks-nodegroup")

# %%
lab = Lab()
lab.eks.create_cluster(name="demo")["cluster"]["status"]

# %% [markdown]
# One call makes the nodegroup. Its size is checked: minSize <= desiredSize <= maxSize.

# %%
group = lab.eks.create_nodegroup(
    clusterName="demo",
    nodegroupName="workers",
    scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 5},
    instanceTypes=["t3.medium"],
)["nodegroup"]
group["status"], group["scalingConfig"]

# %% [markdown]
# The instances are real EC2 instances in your account, tagged by EKS, and they joined by themselves:

# %%
view = NodeView(lab, "demo")
HTML(view.html())

# %% [markdown]
# ## Run the sample workload

# %%
work = WorkloadPanel(lab, "demo", view=view)
work.replicas.value = 8
work.button.click()
HTML(work.output.value)

# %% [markdown]
# Pending pods stay pending: nothing adds nodes until you do (or until you install Cluster Autoscaler or Karpenter).

# %%
scale = NodegroupPanel(lab, "demo", "workers", view=view)
scale.desired.value = 3
scale

# %%
scale.button.click()
HTML(view.html())

# %%
lab.diagram("demo")

# %%
work.daemonset_button.click()
lab.kube("demo").pods_table("kube-system")

# %% [markdown]
# ## A GPU nodegroup
#
# For GPUs, make a nodegroup of a GPU instance type: a g4dn.xlarge has one NVIDIA T4. Its node
# advertises `nvidia.com/gpu` (on AWS the EKS-optimized NVIDIA AMI and the NVIDIA device
# plugin do that; the lab assumes both), and a pod asks for GPUs under `limits`. One GPU, one
# pod: the second waits, and `explain` says why on every node.

# %%
lab.eks.create_nodegroup(
    clusterName="demo",
    nodegroupName="gpu",
    instanceTypes=["g4dn.xlarge"],
    scalingConfig={"minSize": 1, "desiredSize": 1, "maxSize": 1},
)["nodegroup"]["status"]

# %%
from awscontainers.manifests import sample_gpu_pod

k = lab.kube("demo")
k.apply(sample_gpu_pod("train-1", gpus=1))
k.apply(sample_gpu_pod("train-2", gpus=1))
k.explain("train-2")

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
# [< EKS with self-managed nodes](04-eks-self-managed.ipynb) | [Contents](00-start-here.ipynb) | [EKS on Fargate >](06-eks-fargate.ipynb)
