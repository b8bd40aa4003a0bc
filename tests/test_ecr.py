"""Tests for lab.ecr, the sample image and the lifecycle-policy simulator.

Digests are recomputed here from the bytes the registry stores (never taken from the code
under test), and the lifecycle cases include the worked examples of the ECR user guide.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import platform
import stat
import subprocess
import tarfile

import pytest

from awscontainers.ecr import REPOSITORY_NAME_PATTERN, SCAN_STATUS, SecretToken
from awscontainers.errors import (
    AlreadyExistsError,
    InvalidParameterError,
    LabError,
    NotFoundError,
)
from awscontainers.images import MANIFEST_MEDIA_TYPE, build_sample_image
from awscontainers.sim import lifecycle


def sha(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def rule(priority, tag_status, count_type="imageCountMoreThan", number=1, **extra):
    selection = {"tagStatus": tag_status, "countType": count_type, "countNumber": number}
    if count_type == "sinceImagePushed":
        selection["countUnit"] = "days"
    selection.update(extra)
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


# -- repository names ---------------------------------------------------------------------------
VALID_NAMES = ["ab", "web", "team/web-app", "a.b_c-d", "a/b/c", "web2", "x" * 256, "0-9"]
INVALID_NAMES = [
    "a",  # too short
    "x" * 257,  # too long
    "Web",  # uppercase
    "-web",  # starts with a separator
    "web-",  # ends with a separator
    "we--b",  # two separators in a row
    "web_.app",
    "team//web",
    "/web",
    "web/",
    "web app",
    "web:1",
]


@pytest.mark.parametrize("name", VALID_NAMES)
def test_valid_repository_names_are_created(lab, name):
    repo = lab.ecr.create_repository(repositoryName=name)["repository"]
    assert repo["repositoryName"] == name
    assert any(r.kind == "ecr-repository" and r.id == name for r in lab.ledger)
    arn = repo["repositoryArn"]
    tags = lab.ecr.list_tags_for_resource(resourceArn=arn)["tags"]
    assert {"Key": "awscontainers:lab", "Value": lab.lab_id} in tags


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_invalid_repository_names_are_refused_before_anything_is_created(lab, name):
    with pytest.raises(InvalidParameterError) as info:
        lab.ecr.create_repository(repositoryName=name)
    err = info.value
    assert err.code == "InvalidParameterException"
    assert "repositoryName" in err.message
    # The rule is quoted, and the suggestion is itself a valid name.
    assert REPOSITORY_NAME_PATTERN in err.message or "between 2 and 256" in err.message
    suggestion = err.hint.split("repositoryName=")[1].rstrip(".").strip("'")
    assert 2 <= len(suggestion) <= 256
    lab.ecr.create_repository(repositoryName=suggestion)  # must not raise
    names = [r["repositoryName"] for r in lab.ecr.describe_repositories()["repositories"]]
    assert names == [suggestion]


def test_uppercase_name_suggests_lowercase(lab):
    with pytest.raises(InvalidParameterError) as info:
        lab.ecr.create_repository(repositoryName="My-App")
    assert "repositoryName='my-app'" in str(info.value)


def test_duplicate_repository_is_already_exists(lab):
    lab.ecr.create_repository(repositoryName="web")
    with pytest.raises(AlreadyExistsError) as info:
        lab.ecr.create_repository(repositoryName="web")
    assert info.value.code == "RepositoryAlreadyExistsException"
    assert "'web' already exists" in str(info.value)
    assert "delete_repository" in info.value.hint


# -- the sample image ------------------------------------------------------------------------------
def test_sample_image_digest_is_pinned():
    # Pinned: a change to the tar, gzip, config or manifest bytes changes this value, and
    # the same value must come out on every machine and Python version.
    image = build_sample_image()
    assert image.digest == (
        "sha256:0606563a5804cbc807e637d03c4bffae065140b6f8673f7569c86f5e8228cf93"
    )
    assert build_sample_image("hello from awscontainers") == image


def test_sample_image_blobs_are_consistent():
    image = build_sample_image("v1")
    manifest = json.loads(image.manifest_json)
    assert manifest["schemaVersion"] == 2
    assert manifest["mediaType"] == MANIFEST_MEDIA_TYPE
    assert image.digest == sha(image.manifest_json)
    assert manifest["config"] == {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": len(image.config),
        "digest": sha(image.config),
    }
    assert manifest["layers"] == [
        {
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": len(image.layer),
            "digest": sha(image.layer),
        }
    ]
    tar_bytes = gzip.decompress(image.layer)
    config = json.loads(image.config)
    assert config["architecture"] == "amd64" and config["os"] == "linux"
    assert config["rootfs"] == {"type": "layers", "diff_ids": [sha(tar_bytes)]}
    assert config["config"]["Cmd"] == ["/hello"]
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["hello", "hello.txt"]
        for m in members.values():
            assert (m.mtime, m.uid, m.gid) == (0, 0, 0)
        assert members["hello"].mode == 0o755 and members["hello.txt"].mode == 0o644
        assert tar.extractfile("hello.txt").read() == b"v1\n"


def test_different_message_is_a_different_image():
    a, b = build_sample_image("v1"), build_sample_image("v2")
    assert len({a.digest, b.digest}) == 2
    assert a.layer_digest != b.layer_digest and a.config_digest != b.config_digest


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"),
    reason="the sample program is an x86-64 Linux executable",
)
def test_sample_program_runs_and_prints_the_message(tmp_path):
    image = build_sample_image("it runs")
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(image.layer))) as tar:
        program = tmp_path / "hello"
        program.write_bytes(tar.extractfile("hello").read())
    os.chmod(program, stat.S_IRWXU)
    done = subprocess.run([str(program)], capture_output=True, timeout=10)
    assert (done.returncode, done.stdout) == (0, b"it runs\n")


# -- push ---------------------------------------------------------------------------------------
def test_push_image_stores_the_true_digest(lab):
    lab.ecr.create_repository(repositoryName="web")
    pushed = lab.ecr.push_image("web", "v1", message="version 1")
    expected = build_sample_image("version 1")
    assert pushed["imageId"] == {"imageDigest": expected.digest, "imageTag": "v1"}

    # What the registry stores: its manifest hashes to the digest it reports.
    got = lab.ecr.batch_get_image(repositoryName="web", imageIds=[{"imageTag": "v1"}])
    stored = got["images"][0]
    assert stored["imageManifest"] == expected.manifest_json
    assert stored["imageId"]["imageDigest"] == sha(stored["imageManifest"])

    listed = lab.ecr.list_images(repositoryName="web")["imageIds"]
    assert listed == [{"imageDigest": expected.digest, "imageTag": "v1"}]
    detail = lab.ecr.describe_images(repositoryName="web")["imageDetails"][0]
    assert detail["imageDigest"] == sha(expected.manifest_json)
    assert detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] == len(expected.layer)  # compressed layers, as ECR
    assert detail["imageManifestMediaType"] == MANIFEST_MEDIA_TYPE


def test_layers_are_available_after_push_and_not_uploaded_twice(lab):
    lab.ecr.create_repository(repositoryName="web")
    image = build_sample_image("layers")
    digests = [image.layer_digest, image.config_digest]
    before = lab.ecr.batch_check_layer_availability(repositoryName="web", layerDigests=digests)
    assert [f["failureCode"] for f in before["failures"]] == ["MissingLayerDigest"] * 2

    uploads = []
    lab.client("ecr").meta.events.register(
        "before-call.ecr.InitiateLayerUpload", lambda **kw: uploads.append(1)
    )
    lab.ecr.push_image("web", "v1", message="layers")
    assert len(uploads) == 2  # the layer and the config
    after = lab.ecr.batch_check_layer_availability(repositoryName="web", layerDigests=digests)
    assert after["failures"] == []
    assert {(x["layerDigest"], x["layerSize"]) for x in after["layers"]} == {
        (image.layer_digest, len(image.layer)),
        (image.config_digest, len(image.config)),
    }
    lab.ecr.push_image("web", "also-v1", message="layers")  # same blobs: nothing to upload
    assert len(uploads) == 2


def test_pushing_the_same_image_to_the_same_tag_again_is_a_no_op(lab):
    lab.ecr.create_repository(repositoryName="web")
    first = lab.ecr.push_image("web", "v1")
    again = lab.ecr.push_image("web", "v1")
    assert again["imageId"] == first["imageId"]
    assert len(lab.ecr.describe_images(repositoryName="web")["imageDetails"]) == 1


def test_mutable_overwrite_moves_the_tag_and_leaves_the_old_image_untagged(lab):
    lab.ecr.create_repository(repositoryName="web")
    v1 = lab.ecr.push_image("web", "latest", message="one")["imageId"]["imageDigest"]
    v2 = lab.ecr.push_image("web", "latest", message="two")["imageId"]["imageDigest"]
    details = {
        d["imageDigest"]: d.get("imageTags", [])
        for d in lab.ecr.describe_images(repositoryName="web")["imageDetails"]
    }
    assert details == {v1: [], v2: ["latest"]}


def test_immutable_tag_cannot_be_overwritten(lab):
    lab.ecr.create_repository(repositoryName="web", imageTagMutability="IMMUTABLE")
    v1 = lab.ecr.push_image("web", "v1", message="one")["imageId"]["imageDigest"]
    with pytest.raises(AlreadyExistsError) as info:
        lab.ecr.push_image("web", "v1", message="two")
    assert info.value.code == "ImageTagAlreadyExistsException"
    assert info.value.message == (
        "The image tag 'v1' already exists in the 'web' repository and cannot be "
        "overwritten because the repository is immutable."
    )
    details = lab.ecr.describe_images(repositoryName="web")["imageDetails"]
    assert [(d["imageDigest"], d["imageTags"]) for d in details] == [(v1, ["v1"])]
    # Refused before uploading anything.
    rejected = build_sample_image("two")
    check = lab.ecr.batch_check_layer_availability(
        repositoryName="web", layerDigests=[rejected.layer_digest]
    )
    assert check["layers"] == []
    # A new tag is fine, and re-pushing the same image under its tag is not an overwrite.
    lab.ecr.push_image("web", "v2", message="two")
    lab.ecr.push_image("web", "v1", message="one")


def test_put_image_tag_mutability_then_plain_put_image_is_refused(lab):
    lab.ecr.create_repository(repositoryName="web")
    lab.ecr.push_image("web", "v1", message="one")
    lab.ecr.put_image_tag_mutability(repositoryName="web", imageTagMutability="IMMUTABLE")
    other = build_sample_image("two")
    with pytest.raises(AlreadyExistsError) as info:
        lab.ecr.put_image(repositoryName="web", imageManifest=other.manifest_json, imageTag="v1")
    assert info.value.code == "ImageTagAlreadyExistsException"


def test_put_image_errors_are_lab_errors(lab):
    with pytest.raises(NotFoundError):
        lab.ecr.put_image(repositoryName="nope", imageManifest="{}", imageTag="v1")
    lab.ecr.create_repository(repositoryName="web")
    with pytest.raises(InvalidParameterError):
        lab.ecr.put_image(repositoryName="web", imageManifest="{not json", imageTag="v1")
    image = build_sample_image()
    with pytest.raises(InvalidParameterError) as info:
        lab.ecr.put_image(
            repositoryName="web",
            imageManifest=image.manifest_json,
            imageDigest="sha256:" + "0" * 64,
        )
    assert info.value.code == "ImageDigestDoesNotMatchException"
    with pytest.raises(InvalidParameterError):
        lab.ecr.push_image("web", "-bad tag")
    with pytest.raises(NotFoundError):
        lab.ecr.push_image("nope", "v1")


# -- scanning -----------------------------------------------------------------------------------
def test_scan_on_push(lab):
    lab.ecr.create_repository(repositoryName="web", imageScanningConfiguration={"scanOnPush": True})
    digest = lab.ecr.push_image("web", "v1")["imageId"]["imageDigest"]
    detail = lab.ecr.describe_images(repositoryName="web")["imageDetails"][0]
    assert detail["imageScanStatus"]["status"] == "FAILED"
    assert detail["imageScanStatus"]["description"].startswith("UnsupportedImageError")
    assert detail["imageScanFindingsSummary"]["findingSeverityCounts"] == {}
    found = lab.ecr.describe_image_scan_findings(repositoryName="web", imageId={"imageTag": "v1"})
    assert found["imageId"]["imageDigest"] == digest
    assert found["imageScanStatus"] == SCAN_STATUS
    assert found["imageScanFindings"]["findings"] == []
    assert found["imageScanFindings"]["findingSeverityCounts"] == {}


def test_no_scan_without_scan_on_push_until_started(lab):
    lab.ecr.create_repository(repositoryName="web")
    lab.ecr.push_image("web", "v1")
    detail = lab.ecr.describe_images(repositoryName="web")["imageDetails"][0]
    assert "imageScanStatus" not in detail
    with pytest.raises(NotFoundError) as info:
        lab.ecr.describe_image_scan_findings(repositoryName="web", imageId={"imageTag": "v1"})
    assert info.value.code == "ScanNotFoundException"
    started = lab.ecr.start_image_scan(repositoryName="web", imageId={"imageTag": "v1"})
    assert started["imageScanStatus"]["status"] == "IN_PROGRESS"
    found = lab.ecr.describe_image_scan_findings(repositoryName="web", imageId={"imageTag": "v1"})
    assert found["imageScanFindings"]["findingSeverityCounts"] == {}


# -- lifecycle: the pure evaluator ----------------------------------------------------------------
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.timezone.utc)


def img(name, tags=(), days_ago=0.0):
    return {
        "imageDigest": f"sha256:{name}",
        "imageTags": list(tags),
        "imagePushedAt": NOW - dt.timedelta(days=days_ago),
    }


# From the ECR user guide, "Examples of lifecycle policies".
GUIDE_IMAGES = [
    img("A", ["beta-1", "prod-1"], 10),
    img("B", ["beta-2", "prod-2"], 9),
    img("C", ["beta-3"], 8),
]
MIXED = [
    img("old-untagged", [], 30),
    img("v1", ["v1"], 20),
    img("v2", ["v2"], 10),
    img("new-untagged", [], 5),
    img("v3", ["v3"], 2),
    img("latest", ["latest", "v4"], 1),
]

LIFECYCLE_CASES = [
    # (name, rules, images, expected [(digest name, priority)])
    (
        "guide: multiple rules, an image is not expired against an earlier rule's selection",
        [
            rule(1, "tagged", tagPrefixList=["prod"]),
            rule(2, "tagged", tagPrefixList=["beta"]),
        ],
        GUIDE_IMAGES,
        [("A", 1)],
    ),
    (
        "guide: several prefixes in one rule must all match",
        [rule(1, "tagged", tagPrefixList=["alpha", "beta"])],
        [
            img("A", ["alpha-1", "beta-1", "gamma-1"], 10),
            img("B", ["alpha-2", "beta-2"], 9),
            img("C", ["alpha-3"], 8),
        ],
        [("A", 1)],
    ),
    (
        "keep newest 2 of any",
        [rule(1, "any", number=2)],
        MIXED,
        [("old-untagged", 1), ("v1", 1), ("v2", 1), ("new-untagged", 1)],
    ),
    (
        "untagged older than 7 days",
        [rule(1, "untagged", "sinceImagePushed", 7)],
        MIXED,
        [("old-untagged", 1)],
    ),
    (
        "untagged keep 1, then tagged v* keep 2",
        [rule(1, "untagged", number=1), rule(2, "tagged", tagPatternList=["v*"], number=2)],
        MIXED,
        [("old-untagged", 1), ("v1", 2), ("v2", 2)],
    ),
    (
        "tagged pattern older than 3 days",
        [rule(1, "tagged", "sinceImagePushed", 3, tagPatternList=["v*"])],
        MIXED,
        [("v1", 1), ("v2", 1)],
    ),
    (
        "wildcard in the middle of a pattern",
        [rule(1, "tagged", tagPatternList=["v*-rc"])],
        [img("a", ["v1-rc"], 3), img("b", ["v1"], 2), img("c", ["v2-rc"], 1)],
        [("a", 1)],
    ),
    (
        "an 'any' rule cannot expire what an earlier rule selected (and kept)",
        [rule(1, "tagged", tagPrefixList=["v"], number=5), rule(2, "any", number=1)],
        MIXED,
        [("old-untagged", 2), ("new-untagged", 2)],
    ),
    (
        "nothing to expire",
        [rule(1, "tagged", tagPrefixList=["prod"], number=1)],
        MIXED,
        [],
    ),
]


@pytest.mark.parametrize(
    ("rules", "images", "expected"),
    [c[1:] for c in LIFECYCLE_CASES],
    ids=[c[0] for c in LIFECYCLE_CASES],
)
def test_lifecycle_evaluation(rules, images, expected):
    policy = json.dumps({"rules": rules})
    result = lifecycle.evaluate(policy, images, NOW)
    got = [(r["imageDigest"].split(":", 1)[1], r["appliedRulePriority"]) for r in result]
    assert got == expected


def test_lifecycle_rules_run_in_priority_order_not_list_order():
    rules = [rule(2, "tagged", tagPrefixList=["beta"]), rule(1, "tagged", tagPrefixList=["prod"])]
    got = lifecycle.evaluate({"rules": rules}, GUIDE_IMAGES, NOW)
    assert [(r["imageDigest"], r["appliedRulePriority"]) for r in got] == [("sha256:A", 1)]


def test_lifecycle_ties_are_broken_by_list_order():
    same_second = [img(n, ["t"], 0) for n in ("first", "second", "third")]
    got = lifecycle.evaluate({"rules": [rule(1, "any", number=1)]}, same_second, NOW)
    assert [r["imageDigest"] for r in got] == ["sha256:first", "sha256:second"]


BAD_POLICIES = [
    ("not json", "{rules:"),
    ("no rules", {"policy": []}),
    ("empty rules", {"rules": []}),
    ("missing action", {"rules": [{"rulePriority": 1, "selection": rule(1, "any")["selection"]}]}),
    ("bad action", {"rules": [{**rule(1, "any"), "action": {"type": "delete"}}]}),
    ("bad tagStatus", {"rules": [rule(1, "TAGGED", tagPrefixList=["v"])]}),
    ("tagged without list", {"rules": [rule(1, "tagged")]}),
    ("both lists", {"rules": [rule(1, "tagged", tagPrefixList=["a"], tagPatternList=["a*"])]}),
    ("list with untagged", {"rules": [rule(1, "untagged", tagPrefixList=["a"])]}),
    ("unit on a count", {"rules": [rule(1, "any", countUnit="days")]}),
    ("zero count", {"rules": [rule(1, "any", number=0)]}),
    ("duplicate priority", {"rules": [rule(1, "untagged"), rule(1, "any")]}),
    ("any not last", {"rules": [rule(1, "any"), rule(2, "untagged")]}),
    ("two untagged rules", {"rules": [rule(1, "untagged"), rule(2, "untagged", number=3)]}),
    ("too many wildcards", {"rules": [rule(1, "tagged", tagPatternList=["*a*b*c*d*"])]}),
    ("unknown key", {"rules": [{**rule(1, "any"), "name": "x"}]}),
]
BAD_POLICIES.append(
    (
        "since without unit",
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "selection": {
                        "tagStatus": "any",
                        "countType": "sinceImagePushed",
                        "countNumber": 3,
                    },
                    "action": {"type": "expire"},
                }
            ]
        },
    )
)


@pytest.mark.parametrize("policy", [p for _, p in BAD_POLICIES], ids=[n for n, _ in BAD_POLICIES])
def test_malformed_policies_are_refused(policy):
    with pytest.raises(InvalidParameterError) as info:
        lifecycle.validate(policy)
    assert info.value.code == "InvalidParameterException"
    assert "Lifecycle policy validation failure" in info.value.message
    assert info.value.hint


# -- lifecycle in the lab -----------------------------------------------------------------------
def test_put_lifecycle_policy_validates_before_storing(lab):
    lab.ecr.create_repository(repositoryName="web")
    with pytest.raises(InvalidParameterError):
        lab.ecr.put_lifecycle_policy(
            repositoryName="web", lifecyclePolicyText=json.dumps({"rules": [rule(1, "tagged")]})
        )
    with pytest.raises(NotFoundError):
        lab.ecr.get_lifecycle_policy(repositoryName="web")


def test_preview_and_apply(lab):
    lab.ecr.create_repository(repositoryName="web")
    digests = {}
    for n in range(1, 6):
        digests[f"v{n}"] = lab.ecr.push_image("web", f"v{n}", message=f"v{n}")["imageId"][
            "imageDigest"
        ]
    for n in range(1, 4):
        digests[f"nightly{n}"] = lab.ecr.push_image("web", "latest", message=f"nightly {n}")[
            "imageId"
        ]["imageDigest"]
    policy = {
        "rules": [
            rule(1, "untagged", number=1),
            rule(2, "tagged", tagPrefixList=["v"], number=2),
        ]
    }
    lab.ecr.put_lifecycle_policy(repositoryName="web", lifecyclePolicyText=json.dumps(policy))

    with pytest.raises(NotFoundError):
        lab.ecr.get_lifecycle_policy_preview(repositoryName="web")
    started = lab.ecr.start_lifecycle_policy_preview(repositoryName="web")
    assert started["status"] == "IN_PROGRESS"
    preview = lab.ecr.get_lifecycle_policy_preview(repositoryName="web")
    assert preview["status"] == "COMPLETE"
    expected = {
        digests["v1"]: 2,
        digests["v2"]: 2,
        digests["v3"]: 2,
        digests["nightly1"]: 1,  # untagged when nightly2 took 'latest'; nightly2 is kept
    }
    assert {r["imageDigest"]: r["appliedRulePriority"] for r in preview["previewResults"]} == (
        expected
    )
    assert preview["summary"] == {"expiringImageTotalCount": 4}
    assert all(r["action"] == {"type": "EXPIRE"} for r in preview["previewResults"])
    untagged_only = lab.ecr.get_lifecycle_policy_preview(
        repositoryName="web", filter={"tagStatus": "UNTAGGED"}
    )
    assert [r["imageDigest"] for r in untagged_only["previewResults"]] == [digests["nightly1"]]

    expired = lab.ecr.apply_lifecycle_policy("web")
    assert {r["imageDigest"] for r in expired} == set(expected)
    left = {d["imageDigest"] for d in lab.ecr.describe_images(repositoryName="web")["imageDetails"]}
    assert left == {digests[k] for k in ("v4", "v5", "nightly2", "nightly3")}
    assert lab.ecr.apply_lifecycle_policy("web") == []  # nothing more to expire


def test_apply_since_image_pushed_with_a_later_clock(lab):
    lab.ecr.create_repository(repositoryName="web")
    lab.ecr.push_image("web", "v1", message="a")
    lab.ecr.push_image("web", "v2", message="b")
    policy = {"rules": [rule(1, "any", "sinceImagePushed", 14)]}
    lab.ecr.put_lifecycle_policy(repositoryName="web", lifecyclePolicyText=json.dumps(policy))
    assert lab.ecr.apply_lifecycle_policy("web") == []
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=15)
    assert len(lab.ecr.apply_lifecycle_policy("web", now=later)) == 2
    assert lab.ecr.describe_images(repositoryName="web")["imageDetails"] == []


# -- authorization --------------------------------------------------------------------------------
def test_authorization_token_is_masked(lab, capsys):
    data = lab.ecr.get_authorization_token()["authorizationData"][0]
    token = data["authorizationToken"]
    assert isinstance(token, SecretToken)
    real = token.reveal()
    assert type(real) is str and len(real) > 8
    for shown in (str(token), repr(token), f"{token}", format(token), repr(data)):
        assert real not in shown
    assert str(token) == f"{real[:4]}…(hidden, {len(real)} chars)"
    print(data, token)
    assert real not in capsys.readouterr().out
    # Still the real value for code that compares it.
    assert token == real
    # Nothing that copies a str's characters gets them: json, slicing, concatenation.
    assert real not in json.dumps(data, default=str)
    with pytest.raises(LabError, match="cannot be sliced"):
        token[:]
    with pytest.raises(TypeError):
        "Basic " + token
    # Valid for 12 hours from now on the lab's clock.
    assert data["expiresAt"] - lab.now() > dt.timedelta(hours=11, minutes=59)


def test_docker_login_command_never_holds_the_secret(lab):
    token = lab.ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    command = lab.ecr.docker_login_command()
    assert "--password-stdin" in command and "aws ecr get-login-password" in command
    assert token.reveal() not in command
    assert f"{lab.account_id}.dkr.ecr.{lab.region}.amazonaws.com" in command


def test_images_table(lab):
    lab.ecr.create_repository(repositoryName="web", imageScanningConfiguration={"scanOnPush": True})
    lab.ecr.push_image("web", "v1", message="one")
    lab.ecr.push_image("web", "v2", message="two")
    table = lab.ecr.images_table("web")
    assert [r["tags"] for r in table] == [["v2"], ["v1"]]  # newest first
    first = table[0]
    assert build_sample_image("two").digest.startswith(first["digest"])
    assert first["size (bytes)"] == len(build_sample_image("two").layer)
    assert first["scan"] == "FAILED"
    assert "<table>" in table._repr_html_()


def test_all_errors_are_lab_errors(lab):
    with pytest.raises(LabError):
        lab.ecr.describe_images(repositoryName="missing")
    with pytest.raises(LabError):
        lab.ecr.apply_lifecycle_policy("missing")


def test_plain_put_image_gets_the_true_digest(lab):
    lab.ecr.create_repository(repositoryName="web")
    image = build_sample_image("plain")
    response = lab.ecr.put_image(
        repositoryName="web", imageManifest=image.manifest_json, imageTag="v1"
    )
    assert response["image"]["imageId"]["imageDigest"] == sha(image.manifest_json)
    listed = lab.ecr.list_images(repositoryName="web")["imageIds"]
    assert listed == [{"imageDigest": sha(image.manifest_json), "imageTag": "v1"}]
