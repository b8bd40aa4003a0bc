# %% [markdown]
# [< ECR: a registry for your images](01-ecr.ipynb) | [Contents](00-start-here.ipynb) | [ECS on Fargate: no servers to run >](03-ecs-on-fargate.ipynb)

# %% [markdown]
# # ECS on EC2: servers you run
#
# ECS runs the control plane (free, created with the cluster). The servers are yours: you
# create EC2 instances, they need Docker and the ECS agent, they must **join the cluster**, and
# you check there is enough CPU and memory for your containers, and patch their OS.

# %%
from awscontainers import Lab, LabError
from awscontainers.widgets.ecs import ClusterView, LaunchPanel, RunTaskPanel, ServicePanel
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

responsibility_diagram("ecs-ec2")

# %%
architecture_diagram("ecs-ec2")

# %% [markdown]
# ## Create the cluster

# %%
lab = Lab()
lab.ecs.create_cluster(clusterName="web")["cluster"]["status"]

# %% [markdown]
# The cluster exists, but it has no servers. The lab also made a VPC with subnets in two Availability Zones:

# %%
lab.network()

# %%
view = ClusterView(lab, "web")
HTML(view.html())

# %% [markdown]
# ## Launch instances that join
#
# The instances use the ECS-optimized AMI (Docker and the agent preinstalled) and this user
# data, which tells the agent which cluster to join:

# %%
from awscontainers.ecs import ecs_user_data

print(ecs_user_data("web"))

# %% [markdown]
# Pick a type and a count, then click **Launch** (the next cell clicks it for you with the defaults).

# %%
launch = LaunchPanel(lab, "web", view=view)
launch

# %%
launch.button.click()
HTML(launch.output.value)

# %% [markdown]
# Each instance registered with its type's real CPU (vCPU x 1024) and its memory, less what the OS keeps:

# %%
lab.ecs.container_instances("web")

# %%
lab.diagram("web")

# %%
lab.ecs.agent_log()

# %% [markdown]
# An instance whose user data names no cluster joins the cluster called `default`, and one
# without the agent never joins at all; the instance runs and costs money, but ECS cannot use
# it.

# %%
plain = lab.client("ec2").describe_images(
    Owners=["amazon"], Filters=[{"Name": "name", "Values": ["al2023-ami-2023*x86_64"]}]
)["Images"][0]["ImageId"]
lab.ecs.launch_instances("web", count=1, image_id=plain)
lab.ecs.agent_log()[-1]

# %% [markdown]
# With no `ECS_CLUSTER` in the user data the agent registers into `default`, and this account
# has no `default` cluster: the agent creates it (its own CreateCluster call) and registers
# there. A cluster you *name* is never created for you: the agent retries until it exists.

# %%
lab.ecs.launch_instances(None, count=1)
lab.ecs.agent_log()[-2:]

# %% [markdown]
# ## Run tasks until placement fails

# %%
lab.ecs.register_task_definition(
    family="api",
    containerDefinitions=[{"name": "api", "image": "nginx", "cpu": 512, "memory": 1024}],
)["taskDefinition"]["taskDefinitionArn"]

# %%
run = RunTaskPanel(lab, "web", ["api"], view=view)
run.count.value = 5
run

# %%
run.button.click()
HTML(run.output.value)

# %%
run.button.click()
HTML(run.output.value)

# %% [markdown]
# The second run could not place every task: each instance said why (`RESOURCE:MEMORY` or
# `RESOURCE:CPU`). Checking capacity is your job in this mode. Scale out and run again:

# %%
launch.count.value = 1
launch.button.click()
run.count.value = 2
run.button.click()
HTML(view.html())

# %% [markdown]
# ## A service keeps tasks running
#
# Standalone tasks run until someone stops them. Stop them, and let a **service** keep four
# tasks running instead, spread over the Availability Zones:

# %%
for arn in lab.ecs.list_tasks(cluster="web")["taskArns"]:
    lab.ecs.stop_task(cluster="web", task=arn, reason="replaced by a service")
svc = lab.ecs.create_service(
    cluster="web", serviceName="shop", taskDefinition="api", desiredCount=4
)["service"]
svc["runningCount"], svc["events"][0]["message"]

# %%
service = ServicePanel(lab, "web", "shop", view=view)
service

# %% [markdown]
# Drain an instance (for example, before patching its OS): the service moves its tasks; standalone tasks stay until you stop them.

# %%
service.drain_button.click()
HTML(view.html())

# %%
lab.diagram("web")

# %%
lab.ecs.service_events("web", "shop")[:3]

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
# [< ECR: a registry for your images](01-ecr.ipynb) | [Contents](00-start-here.ipynb) | [ECS on Fargate: no servers to run >](03-ecs-on-fargate.ipynb)
