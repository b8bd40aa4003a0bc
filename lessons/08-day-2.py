# %% [markdown]
# [< Compare and choose](07-compare-and-choose.ipynb) | [Contents](00-start-here.ipynb)

# %% [markdown]
# # Day 2: the same day in every mode
#
# Day 1 was creating a cluster and getting servers to join. What separates the hosting modes
# is what happens *afterwards*, and who does it. From the notes this package is built on:
#
# - ECS on EC2: "check if you have enough EC2 instances and resources", and "we have to
#   manage EC2 instances' OS, like updates";
# - Fargate: "automatic scaling ... servers are added based on the need", and "pay only for
#   what your system actually consumes";
# - managed nodegroups: "no nodes autoscaling out-of-the-box: you need to configure it on
#   both sides, Kubernetes and AWS".
#
# Here those sentences *happen*. One web service (ECS) or Deployment (EKS) of 0.25 vCPU /
# 0.5 GB tasks or pods lives through the same simulated day in each of the five modes.
# Simulated time: a day takes seconds, and the same inputs always give the same day.

# %% [markdown]
# ## The day's load
#
# Work in vCPU (1.0 = one vCPU kept busy), shared by the running tasks or pods: a morning ramp
# from 09:00, a spike at 14:00, a long evening tail and a night low.

# %%
from awscontainers.oneday import WORKING_DAY, SEED_MODES, STEPS, compare_day, plot_days
from awscontainers.oneday import plot_load, side_by_side, who_did_what, spot_interruption
from IPython.display import HTML
import datetime as dt

plot_load(WORKING_DAY)

# %% [markdown]
# At 01:00 (16 hours in) AWS releases a new optimized AMI and a new Fargate platform version:
# patch day, in the middle of the night.
#
# ## What each mode needs
#
# Each mode needs different steps before it follows the load and takes the patch, some on the
# AWS side and some on the Kubernetes side:

# %%
for mode in SEED_MODES:
    print(mode)
    for step in STEPS[mode]:
        print(f"  {step.side:<10} {step.id:<30} {step.code}")

# %% [markdown]
# ## The day, with every step taken

# %%
PATCH = dt.timedelta(hours=16)
days = compare_day(WORKING_DAY, hours=24, step=dt.timedelta(minutes=5), patch_at=PATCH)
side_by_side(days)

# %%
plot_days(days)

# %% [markdown]
# Every mode followed the load; the cost did not follow it the same way:
#
# - **Fargate** (ECS and EKS) pays per task or pod for the time it runs, so the night costs
#   little; EKS adds its control plane (0.10 USD an hour) and makes one Fargate node per pod.
# - **EC2 modes** pay for instances, which came later than the tasks that needed them (tasks
#   wait in PROVISIONING, pods Pending, while instances boot) and left later than the load.
# - **EKS on self-managed nodes** hit its Auto Scaling group's maximum at the spike: pods
#   stayed Pending. The group's bounds are yours to set.
# - **Patch day**: on Fargate, AWS retired the old tasks and pods and their service or
#   Deployment replaced them; nobody asked you. In the EC2 modes the release only *told*
#   you: the rollout was your step (an instance refresh, or the managed nodegroup's update,
#   which EKS then rolls for you). On ECS on EC2 one instance is still on the old AMI: it runs
#   tasks, so managed termination protection keeps it, and the refresh waits until you drain
#   it.
#
# Who did the work, event by event:

# %%
who_did_what(days)

# %% [markdown]
# ## The same day, with nothing configured

# %%
bare = compare_day(WORKING_DAY, hours=24, step=dt.timedelta(minutes=5), patch_at=PATCH,
                   steps={mode: [] for mode in SEED_MODES})
side_by_side(bare)

# %%
from awscontainers.widgets.day2 import undone_html

HTML(undone_html(bare))

# %% [markdown]
# Without Service Auto Scaling or an HPA nothing changes the task or pod count: two run hot
# all afternoon. Fargate does not scale by itself either; it *sizes* each task or pod and
# adds servers for new ones, but something must ask for more tasks. And every EC2 instance
# or node ends the day on the old AMI: patching is your duty in those modes.

# %% [markdown]
# ## Half-configured: the usual EKS mistakes
#
# An HPA without the Metrics Server (EKS does not install it), and the Cluster Autoscaler on
# the Kubernetes side only, without its permission on the AWS side:

# %%
half = compare_day(WORKING_DAY, ["eks-nodegroup"], hours=6, step=dt.timedelta(minutes=5),
                   steps={"eks-nodegroup": ["hpa", "cluster-autoscaler"]})[0]
[e["message"][:110] for e in half.events if e["who"].startswith("HPA")][:2]

# %%
metrics = compare_day(WORKING_DAY, ["eks-nodegroup"], hours=6, step=dt.timedelta(minutes=5),
                      steps={"eks-nodegroup": ["metrics-server", "hpa", "cluster-autoscaler"]})[0]
[e["message"][:140] for e in metrics.events if e["source"] == "cluster-autoscaler"][:1]

# %% [markdown]
# ## A Spot interruption
#
# Spot Instances cost less, and EC2 can take one back with two minutes' notice. Here ECS on
# EC2 runs a service of four tasks on an On-Demand and a Spot instance, and EC2 reclaims the
# Spot one. With `ECS_ENABLE_SPOT_INSTANCE_DRAINING=true` in its user data (your setting),
# the agent drains it at the notice and the service moves its tasks before the instance goes:

# %%
spot_interruption(draining=True)

# %% [markdown]
# Without it, the tasks die with the instance and are replaced only afterwards:

# %%
spot_interruption(draining=False)

# %% [markdown]
# On a managed nodegroup of capacity type SPOT, EKS drains the node at the notice for you; on
# self-managed nodes, pods go at termination unless you install a handler; Fargate Spot (ECS
# only) stops the task after a SIGTERM and two minutes, and the service replaces it.

# %% [markdown]
# ## Try it yourself
#
# Pick a load and the modes, choose which steps you take in each, and run the day. A full day
# of five modes takes tens of seconds.

# %%
from awscontainers.widgets.day2 import DayPanel

DayPanel(hours=24)

# %% [markdown]
# The chooser (lesson 07) prices a day like this one for a month: give a service a `load:`
# curve instead of a `count` (see `examples/workload-day.yaml` and
# `awscontainers compare examples/workload-day.yaml`).

# %% [markdown]
# [< Compare and choose](07-compare-and-choose.ipynb) | [Contents](00-start-here.ipynb)
