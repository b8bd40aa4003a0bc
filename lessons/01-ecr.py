# %% [markdown]
# [< Start here](00-start-here.ipynb) | [Contents](00-start-here.ipynb) | [ECS on EC2: servers you run >](02-ecs-on-ec2.ipynb)

# %% [markdown]
# # ECR: a registry for your images
#
# Amazon ECR is a private registry for container images: the place ECS and EKS pull your
# images from, instead of Docker Hub or a Nexus of your own.

# %%
from awscontainers import Lab, LabError

lab = Lab()

# %% [markdown]
# ## Repository names follow rules

# %%
try:
    lab.ecr.create_repository(repositoryName="My_Web_App")
except LabError as error:
    print(error)

# %%
repo = lab.ecr.create_repository(
    repositoryName="shop/web",
    imageTagMutability="IMMUTABLE",
    imageScanningConfiguration={"scanOnPush": True},
)["repository"]
repo["repositoryUri"]

# %% [markdown]
# ## Push an image
#
# `push_image` builds a tiny real image (one layer with one file) and pushes it the way
# `docker push` does: each blob through the layer-upload API, then the manifest with
# `put_image`. The digests are true sha256 digests of the bytes.

# %%
v1 = lab.ecr.push_image("shop/web", "v1", message="hello v1")
v1["imageId"]

# %%
v2 = lab.ecr.push_image("shop/web", "v2", message="hello v2")
lab.ecr.images_table("shop/web")

# %% [markdown]
# What the lab account holds now:

# %%
lab.diagram()

# %% [markdown]
# ## Immutable tags cannot be overwritten

# %%
try:
    lab.ecr.push_image("shop/web", "v1", message="a different v1")
except LabError as error:
    print(error)

# %% [markdown]
# ## Scan on push
#
# The repository scans each image when it arrives. ECR's basic scanning reads the packages of
# an operating system it knows (Amazon Linux, Debian, Ubuntu, Alpine, RHEL, ...). This image
# holds one text file and no operating system at all, so the scan cannot run: its status is
# `FAILED` with `UnsupportedImageError`, as ECR reports for such an image. That is not a clean
# bill of health: no findings were counted because nothing was scanned. Build your images
# from a supported base image if you want ECR to scan them:

# %%
scan = lab.ecr.describe_image_scan_findings(repositoryName="shop/web", imageId={"imageTag": "v1"})
scan["imageScanStatus"], scan["imageScanFindings"].get("findingSeverityCounts", {})

# %% [markdown]
# ## Lifecycle policies
#
# Keep only the newest two images: a policy says which images expire, and ECR applies it
# (within 24 hours in AWS, at once in the lab). The preview shows its effect first.

# %%
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

# %%
expired = lab.ecr.apply_lifecycle_policy("shop/web")
lab.ecr.images_table("shop/web")

# %% [markdown]
# ## Logging in
#
# `docker login` uses a token from `get_authorization_token`. The lab never prints it in
# full:

# %%
token = lab.ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
print(token)

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
# [< Start here](00-start-here.ipynb) | [Contents](00-start-here.ipynb) | [ECS on EC2: servers you run >](02-ecs-on-ec2.ipynb)
