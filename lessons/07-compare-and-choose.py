# %% [markdown]
# [< EKS on Fargate](06-eks-fargate.ipynb) | [Contents](00-start-here.ipynb) | [Day 2: the same day in every mode >](08-day-2.ipynb)

# %% [markdown]
# # Compare and choose
#
# Describe your workload: its services (vCPU, memory, how many tasks), how many hours a month
# it runs (730 = always on), the CPU architecture, and what it needs. Every hosting mode's
# monthly cost is worked out line by line from a dated price table; modes that cannot run the
# workload say why; and a recommendation weighs cost against the work each mode leaves to you.

# %%
from awscontainers.widgets.chooser import ChooserPanel

chooser = ChooserPanel()
chooser

# %% [markdown]
# The numbers behind the panel, for the workload above:

# %%
from IPython.display import HTML

HTML(chooser.table.value)

# %% [markdown]
# Monthly cost as the workload grows (every service scaled together):

# %%
HTML(chooser.chart.value)

# %% [markdown]
# Who does what in each mode (the work a cheaper mode may leave to you):

# %%
from awscontainers.draw import comparison_diagram

comparison_diagram()

# %% [markdown]
# ## The recommendation, with its reasons

# %%
HTML(chooser.advice.value)

# %% [markdown]
# A panel can be driven from code just as with the widgets. A second one, so the panel above
# keeps your choices: a Kubernetes need (the ECS modes drop out) and 40 web tasks.

# %%
what_if = ChooserPanel()
what_if.needs["kubernetes_api"].value = True
what_if.rows[0]["count"].value = 40
print("Recommended:", what_if.recommendation.choice)
print("Ranking:", ", ".join(r["mode"] for r in what_if.recommendation.ranking))

# %% [markdown]
# The same comparison from a terminal, for scripts: `awscontainers compare
# examples/workload.yaml` (add `--format json`; `examples/workload-day.yaml` gives a daily load
# curve instead of fixed counts, priced as each mode scales through the day). As a
# standalone app for a team: `make app` serves the chooser alone with Voila
# (`app/chooser.ipynb`).

# %% [markdown]
# [< EKS on Fargate](06-eks-fargate.ipynb) | [Contents](00-start-here.ipynb) | [Day 2: the same day in every mode >](08-day-2.ipynb)
