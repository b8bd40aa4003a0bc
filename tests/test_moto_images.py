"""moto's public data made on first use answers exactly as moto's own eager loading does:
the region's images (moto_state.LazyImages) and the ECS-optimized AMI parameters of SSM
(moto_state._lazy_public_parameters): the same records, in the same order, with the same
errors, whatever is asked first."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers.moto_state import LazyImages, forget_account, quicken

_ACCOUNTS = itertools.count(210000000000)


#: moto's own eager loading of one region's images, made once for the module (about 1,300
#: images, each with its volume and snapshot: most of a second) and handed out as made.
_EAGER: dict = {}


def _backends():
    """A lazy backend (the lab's), in a fresh account of this process, and an eager one
    (moto's own loader) exactly as the loader left it: what an earlier example deregistered
    or copied is put back (the image dict, the deleted list, the copy error it noted)."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.amis import AmiBackend

    quicken()
    if not _EAGER:
        eager_id = str(next(_ACCOUNTS))
        eager = ec2_backends[eager_id]["us-east-1"]
        eager.amis = {}
        AmiBackend._load_amis.original(eager)
        _EAGER.update(id=eager_id, backend=eager, images=dict(eager.amis))
    eager = _EAGER["backend"]
    eager.amis = dict(_EAGER["images"])
    eager.deleted_amis = []
    vars(eager).pop("copy_error", None)
    lazy_id = str(next(_ACCOUNTS))
    return (lazy_id, ec2_backends[lazy_id]["us-east-1"]), (_EAGER["id"], eager)


def _answer(backend, **kwargs):
    """What describe_images answers: each image by id (an image of the account's own by
    its name, its id being random) or the error's name."""
    try:
        images = backend.describe_images(**kwargs)
    except Exception as exc:  # moto's own errors: compared by name
        return type(exc).__name__
    return [a.id if a.owner_alias == "amazon" else f"own:{a.name}" for a in images]


def test_a_new_backend_makes_no_image_until_asked():
    (lazy_id, lazy), (_, eager) = _backends()
    try:
        assert isinstance(lazy.amis, LazyImages)
        assert dict.__len__(lazy.amis) == 0
        assert len(lazy.amis) == len(eager.amis) > 1000
        assert list(lazy.amis) == list(eager.amis)  # listing makes them all, in order
        assert dict.__len__(lazy.amis) == len(eager.amis)
    finally:
        forget_account(lazy_id)


_ASKS = st.sampled_from(
    [
        "by-id",
        "by-ids",
        "by-missing-id",
        "by-malformed-id",
        "image-id-exact",
        "image-id-wild",
        "name-wild",
        "owner-and-name",
        "all",
        "get",
        "deregister",
        "copy",
    ]
)


@settings(max_examples=25, deadline=None)
@given(asks=st.lists(st.tuples(_ASKS, st.integers(0, 10_000)), min_size=1, max_size=6))
def test_lazy_images_answer_as_moto_s_eager_ones(asks):
    (lazy_id, lazy), (_, eager) = _backends()
    ids = list(eager.amis)
    names = [eager.amis[i].name for i in ids]
    try:
        for ask, n in asks:
            image, name = ids[n % len(ids)], names[n % len(ids)]
            other = ids[(n * 7 + 3) % len(ids)]
            if ask == "by-id":
                kwargs = {"ami_ids": [image]}
            elif ask == "by-ids":
                kwargs = {"ami_ids": [other, image]}
            elif ask == "by-missing-id":
                kwargs = {"ami_ids": ["ami-00000000000000000"]}
            elif ask == "by-malformed-id":
                kwargs = {"ami_ids": ["image-1"]}
            elif ask == "image-id-exact":
                kwargs = {"filters": {"image-id": [image]}}
            elif ask == "image-id-wild":
                kwargs = {"filters": {"image-id": [image[: 4 + n % 6] + "*"]}}
            elif ask == "name-wild":
                kwargs = {"filters": {"name": [(name or "x")[: 1 + n % 12] + "*"]}}
            elif ask == "owner-and-name":
                kwargs = {"owners": ["amazon"], "filters": {"name": ["amazon-eks-node*"]}}
            elif ask == "all":
                kwargs = {}
            if ask == "get":
                assert (image in lazy.amis) == (image in eager.amis)
                found = lazy.amis.get(image)
                assert (found and found.id) == (eager.amis.get(image) and image)
            elif ask == "deregister":
                outcomes = []
                for backend in (lazy, eager):
                    try:
                        backend.deregister_image(image)
                        outcomes.append("ok")
                    except Exception as exc:
                        outcomes.append(type(exc).__name__)
                assert outcomes[0] == outcomes[1]
            elif ask == "copy":
                for backend in (lazy, eager):
                    try:
                        backend.copy_image(image, "us-east-1", name=f"copy-{n}")
                    except Exception as exc:
                        backend.copy_error = type(exc).__name__
                assert getattr(lazy, "copy_error", None) == getattr(eager, "copy_error", None)
            else:
                assert _answer(lazy, **kwargs) == _answer(eager, **kwargs)
        assert len(lazy.amis) == len(eager.amis)
        assert _answer(lazy) == _answer(eager)  # in the end, everything in the same order
    finally:
        forget_account(lazy_id)


def test_an_instance_launches_on_a_waiting_image_and_makes_only_it():
    """RunInstances looks its AMI up by id: only that image is made."""
    from awscontainers import Lab
    from awscontainers.moto_state import ec2_backend

    with Lab() as lab:
        image = lab.ecs.ecs_optimized_ami()
        lab.client("ec2").run_instances(
            ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1
        )
        made = dict.keys(ec2_backend(lab.account_id, lab.region).amis)
        assert image in made and len(made) < 10
        with pytest.raises(Exception, match="does not exist"):
            lab.client("ec2").run_instances(
                ImageId="ami-00000000000000000", InstanceType="t3.micro", MinCount=1, MaxCount=1
            )


_PARAMETER_ASKS = st.lists(
    st.tuples(st.sampled_from(["name", "path", "missing", "own"]), st.integers(0, 10**4)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=15, deadline=None)
@given(asks=_PARAMETER_ASKS)
def test_public_parameters_made_one_by_one_answer_as_moto_s_whole_tree(asks):
    """Asked by name, one ECS-optimized AMI parameter is made; asked by path, the rest: the
    answers, and in the end every parameter in its place, are those of moto's own tree."""
    from moto.ssm.models import ParameterDict, ssm_backends

    from awscontainers.moto_state import _public_tree

    quicken()
    region = "us-east-1"
    tree = list(_public_tree(f"ecs/optimized_amis/{region}.json"))
    lazy_id, eager_id = str(next(_ACCOUNTS)), str(next(_ACCOUNTS))
    lazy, eager = ssm_backends[lazy_id][region], ssm_backends[eager_id][region]

    def answer(backend, ask, n):
        name = tree[n % len(tree)]
        try:
            if ask == "name":
                found = backend.get_parameter(name)
                return (found.name, found.value, found.version, found.parameter_type)
            if ask == "missing":
                return backend.get_parameter(f"{name}-nope")
            if ask == "own":
                backend.put_parameter(
                    name=f"/team/p{n}", description=None, value="v", parameter_type="String",
                    allowed_pattern=None, keyid=None, overwrite=True, tags=None,
                    data_type="text", tier=None, policies=None,
                )  # fmt: skip
                return "put"
            path = "/".join(name.split("/")[:6])
            found, _ = backend.get_parameters_by_path(path, recursive=True, max_results=10)
            return [(p.name, p.value) for p in found]
        except Exception as exc:  # moto's own errors: compared by name
            return type(exc).__name__

    try:
        # The eager side: moto's own loading, the whole tree when the first is asked.
        original = ParameterDict._check_loading_status.original
        for ask, n in asks:
            if ask in ("name", "missing", "path"):
                original(eager._parameters, tree[n % len(tree)])
            assert answer(lazy, ask, n) == answer(eager, ask, n)
        answer(lazy, "path", 0)
        original(eager._parameters, tree[0])
        assert list(dict.keys(lazy._parameters)) == list(dict.keys(eager._parameters))
        made = dict.__len__(lazy._parameters)
        assert made >= len(tree)
    finally:
        forget_account(lazy_id)
        forget_account(eager_id)


def test_a_lab_asking_for_the_ecs_ami_makes_one_parameter():
    from moto.ssm.models import ssm_backends

    from awscontainers import Lab

    with Lab() as lab:
        image = lab.ecs.ecs_optimized_ami()
        params = ssm_backends[lab.account_id][lab.region]._parameters
        assert image.startswith("ami-")
        assert dict.__len__(params) == 1


# Each process prints a digest of every region's offerings of each kind, as moto holds them
# once all are read; "lazy" imports awscontainers first (the lab's import), "eager" imports
# moto's EC2 module first, as moto alone does.
_OFFERINGS = """
import hashlib, json, sys
sys.path.insert(0, {root!r})
if {lazy!r}:
    from awscontainers.moto_state import quicken
    quicken()
from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS as offerings
from awscontainers.moto_state import quicken
quicken()
read_before = {{k: sorted(dict.keys(v)) for k, v in offerings.items()}}
from moto.ec2.models import ec2_backends
backend = ec2_backends["123456789012"]["eu-west-1"]
asked = [o["InstanceType"] for o in backend.describe_instance_type_offerings("region")][:3]
read_after = {{k: sorted(dict.keys(v)) for k, v in offerings.items()}}
kinds = {{k: type(v).__name__ for k, v in offerings.items()}}
whole = json.dumps({{k: {{r: v[r] for r in sorted(v)}} for k, v in offerings.items()}},
                   sort_keys=True)
print(json.dumps([kinds, read_before, read_after, asked, len(whole),
                  hashlib.sha256(whole.encode()).hexdigest()]))
"""


def _offerings(lazy: bool) -> list:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-c", _OFFERINGS.format(root=root, lazy=lazy)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def test_instance_type_offerings_read_on_first_use_are_moto_s_own():
    """The lab's import leaves each region's instance type offerings unread until asked
    for; what is read is what moto's eager import holds, every kind and region alike."""
    lazy_kinds, before, after, asked, size, digest = _offerings(lazy=True)
    eager_kinds, eager_before, _, eager_asked, eager_size, eager_digest = _offerings(lazy=False)
    assert set(lazy_kinds.values()) == {"LazyOfferings"}
    assert set(eager_kinds.values()) == {"dict"}
    assert before == {kind: [] for kind in lazy_kinds}
    assert after == {kind: (["eu-west-1"] if kind == "region" else []) for kind in lazy_kinds}
    assert len(eager_before["region"]) > 20  # moto read every region
    assert asked == eager_asked and len(asked) == 3
    assert (size, digest) == (eager_size, eager_digest)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    calls=st.lists(
        st.tuples(
            st.sampled_from(["choice", "string", "string-lower", "letters", "hex", "ec2-id"]),
            st.integers(0, 60),
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_moto_s_random_draws_are_the_same_characters_and_state(seed, calls):
    """moto_state's one-loop draws give what moto's own (Random.choice a character) give,
    and leave the random source in the same state: a seed's ids do not change."""
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.moto_random import MotoRandom

    from awscontainers.moto_state import quicken

    quicken()
    quick, plain = MotoRandom(seed), MotoRandom(seed)
    shared = mock_random.getstate()  # moto's shared source, put back after
    try:
        _draw_alike(quick, plain, calls)
    finally:
        mock_random.setstate(shared)
    with pytest.raises(IndexError):
        quick.choice([])


def _draw_alike(quick, plain, calls) -> None:
    """Each call drawn from ``quick`` (moto_state's draws) and ``plain`` (moto's own), two
    sources seeded alike: the same characters, and the same state after each."""
    import moto.ec2.utils as ec2_utils
    from moto.moto_api._internal import mock_random
    from moto.moto_api._internal.moto_random import MotoRandom

    for kind, n in calls:
        if kind == "ec2-id":  # EC2's own helper, on moto's shared random source
            mock_random.setstate(quick.getstate())
            assert getattr(ec2_utils.random_resource_id, "quick", False)
            drawn = ec2_utils.random_resource_id(n)
            quick.setstate(mock_random.getstate())
            mock_random.setstate(plain.getstate())
            assert drawn == ec2_utils.random_resource_id.original(n)
            plain.setstate(mock_random.getstate())
        elif kind == "choice":
            pool = list(range(n + 1))
            assert quick.choice(pool) == MotoRandom.choice.original(plain, pool)
        elif kind == "hex":
            assert quick.get_random_hex(n) == MotoRandom.get_random_hex.original(plain, n)
        else:
            kwargs = {"include_digits": kind != "letters", "lower_case": kind == "string-lower"}
            assert quick.get_random_string(n, **kwargs) == (
                MotoRandom.get_random_string.original(plain, n, **kwargs)
            )
        assert quick.getstate() == plain.getstate()
