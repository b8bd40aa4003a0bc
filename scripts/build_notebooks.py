"""Write the lesson notebooks from the cells below and run them, storing their outputs.

    python scripts/build_notebooks.py            # all
    python scripts/build_notebooks.py 02         # those whose name starts with 02

The cells live here so a lesson is edited as text and reviewed as a diff; the stored
outputs are what nbval compares on every `make test`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ORDER = [
    "00-start-here",
    "01-ecr",
    "02-ecs-on-ec2",
    "03-ecs-on-fargate",
    "04-eks-self-managed",
    "05-eks-managed-nodegroup",
    "06-eks-fargate",
    "07-compare-and-choose",
]
TITLES = {
    "00-start-here": "Start here",
    "01-ecr": "ECR: a registry for your images",
    "02-ecs-on-ec2": "ECS on EC2: servers you run",
    "03-ecs-on-fargate": "ECS on Fargate: no servers to run",
    "04-eks-self-managed": "EKS with self-managed nodes",
    "05-eks-managed-nodegroup": "EKS with a managed nodegroup",
    "06-eks-fargate": "EKS on Fargate",
    "07-compare-and-choose": "Compare and choose",
}


def nav(name: str) -> str:
    i = ORDER.index(name)
    prev = f"[< {TITLES[ORDER[i - 1]]}]({ORDER[i - 1]}.ipynb)" if i else ""
    nxt = f"[{TITLES[ORDER[i + 1]]} >]({ORDER[i + 1]}.ipynb)" if i + 1 < len(ORDER) else ""
    return " | ".join(p for p in (prev, "[Contents](00-start-here.ipynb)", nxt) if p)


def md(text: str) -> tuple[str, str]:
    return ("md", text.strip())


def code(text: str) -> tuple[str, str]:
    return ("code", text.strip())


LESSONS: dict[str, list[tuple[str, str]]] = {}

LESSONS["00-start-here"] = [
    md("""
# awscontainers: the ways AWS runs containers

Three services, five classic ways to host containers, and one question that decides most of
the difference: **who runs the servers, you or AWS?**

- **ECR** keeps your container images (a private registry, like Docker Hub or Nexus).
- **ECS** is AWS's own orchestrator; its control plane is free.
- **EKS** is Kubernetes run by AWS; its control plane is not free and is replicated across
  Availability Zones.
- **Fargate** runs your containers on servers AWS provisions for you, for ECS and for EKS.

Everything here runs against a simulated AWS account inside this notebook: no AWS account,
no credentials, nothing leaves the process.
"""),
    md("""
## Lessons
1. [ECR: a registry for your images](01-ecr.ipynb)
2. [ECS on EC2: servers you run](02-ecs-on-ec2.ipynb)
3. [ECS on Fargate: no servers to run](03-ecs-on-fargate.ipynb)
4. [EKS with self-managed nodes](04-eks-self-managed.ipynb)
5. [EKS with a managed nodegroup](05-eks-managed-nodegroup.ipynb)
6. [EKS on Fargate](06-eks-fargate.ipynb)
7. [Compare and choose](07-compare-and-choose.ipynb): what your workload would cost in each mode
"""),
    md("## The map: the hosting modes"),
    code("""
from awscontainers import modes

[(m.id, m.name) for m in modes.MODES.values()]
"""),
    md("""
## Who does what in each mode

Each row is a duty; each column a way of hosting. Reading left to right within ECS and
within EKS, duties move from you to AWS. The newer modes (marked \\*) move even more.
"""),
    code("modes.responsibility_table()"),
    md("The same facts as a picture: each column one hosting mode, each row one duty."),
    code("""
from awscontainers.draw import comparison_diagram, default_renderer

comparison_diagram()
"""),
    md("Diagrams are drawn with the system's Graphviz when it is installed, else with the pip-installed `graphviz-pure`; this machine uses:"),
    code("print(default_renderer().describe())"),
    md("## What each mode can run"),
    code("modes.supports_table()"),
    md("Every cell has a reason and a source. For one mode in detail:"),
    code('modes.get("ecs-fargate")'),
    md("""
## Choosing a backend

The same code runs against three backends:

| backend | how | what it needs |
|---|---|---|
| in-process moto (default) | `Lab()` | nothing: isolated, offline |
| shared moto server | `Lab(endpoint_url="http://host:5000", learner="you")` | someone runs `awscontainers server` |
| real AWS | `Lab(backend="aws", confirm="<account id>")` | credentials, and money |
"""),
    code("""
from awscontainers import Lab

lab = Lab()
lab
"""),
    md("""
The real-AWS backend refuses to start without an explicit confirmation, so a typo never
creates billable resources:
"""),
    code("""
from awscontainers import ConfirmationRequiredError

try:
    Lab(backend="aws")
except ConfirmationRequiredError as error:
    print(error)
"""),
    md("""
With confirmation it would create real, tagged resources; `lab.teardown()` deletes them.
This cell is skipped in tests (it needs an account):
"""),
    code("""
# NBVAL_SKIP
# real = Lab(backend="aws", confirm="111122223333", profile_name="sandbox")
"""),
    code("lab.close()"),
]

LESSONS["01-ecr"] = [
    md("""
# ECR: a registry for your images

Amazon ECR is a private registry for container images: the place ECS and EKS pull your
images from, instead of Docker Hub or a Nexus of your own.
"""),
    code("""
from awscontainers import Lab, LabError

lab = Lab()
"""),
    md("## Repository names follow rules"),
    code("""
try:
    lab.ecr.create_repository(repositoryName="My_Web_App")
except LabError as error:
    print(error)
"""),
    code("""
repo = lab.ecr.create_repository(
    repositoryName="shop/web",
    imageTagMutability="IMMUTABLE",
    imageScanningConfiguration={"scanOnPush": True},
)["repository"]
repo["repositoryUri"]
"""),
    md("""
## Push an image

`push_image` builds a tiny real image (one layer with one file) and pushes it the way
`docker push` does: each blob through the layer-upload API, then the manifest with
`put_image`. The digests are true sha256 digests of the bytes.
"""),
    code("""
v1 = lab.ecr.push_image("shop/web", "v1", message="hello v1")
v1["imageId"]
"""),
    code("""
v2 = lab.ecr.push_image("shop/web", "v2", message="hello v2")
lab.ecr.images_table("shop/web")
"""),
    md("What the lab account holds now:"),
    code("lab.diagram()"),
    md("## Immutable tags cannot be overwritten"),
    code("""
try:
    lab.ecr.push_image("shop/web", "v1", message="a different v1")
except LabError as error:
    print(error)
"""),
    md("""
## Scan on push

The repository scans each image when it arrives. This image holds one text file, so the
truthful result is no findings:
"""),
    code("""
scan = lab.ecr.describe_image_scan_findings(repositoryName="shop/web", imageId={"imageTag": "v1"})
scan["imageScanStatus"], scan["imageScanFindings"].get("findingSeverityCounts", {})
"""),
    md("""
## Lifecycle policies

Keep only the newest two images: a policy says which images expire, and ECR applies it
(within 24 hours in AWS, at once in the lab). The preview shows its effect first.
"""),
    code("""
lab.ecr.push_image("shop/web", "v3", message="hello v3")
policy = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "keep the newest two images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2},
            "action": {"type": "expire"},
        }
    ]
}
import json

lab.ecr.put_lifecycle_policy(repositoryName="shop/web", lifecyclePolicyText=json.dumps(policy))
lab.ecr.start_lifecycle_policy_preview(repositoryName="shop/web")
preview = lab.ecr.get_lifecycle_policy_preview(repositoryName="shop/web")
[(r["imageTags"], r["action"]["type"]) for r in preview["previewResults"]]
"""),
    code("""
expired = lab.ecr.apply_lifecycle_policy("shop/web")
lab.ecr.images_table("shop/web")
"""),
    md("""
## Logging in

`docker login` uses a token from `get_authorization_token`. The lab never prints it in
full:
"""),
    code("""
token = lab.ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
print(token)
"""),
    code("lab.teardown()"),
    code("lab.close()"),
]

LESSONS["02-ecs-on-ec2"] = [
    md("""
# ECS on EC2: servers you run

ECS runs the control plane (free, created with the cluster). The servers are yours: you
create EC2 instances, they need Docker and the ECS agent, they must **join the cluster**, and
you check there is enough CPU and memory for your containers, and patch their OS.
"""),
    code("""
from awscontainers import Lab, LabError
from awscontainers.widgets.ecs import ClusterView, LaunchPanel, RunTaskPanel, ServicePanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

responsibility_diagram("ecs-ec2")
"""),
    code('architecture_diagram("ecs-ec2")'),
    md("## Create the cluster"),
    code("""
lab = Lab()
lab.ecs.create_cluster(clusterName="web")["cluster"]["status"]
"""),
    md("The cluster exists, but it has no servers. The lab also made a VPC with subnets in two Availability Zones:"),
    code("lab.network()"),
    code("""
view = ClusterView(lab, "web")
view
"""),
    md("""
## Launch instances that join

The instances use the ECS-optimized AMI (Docker and the agent preinstalled) and this user
data, which tells the agent which cluster to join:
"""),
    code("""
from awscontainers.ecs import ecs_user_data

print(ecs_user_data("web"))
"""),
    md("Pick a type and a count, then click **Launch** (the next cell clicks it for you with the defaults)."),
    code("""
launch = LaunchPanel(lab, "web", view=view)
launch
"""),
    code("""
launch.button.click()
HTML(launch.output.value)
"""),
    md("Each instance registered with its type's real CPU (vCPU x 1024) and its memory, less what the OS keeps:"),
    code('lab.ecs.container_instances("web")'),
    code('lab.diagram("web")'),
    code("lab.ecs.agent_log()"),
    md("""
An instance whose user data names no cluster joins the cluster called `default`, and one
without the agent never joins at all; the instance runs and costs money, but ECS cannot use
it.
"""),
    code("""
plain = lab.client("ec2").describe_images(
    Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*x86_64"]}]
)["Images"][0]["ImageId"]
lab.ecs.launch_instances("web", count=1, image_id=plain)
lab.ecs.agent_log()[-1]
"""),
    md("## Run tasks until placement fails"),
    code("""
lab.ecs.register_task_definition(
    family="api",
    containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 512, "memory": 1024}],
)["taskDefinition"]["taskDefinitionArn"]
"""),
    code("""
run = RunTaskPanel(lab, "web", ["api"], view=view)
run.count.value = 5
run
"""),
    code("""
run.button.click()
HTML(run.output.value)
"""),
    code("""
run.button.click()
HTML(run.output.value)
"""),
    md("""
The second run could not place every task: each instance said why (`RESOURCE:MEMORY` or
`RESOURCE:CPU`). Checking capacity is your job in this mode. Scale out and run again:
"""),
    code("""
launch.count.value = 1
launch.button.click()
run.count.value = 2
run.button.click()
HTML(view.html())
"""),
    md("""
## A service keeps tasks running

Standalone tasks run until someone stops them. Stop them, and let a **service** keep four
tasks running instead, spread over the Availability Zones:
"""),
    code("""
for arn in lab.ecs.list_tasks(cluster="web")["taskArns"]:
    lab.ecs.stop_task(cluster="web", task=arn, reason="replaced by a service")
svc = lab.ecs.create_service(
    cluster="web", serviceName="shop", taskDefinition="api", desiredCount=4
)["service"]
svc["runningCount"], svc["events"][0]["message"]
"""),
    code("""
service = ServicePanel(lab, "web", "shop", view=view)
service
"""),
    md("Drain an instance (for example, before patching its OS): the service moves its tasks; standalone tasks stay until you stop them."),
    code("""
service.drain_button.click()
HTML(view.html())
"""),
    code('lab.diagram("web")'),
    code('lab.ecs.service_events("web", "shop")[:3]'),
    md("## Clean up"),
    code("lab.teardown()[:5]"),
    code("lab.diagram()"),
    code("lab.close()"),
]

LESSONS["03-ecs-on-fargate"] = [
    md("""
# ECS on Fargate: no servers to run

With Fargate, AWS provisions, patches and scales the servers; they are **not visible in your
account**. You say how much CPU and memory a task needs, from a fixed list of sizes, and pay
for that, not for a whole instance. Each task gets its own isolated environment and its own
network interface (ENI) in your VPC.
"""),
    code("""
from awscontainers import Lab, LabError
from awscontainers.widgets.ecs import ClusterView, FargateRunPanel, FargateSizePicker
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

display(responsibility_diagram("ecs-fargate"), architecture_diagram("ecs-fargate"))
lab = Lab()
lab.ecs.create_cluster(
    clusterName="serverless", capacityProviders=["FARGATE", "FARGATE_SPOT"]
)["cluster"]["capacityProviders"]
"""),
    md("## Fargate sizes come from a fixed table"),
    code("""
from awscontainers import fargate

fargate.size_table()
"""),
    md("Pick a size: an invalid pair is refused with the values that would work."),
    code("""
picker = FargateSizePicker()
picker
"""),
    code("""
picker.cpu.value = 256
picker.memory.value = 4096
print("picked:", picker.value)
HTML(picker.output.value)
"""),
    code("""
try:
    fargate.validate_task_size("256", "4096")
except LabError as error:
    print(error)
"""),
    code('fargate.validate_task_size("1 vCPU", "2 GB")'),
    md("Fields that need a server of your own (privileged containers, host devices, ...) are refused on Fargate:"),
    code("""
try:
    lab.ecs.register_task_definition(
        family="root",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx", "privileged": True}],
    )
except LabError as error:
    print(error)
"""),
    md("## Run tasks on Fargate"),
    code("""
view = ClusterView(lab, "serverless")
runner = FargateRunPanel(lab, "serverless", view=view)
runner
"""),
    code("""
runner.button.click()
HTML(runner.output.value)
"""),
    md("No instance appeared in your account; each task has an ENI in one of your subnets:"),
    code("""
ec2 = lab.client("ec2")
len(ec2.describe_instances()["Reservations"]), len(ec2.describe_network_interfaces()["NetworkInterfaces"])
"""),
    code('lab.ecs.tasks_table("serverless")'),
    code('lab.diagram("serverless")'),
    md("## FARGATE_SPOT: spare capacity, cheaper, can be interrupted"),
    code("""
tasks = lab.ecs.run_task(
    cluster="serverless",
    taskDefinition="fargate-demo",
    count=4,
    capacityProviderStrategy=[
        {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ],
)["tasks"]
sorted(t["capacityProviderName"] for t in tasks)
"""),
    md("## A service on Fargate"),
    code("""
svc = lab.ecs.create_service(
    cluster="serverless",
    serviceName="web",
    taskDefinition="fargate-demo",
    desiredCount=3,
    launchType="FARGATE",
)["service"]
svc["runningCount"]
"""),
    code("lab.teardown()[:5]"),
    code("lab.close()"),
]

EKS_INTRO = """
EKS runs the Kubernetes control plane for you: AWS operates it in its own account,
replicated across three Availability Zones, and it is **not free** (0.10 USD per cluster-hour
in standard support). What differs between the three EKS lessons is who brings the worker
nodes.
"""

LESSONS["04-eks-self-managed"] = [
    md("""
# EKS with self-managed nodes

""" + EKS_INTRO + """
Here **you** do it all for the nodes: create the EC2 instances, get the container runtime
and the Kubernetes processes (containerd, kubelet, kube-proxy) onto them, **join them to the
cluster**, check there is enough capacity, patch their OS and scale them.
"""),
    code("""
from awscontainers import Lab, modes
from awscontainers.widgets import NodeView, SelfManagedPanel, WorkloadPanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

modes.get("eks-ec2")
"""),
    code('responsibility_diagram("eks-ec2")'),
    code('architecture_diagram("eks-ec2")'),
    md("## The control plane"),
    code("""
lab = Lab()
lab.eks.create_cluster(name="demo")["cluster"]["status"]
"""),
    code('lab.eks.control_plane("demo")'),
    md("""
## Joining a node takes two things

1. **User data** that tells `nodeadm` (on the EKS-optimized Amazon Linux 2023 AMI, which
   ships containerd and the kubelet) which cluster to join: its name, API endpoint,
   certificate authority and service CIDR.
2. **Permission**: the node's IAM role must be authorised in the cluster.
"""),
    code('print(lab.eks.node_config("demo"))'),
    code("""
view = NodeView(lab, "demo")
nodes = SelfManagedPanel(lab, "demo", view=view)
nodes
"""),
    md("Launch two instances through a launch template and an Auto Scaling group:"),
    code("""
nodes.button.click()
HTML(nodes.output.value)
"""),
    md("The instances run (and cost money), but no node appeared: the kubelet was refused."),
    code("HTML(view.html())"),
    md("Authorise the node role with an access entry of type `EC2_LINUX` (the older way is a `mapRoles` entry in the `aws-auth` ConfigMap):"),
    code("""
nodes.authorise_button.click()
HTML(view.html())
"""),
    md("## Run the sample workload"),
    code("""
work = WorkloadPanel(lab, "demo", view=view)
work.replicas.value = 8
work
"""),
    code("""
work.button.click()
HTML(work.output.value)
"""),
    md("""
Some pods are **Pending**: the scheduler says why, in its own words. Checking capacity and
adding nodes is your job here: scale the Auto Scaling group.
"""),
    code("""
nodes.count.value = 3
nodes.button.click()
HTML(view.html())
"""),
    code('lab.diagram("demo")'),
    md("A DaemonSet puts one pod on every node, including nodes that join later:"),
    code("""
work.daemonset_button.click()
lab.kube("demo").pods_table("kube-system")
"""),
    code("[e['message'] for e in lab.kube('demo').events()][-3:]"),
    md("""
What you would own for real with these nodes: the AMI choice and its updates, OS patching,
the kubelet and containerd versions (kept in step with the control plane), the Auto Scaling
group and its scaling, and the node role's permissions.
"""),
    code("lab.teardown()[:4]"),
    code("lab.close()"),
]

LESSONS["05-eks-managed-nodegroup"] = [
    md("""
# EKS with a managed nodegroup

""" + EKS_INTRO + """
A **managed nodegroup** creates and deletes the EC2 instances for you (a launch template
and an Auto Scaling group under the hood), installs what the nodes need (containerd,
kubelet, kube-proxy) and authorises them. Still yours: starting OS updates (AMI version
upgrades), and scaling: there is **no node autoscaling out of the box**.
"""),
    code("""
from awscontainers import Lab, modes
from awscontainers.widgets import NodegroupPanel, NodeView, WorkloadPanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

modes.get("eks-nodegroup")
"""),
    code('responsibility_diagram("eks-nodegroup")'),
    code('architecture_diagram("eks-nodegroup")'),
    code("""
lab = Lab()
lab.eks.create_cluster(name="demo")["cluster"]["status"]
"""),
    md("One call makes the nodegroup. Its size is checked: minSize <= desiredSize <= maxSize."),
    code("""
group = lab.eks.create_nodegroup(
    clusterName="demo",
    nodegroupName="workers",
    scalingConfig={"minSize": 1, "desiredSize": 2, "maxSize": 5},
    instanceTypes=["t3.medium"],
)["nodegroup"]
group["status"], group["scalingConfig"]
"""),
    md("The instances are real EC2 instances in your account, tagged by EKS, and they joined by themselves:"),
    code("""
view = NodeView(lab, "demo")
HTML(view.html())
"""),
    md("## Run the sample workload"),
    code("""
work = WorkloadPanel(lab, "demo", view=view)
work.replicas.value = 8
work.button.click()
HTML(work.output.value)
"""),
    md("Pending pods stay pending: nothing adds nodes until you do (or until you install Cluster Autoscaler or Karpenter)."),
    code("""
scale = NodegroupPanel(lab, "demo", "workers", view=view)
scale.desired.value = 3
scale
"""),
    code("""
scale.button.click()
HTML(view.html())
"""),
    code('lab.diagram("demo")'),
    code("""
work.daemonset_button.click()
lab.kube("demo").pods_table("kube-system")
"""),
    code("lab.teardown()[:4]"),
    code("lab.close()"),
]

LESSONS["06-eks-fargate"] = [
    md("""
# EKS on Fargate

""" + EKS_INTRO + """
With a **Fargate profile**, pods that match it run on Fargate: AWS provisions a node for
**each pod**, sized to what the pod requests, and you see no instance in your account. That
is also why Fargate does not suit DaemonSets (one node per pod leaves nothing to run beside
it) or stateful apps on EBS volumes.
"""),
    code("""
from awscontainers import Lab, LabError, fargate, modes
from awscontainers.widgets import NodeView, WorkloadPanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

modes.get("eks-fargate")
"""),
    code('responsibility_diagram("eks-fargate")'),
    code('architecture_diagram("eks-fargate")'),
    code("""
lab = Lab()
lab.eks.create_cluster(name="demo")["cluster"]["status"]
"""),
    md("## A Fargate profile: which pods go to Fargate"),
    code("""
try:
    lab.eks.create_fargate_profile(
        clusterName="demo",
        fargateProfileName="public",
        selectors=[{"namespace": "serverless"}],
        subnets=lab.network().subnet_ids,
    )
except LabError as error:
    print(error)
"""),
    code("""
profile = lab.eks.create_fargate_profile(
    clusterName="demo",
    fargateProfileName="serverless",
    selectors=[{"namespace": "serverless"}],
)["fargateProfile"]
profile["status"], profile["selectors"]
"""),
    md("""
## How big is a Fargate pod?

The larger of the summed container requests and the largest init container, plus 256 MB
for the kubelet, kube-proxy and containerd, rounded up to a Fargate size. The example from
the EKS user guide: 1 vCPU and 8 GB requested become 2 vCPU and 9 GB.
"""),
    code("""
def pod(cpu, memory):
    return {"spec": {"containers": [{"name": "app", "image": "x",
            "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}}

[(cpu, mem, fargate.capacity_annotation(*fargate.provisioned_capacity(pod(cpu, mem))))
 for cpu, mem in [("250m", "256Mi"), ("500m", "1Gi"), ("1", "8Gi"), ("2", "16Gi")]]
"""),
    md("## Run the sample workload on Fargate"),
    code("""
k = lab.kube("demo")
k.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "serverless"}})
view = NodeView(lab, "demo")
work = WorkloadPanel(lab, "demo", view=view, namespace="serverless")
work.replicas.value = 3
work.button.click()
HTML(view.html())
"""),
    md("Every pod got a node of its own, and none of them is an instance in your account:"),
    code('len(lab.client("ec2").describe_instances()["Reservations"])'),
    code('lab.diagram("demo")'),
    md("## What Fargate will not run"),
    code("""
work.daemonset_button.click()
len(k.get("Pod", "kube-system")["items"])
"""),
    code("""
k.apply({"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "root", "namespace": "serverless"},
         "spec": {"containers": [{"name": "a", "image": "nginx",
                                  "securityContext": {"privileged": True}}]}})
k.get("Pod", "serverless", "root")["status"]["conditions"][0]["message"]
"""),
    md("A pod outside the profile has nowhere to go: this cluster has no EC2 nodes."),
    code("""
k.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray"},
         "spec": {"containers": [{"name": "a", "image": "nginx"}]}})
k.get("Pod", "default", "stray")["status"]["conditions"][0]["message"]
"""),
    md("## Scaling is the Deployment's replica count; Fargate brings a node per pod"),
    code("""
work.replicas.value = 5
work.button.click()
k.pods_table("serverless")
"""),
    code("lab.teardown()[:4]"),
    code("lab.close()"),
]

LESSONS["07-compare-and-choose"] = [
    md("""
# Compare and choose

Describe your workload: its services (vCPU, memory, how many tasks), how many hours a month
it runs (730 = always on), the CPU architecture, and what it needs. Every hosting mode's
monthly cost is worked out line by line from a dated price table; modes that cannot run the
workload say why; and a recommendation weighs cost against the work each mode leaves to you.
"""),
    code("""
from awscontainers.widgets.chooser import ChooserPanel

chooser = ChooserPanel()
chooser
"""),
    md("The numbers behind the panel, for the workload above:"),
    code("""
from IPython.display import HTML

HTML(chooser.table.value)
"""),
    md("Monthly cost as the workload grows (every service scaled together):"),
    code("HTML(chooser.chart.value)"),
    md("Who does what in each mode (the work a cheaper mode may leave to you):"),
    code("""
from awscontainers.draw import comparison_diagram

comparison_diagram()
"""),
    md("## The recommendation, with its reasons"),
    code("HTML(chooser.advice.value)"),
    md("""
A panel can be driven from code just as with the widgets. A second one, so the panel above
keeps your choices: a Kubernetes need (the ECS modes drop out) and 40 web tasks.
"""),
    code("""
what_if = ChooserPanel()
what_if.needs["kubernetes_api"].value = True
what_if.rows[0]["count"].value = 40
what_if.recommendation.choice, [r["mode"] for r in what_if.recommendation.ranking]
"""),
    md("""
The same comparison from a terminal, for scripts: `awscontainers compare
examples/workload.yaml` (add `--format json`). As a standalone app for a team:
`make app` serves this notebook with Voila.
"""),
]


def _widget_ids(nb: nbformat.NotebookNode, prefix: int) -> dict[str, str]:
    import json

    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}
    ).get("state", {})
    order: list[str] = []
    queue = [
        out["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    while queue:
        model = queue.pop(0)
        if model in order:
            continue
        order.append(model)
        body = json.dumps(state.get(model, {}), sort_keys=True)
        queue.extend(re.findall(r"IPY_MODEL_([0-9a-f]{32})", body))
    rest = sorted(
        (m for m in state if m not in order), key=lambda m: json.dumps(state[m], sort_keys=True)
    )
    return {m: f"{prefix:04d}{i:028x}" for i, m in enumerate(order + rest)}


def build(name: str) -> Path:
    cells = [nbformat.v4.new_markdown_cell(nav(name))]
    for kind, text in LESSONS[name]:
        if kind == "md":
            cells.append(nbformat.v4.new_markdown_cell(text))
        else:
            cells.append(nbformat.v4.new_code_cell(text))
    cells.append(nbformat.v4.new_markdown_cell(nav(name)))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"  # stable ids keep diffs small
        cell.get("metadata", {}).pop("execution", None)
    path = NOTEBOOKS / f"{name}.ipynb"
    text = nbformat.writes(nb)
    # Widget model ids are random uuids; renumber them by the structure (outputs in cell
    # order, then the models each refers to) so a rebuild changes only what really changed.
    for old_id, new_id in _widget_ids(nb, int(name[:2])).items():
        text = text.replace(old_id, new_id)
    text = nbformat.writes(nbformat.reads(text, as_version=4))  # re-sorts the renamed keys
    path.write_text(text + ("" if text.endswith("\n") else "\n"))
    return path


if __name__ == "__main__":
    wanted = [n for n in ORDER if not sys.argv[1:] or any(n.startswith(a) for a in sys.argv[1:])]
    for name in wanted:
        print("built", build(name))
