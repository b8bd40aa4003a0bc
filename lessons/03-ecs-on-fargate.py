# %% [markdown]
# [< ECS on EC2: servers you run](02-ecs-on-ec2.ipynb) | [Contents](00-start-here.ipynb) | [EKS with self-managed nodes >](04-eks-self-managed.ipynb)

# %% [markdown]
# # ECS on Fargate: no servers to run
#
# With Fargate, AWS provisions, patches and scales the servers; they are **not visible in your
# account**. You say how much CPU and memory a task needs, from a fixed list of sizes, and pay
# for that, not for a whole instance. Each task gets its own isolated environment and its own
# network interface (ENI) in your VPC.

# %%
from awscontainers import Lab, LabError
from awscontainers.widgets.ecs import ClusterView, FargateRunPanel, FargateSizePicker
from awscontainers.draw import architecture_diagram, responsibility_diagram
from IPython.display import HTML

display(responsibility_diagram("ecs-fargate"), architecture_diagram("ecs-fargate"))
lab = Lab()
lab.ecs.create_cluster(
    clusterName="serverless", capacityProviders=["FARGATE", "FARGATE_SPOT"]
)["cluster"]["capacityProviders"]

# %% [markdown]
# ## Fargate sizes come from a fixed table

# %%
from awscontainers import fargate

fargate.size_table()

# %% [markdown]
# Pick a size: an invalid pair is refused with the values that would work.

# %%
picker = FargateSizePicker()
picker

# %%
picker.cpu.value = 256
picker.memory.value = 4096
print("picked:", picker.value)
HTML(picker.output.value)

# %%
try:
    fargate.validate_task_size("256", "4096")
except LabError as error:
    print(error)

# %%
fargate.validate_task_size("1 vCPU", "2 GB")

# %% [markdown]
# Fields that need a server of your own (privileged containers, host devices, ...) are refused on Fargate:

# %%
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

# %% [markdown]
# ## Run tasks on Fargate

# %%
view = ClusterView(lab, "serverless")
runner = FargateRunPanel(lab, "serverless", view=view)
runner

# %%
runner.button.click()
HTML(runner.output.value)

# %% [markdown]
# No instance appeared in your account; each task has an ENI in one of your subnets:

# %%
ec2 = lab.client("ec2")
len(ec2.describe_instances()["Reservations"]), len(ec2.describe_network_interfaces()["NetworkInterfaces"])

# %%
lab.ecs.tasks_table("serverless")

# %%
lab.diagram("serverless")

# %% [markdown]
# ## FARGATE_SPOT: spare capacity, cheaper, can be interrupted

# %%
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

# %% [markdown]
# ## A service on Fargate

# %%
svc = lab.ecs.create_service(
    cluster="serverless",
    serviceName="web",
    taskDefinition="fargate-demo",
    desiredCount=3,
    launchType="FARGATE",
)["service"]
svc["runningCount"]

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
# [< ECS on EC2: servers you run](02-ecs-on-ec2.ipynb) | [Contents](00-start-here.ipynb) | [EKS with self-managed nodes >](04-eks-self-managed.ipynb)
