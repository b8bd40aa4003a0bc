"""Reading ARNs (pure).

>>> short_name("arn:aws:ecs:us-east-1:123456789012:task/web/0f1e2d3c")
'0f1e2d3c'
"""

from __future__ import annotations


def short_name(arn: str) -> str:
    """The last part of an ARN's resource (a task id, a container instance id, a name):
    what the ECS console shows."""
    return arn.rsplit("/", 1)[-1]
