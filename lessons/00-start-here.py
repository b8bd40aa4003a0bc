# %% [markdown]
# [Contents](00-start-here.ipynb) | [ECR: a registry for your images >](01-ecr.ipynb)

# %% [markdown]
# # awscontainers: the ways AWS runs containers
#
# Three services, five classic ways to host containers, and one question that decides most of
# the difference: **who runs the servers, you or AWS?**
#
# - **ECR** keeps your container images (a private registry, like Docker Hub or Nexus).
# - **ECS** is AWS's own orchestrator; its control plane is free.
# - **EKS** is Kubernetes run by AWS; its control plane is not free and is replicated across
#   Availability Zones.
# - **Fargate** runs your containers on servers AWS provisions for you, for ECS and for EKS.
#
# Everything here runs against a simulated AWS account inside this notebook: no AWS account,
# no credentials, nothing leaves the process.

# %% [markdown]
# ## Lessons
# 1. [ECR: a registry for your images](01-ecr.ipynb)
# 2. [ECS on EC2: servers you run](02-ecs-on-ec2.ipynb)
# 3. [ECS on Fargate: no servers to run](03-ecs-on-fargate.ipynb)
# 4. [EKS with self-managed nodes](04-eks-self-managed.ipynb)
# 5. [EKS with a managed nodegroup](05-eks-managed-nodegroup.ipynb)
# 6. [EKS on Fargate](06-eks-fargate.ipynb)
# 7. [Compare and choose](07-compare-and-choose.ipynb): what your workload would cost in each mode
# 8. [Day 2](08-day-2.ipynb): the same day in every mode: load, autoscalers, patch day, a Spot interruption

# %% [markdown]
# ## The map: the hosting modes

# %%
from awscontainers import modes

[(m.id, m.name) for m in modes.MODES.values()]

# %% [markdown]
# ## Who does what in each mode
#
# Each row is a duty; each column a way of hosting. Reading left to right within ECS and
# within EKS, duties move from you to AWS. The newer modes (labelled *newer*, in dashed
# columns) move even more.

# %%
modes.responsibility_table()

# %% [markdown]
# The same facts as a picture: each column one hosting mode, each row one duty.

# %%
from awscontainers.draw import comparison_diagram, default_renderer

comparison_diagram()

# %% [markdown]
# Diagrams are drawn with the system's Graphviz when it is installed, else with the pip-installed `graphviz-pure`; this machine uses:

# %%
print(default_renderer().describe())

# %% [markdown]
# ## What each mode can run

# %%
modes.supports_table()

# %% [markdown]
# Every cell has a reason and a source. For one mode in detail:

# %%
modes.get("ecs-fargate")

# %% [markdown]
# ## Choosing a backend
#
# The same code runs against three backends:
#
# | backend | how | what it needs |
# |---|---|---|
# | in-process moto (default) | `Lab()` | nothing: isolated, offline |
# | a workshop room | `Lab(join="awsc1-...")` | the instructor runs `awscontainers room start` and gives you a join code |
# | real AWS | `Lab(backend="aws", confirm="<account id>")` | credentials, and money |

# %%
from awscontainers import Lab

lab = Lab()
lab

# %% [markdown]
# The real-AWS backend refuses to start without an explicit confirmation, so a typo never
# creates billable resources:

# %%
from awscontainers import ConfirmationRequiredError

try:
    Lab(backend="aws")
except ConfirmationRequiredError as error:
    print(error)

# %% [markdown]
# With confirmation it would create real, tagged resources; `lab.teardown()` deletes them.
# This cell is skipped in tests (it needs an account):

# %%
# NBVAL_SKIP
# real = Lab(backend="aws", confirm="111122223333", profile_name="sandbox")

# %% [markdown]
# [Contents](00-start-here.ipynb) | [ECR: a registry for your images >](01-ecr.ipynb)
