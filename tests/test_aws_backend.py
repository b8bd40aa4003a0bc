"""The real-AWS backend's code paths, with moto standing in for AWS.

Nothing here reaches AWS: an in-process moto is already intercepting every boto3 request
(started by the first Lab), and a socket guard fails the test if anything tries the network.
What is checked is that the real backend asks for confirmation against the caller's
account, passes calls through unchanged (no simulator), tags, and tears down.
"""

import pytest

from awscontainers import ConfirmationRequiredError, Lab


def test_confirmation_must_match_the_callers_account(aws):
    with pytest.raises(ConfirmationRequiredError, match="belong to account 123456789012"):
        Lab(backend="aws", confirm="111122223333")


def test_real_backend_passes_calls_through_and_tears_down(aws):
    lab = Lab(backend="aws", confirm="123456789012")
    assert not lab.simulated and lab.ecs_sim is None and lab.eks_sim is None
    assert "REAL AWS" in repr(lab)
    lab.ecs.create_cluster(clusterName="real")
    tags = lab.ecs.list_tags_for_resource(
        resourceArn="arn:aws:ecs:us-east-1:123456789012:cluster/real"
    )["tags"]
    assert {"key": "awscontainers:lab", "value": lab.lab_id} in tags
    rows = lab.ecs.launch_instances("real", count=1)
    # No simulated agent: joining is the real agent's job, so the lab reports nothing.
    assert rows[0]["joined"] is None
    lab.eks.create_cluster(name="real-eks")  # waits for ACTIVE with boto3's waiter
    assert lab.eks.describe_cluster(name="real-eks")["cluster"]["status"] == "ACTIVE"
    deleted = lab.teardown()
    assert any(line.startswith("eks-cluster real-eks") for line in deleted)
    assert any(line.startswith("ec2-vpc") for line in deleted)
    assert lab.ledger == []
