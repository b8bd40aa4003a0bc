# %% [markdown]
# [< EKS with a managed nodegroup](05-eks-managed-nodegroup.ipynb) | [Contents](00-start-here.ipynb) | [Compare and choose >](07-compare-and-choose.ipynb)

# %% [markdown]
# # EKS on Fargate
#
#
# EKS runs the Kubernetes control plane for you: AWS operates it in its own account,
# replicated across three Availability Zones, and it is **not free** (0.10 USD per cluster-hour
# in standard support). What differs between the three EKS lessons is who brings the worker
# nodes.
#
# With a **Fargate profile**, pods that match it run on Fargate: AWS provisions a node for
# **each pod**, sized to what the pod requests, and you see no instance in your account. That
# is also why Fargate does not suit DaemonSets (one node per pod leaves nothing to run beside
# it) or stateful apps on EBS volumes.

# %%
from awscontainers import Lab, LabError, fargate, modes
from awscontainers.widgets import NodeView, WorkloadPanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

modes.get("eks-fargate")

# %%
responsibility_diagram("eks-fargate")

# %%
architecture_diagram("eks-fargate")

# %%
lab = Lab()
lab.eks.create_cluster(name="demo")["cluster"]["status"]

# %% [markdown]
# ## A Fargate profile: which pods go to Fargate

# %%
try:
    lab.eks.create_fargate_profile(
        clusterName="demo",
        fargateProfileName="public",
        selectors=[{"namespace": "serverless"}],
        subnets=lab.network().subnet_ids,
    )
except LabError as error:
    print(error)

# %%
profile = lab.eks.create_fargate_profile(
    clusterName="demo",
    fargateProfileName="serverless",
    selectors=[{"namespace": "serverless"}],
)["fargateProfile"]
profile["status"], profile["selectors"]


# %% [markdown]
# ## How big is a Fargate pod?
#
# The larger of the summed container requests and the largest init container, plus 256 MB
# for the kubelet, kube-proxy and containerd, rounded up to a Fargate size. The example from
# the EKS user guide: 1 vCPU and 8 GB requested become 2 vCPU and 9 GB.

# %%
def pod(cpu, memory):
    return {"spec": {"containers": [{"name": "app", "image": "x",
            "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}}

[(cpu, mem, fargate.capacity_annotation(*fargate.provisioned_capacity(pod(cpu, mem))))
 for cpu, mem in [("250m", "256Mi"), ("500m", "1Gi"), ("1", "8Gi"), ("2", "16Gi")]]

# %% [markdown]
# ## Run the sample workload on Fargate

# %%
k = lab.kube("demo")
k.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "serverless"}})
view = NodeView(lab, "demo")
work = WorkloadPanel(lab, "demo", view=view, namespace="serverless")
work.replicas.value = 3
work.button.click()
HTML(view.html())

# %% [markdown]
# Every pod got a node of its own, and none of them is an instance in your account:

# %%
len(lab.client("ec2").describe_instances()["Reservations"])

# %%
lab.diagram("demo")

# %% [markdown]
# ## What Fargate will not run

# %%
work.daemonset_button.click()
len(k.get("Pod", "kube-system")["items"])

# %%
k.apply({"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "root", "namespace": "serverless"},
         "spec": {"containers": [{"name": "a", "image": "nginx",
                                  "securityContext": {"privileged": True}}]}})
k.get("Pod", "serverless", "root")["status"]["conditions"][0]["message"]

# %% [markdown]
# A pod outside the profile has nowhere to go: this cluster has no EC2 nodes.

# %%
k.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray"},
         "spec": {"containers": [{"name": "a", "image": "nginx"}]}})
k.get("Pod", "default", "stray")["status"]["conditions"][0]["message"]

# %% [markdown]
# ## Scaling is the Deployment's replica count; Fargate brings a node per pod

# %%
work.replicas.value = 5
work.button.click()
k.pods_table("serverless")

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
# [< EKS with a managed nodegroup](05-eks-managed-nodegroup.ipynb) | [Contents](00-start-here.ipynb) | [Compare and choose >](07-compare-and-choose.ipynb)
