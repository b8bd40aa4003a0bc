"""The pure rules layer: the facts and formulas cost code needs, with no AWS code.

Nothing in this package imports boto3, botocore, moto or the simulator, so the planner,
the cost estimates and the chooser can use it without loading an AWS SDK.

- :mod:`awscontainers.rules.data`: the one loader for the packaged YAML files in
  ``awscontainers/data/``, and the reading of a user's own YAML file;
- :mod:`awscontainers.rules.capacity`: what an EC2 instance offers to ECS tasks or EKS pods
  (registered CPU and memory, kube-reserved, the VPC CNI's pod limit);
- :mod:`awscontainers.rules.eks_versions`: EKS's Kubernetes version calendar, a version's
  support status and control-plane price on a given date.

The Fargate rules (:mod:`awscontainers.fargate`) and the modes data
(:mod:`awscontainers.modes`) build on this layer and are pure too.

>>> from awscontainers.rules import capacity
>>> capacity.max_pods(3, 10)  # an m5.large runs 29 pods
29
"""
