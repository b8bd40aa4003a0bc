"""The JupyterHub route for rooms larger than one machine (deploy/jupyterhub/values.yaml, for
the Zero to JupyterHub chart): it parses, uses only the chart's keys, runs the Binder image
at a pinned tag, opens the first lesson, asks for sane resources, and its hub settings load
as traitlets configuration."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
VALUES = ROOT / "deploy" / "jupyterhub" / "values.yaml"
# make run by these tests, not under the flags of a make that runs them (`make test`).
MAKE_ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}

#: The chart keys the file may set, as the jupyterhub chart 4.x's values.schema.yaml names
#: them (hub.config is JupyterHub's own configuration, checked below).
CHART_KEYS = {
    "hub.config",
    "singleuser.image.name",
    "singleuser.image.tag",
    "singleuser.image.pullPolicy",
    "singleuser.defaultUrl",
    "singleuser.cmd",
    "singleuser.storage.type",
    "singleuser.memory.guarantee",
    "singleuser.memory.limit",
    "singleuser.cpu.guarantee",
    "singleuser.cpu.limit",
    "singleuser.startTimeout",
    "prePuller.hook.enabled",
    "prePuller.continuous.enabled",
    "scheduling.userScheduler.enabled",
    "scheduling.podPriority.enabled",
    "scheduling.userPlaceholder.enabled",
    "scheduling.userPlaceholder.replicas",
    "cull.enabled",
    "cull.timeout",
    "cull.every",
}

QUANTITY = r"^[0-9]+(\.[0-9]+)?[KMGT]$"

#: What this project expects of the values (types as the chart's schema gives them).
SCHEMA = {
    "type": "object",
    "required": ["hub", "singleuser", "cull"],
    "properties": {
        "singleuser": {
            "type": "object",
            "required": ["image", "defaultUrl", "memory", "cpu", "storage"],
            "properties": {
                "image": {
                    "type": "object",
                    "required": ["name", "tag"],
                    "properties": {
                        "name": {
                            "type": "string",
                            "pattern": r"^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9./_-]+$",
                        },
                        "tag": {"type": "string", "not": {"enum": ["latest", ""]}},
                        "pullPolicy": {"enum": ["IfNotPresent", "Always", "Never"]},
                    },
                },
                "defaultUrl": {"type": "string", "pattern": r"^/lab/tree/.+\.ipynb$"},
                "memory": {
                    "type": "object",
                    "required": ["guarantee", "limit"],
                    "properties": {
                        "guarantee": {"type": "string", "pattern": QUANTITY},
                        "limit": {"type": "string", "pattern": QUANTITY},
                    },
                },
                "cpu": {
                    "type": "object",
                    "required": ["guarantee", "limit"],
                    "properties": {
                        "guarantee": {"type": "number", "exclusiveMinimum": 0},
                        "limit": {"type": "number", "exclusiveMinimum": 0},
                    },
                },
                "storage": {"properties": {"type": {"enum": ["dynamic", "static", "none"]}}},
                "startTimeout": {"type": "integer", "minimum": 1},
            },
        },
        "cull": {
            "type": "object",
            "properties": {
                "enabled": {"type": "boolean"},
                "timeout": {"type": "integer", "minimum": 600},
                "every": {"type": "integer", "minimum": 60},
            },
        },
    },
}


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def _leaves(data: dict, prefix: str = "") -> set[str]:
    found = set()
    for key, value in data.items():
        path = f"{prefix}{key}"
        if path == "hub.config" or not isinstance(value, dict):
            found.add(path)
        else:
            found |= _leaves(value, path + ".")
    return found


def _bytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([KMGT])", quantity).groups()
    # JupyterHub reads K, M, G and T as powers of 1024 (its ByteSpecification).
    return float(number) * 1024 ** ("KMGT".index(unit) + 1)


def test_values_use_only_the_charts_keys(values):
    assert _leaves(values) <= CHART_KEYS, _leaves(values) - CHART_KEYS


def test_values_match_what_the_project_expects(values):
    import jsonschema  # here, not at the top: its format checkers take about 2 s to import

    jsonschema.validate(values, SCHEMA)


def test_the_image_is_the_binder_image_at_a_pinned_tag(values):
    image = values["singleuser"]["image"]
    assert image["name"].endswith("/awscontainers-workshop")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|v?\d+(\.\d+)*", image["tag"])
    # `make hub-image` builds it from binder/ with repo2docker, as mybinder.org does, as the
    # user the chart runs (jovyan, uid 1000).
    ref = f"{image['name']}:{image['tag']}"
    done = subprocess.run(
        ["make", "-n", "--no-print-directory", "hub-image", f"IMAGE={ref}"],
        cwd=ROOT,
        env=MAKE_ENV,
        capture_output=True,
        text=True,
        timeout=60,
    )
    command = done.stdout.strip().splitlines()[-1].split()
    assert command[0].endswith("repo2docker")
    assert command[-1] == "."
    for option in (["--image-name", ref], ["--user-id", "1000"], ["--user-name", "jovyan"]):
        index = command.index(option[0])
        assert command[index : index + 2] == option
    assert "--push" in command and "--no-run" in command


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_hub_image_asks_where_to_push():
    done = subprocess.run(
        ["make", "--no-print-directory", "hub-image", "IMAGE="],
        cwd=ROOT,
        env=MAKE_ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0 and "make hub-image IMAGE=" in done.stdout


def test_each_learner_opens_the_first_lesson_of_the_image(values):
    single = values["singleuser"]
    # repo2docker puts the repository in the learner's home, which JupyterLab serves.
    path = single["defaultUrl"].removeprefix("/lab/tree/")
    assert (ROOT / path).is_file()
    # No home volume: it would hide the notebooks the image keeps in the home directory.
    assert single["storage"]["type"] == "none"
    assert single["cmd"] == "jupyterhub-singleuser"


def test_resources_are_guaranteed_below_their_limits(values):
    memory, cpu = values["singleuser"]["memory"], values["singleuser"]["cpu"]
    assert _bytes(memory["guarantee"]) <= _bytes(memory["limit"])
    assert cpu["guarantee"] <= cpu["limit"]
    # At least what docs/workshop.md measured for a server (about 100 MiB) with the hungriest
    # lesson's kernel (368 MiB, 08-day-2), and room for a second kernel under the limit.
    assert _bytes(memory["guarantee"]) >= (100 + 368) * 2**20
    assert _bytes(memory["limit"]) >= 600 * 2**20
    # Idle servers stop, but not during a lunch break of an hour.
    assert values["cull"]["enabled"] and values["cull"]["timeout"] > 3600


def test_hub_config_loads_as_traitlets_configuration(values):
    config = Config(values["hub"]["config"])
    assert config.JupyterHub.authenticator_class == "firstuseauthenticator.FirstUseAuthenticator"
    assert config.Authenticator.allow_all is True
    assert "instructor" in config.Authenticator.admin_users
    assert config.FirstUseAuthenticator.create_users is True
    assert config.FirstUseAuthenticator.min_password_length >= 8
    # The passwords live on the hub's own volume (/srv/jupyterhub), so they survive a restart.
    assert config.FirstUseAuthenticator.dbm_path.startswith("/srv/jupyterhub/")
    # Only sections JupyterHub and this authenticator define.
    assert set(config) == {"JupyterHub", "Authenticator", "FirstUseAuthenticator"}


def test_the_binder_image_can_run_under_the_hub(values):
    """The hub starts `jupyterhub-singleuser` in the image: repo2docker's base environment
    for binder/runtime.txt's Python ships it (JupyterHub 5, as the chart's hub)."""
    import importlib.util

    # Found, not imported (importing it warns about a logging module it uses).
    spec = importlib.util.find_spec("repo2docker")
    assert spec is not None and spec.origin, "repo2docker is a dev dependency"
    version = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    base = Path(spec.origin).parent / "buildpacks" / "conda"
    environment = (base / f"environment.py-{version}.yml").read_text()
    assert re.search(r"^- jupyterhub-singleuser==5\.", environment, re.MULTILINE)
    assert values["singleuser"]["cmd"] == "jupyterhub-singleuser"
