import functools
import json
import logging
import os
import socket

import pytest
from hypothesis import settings

from awscontainers import Lab
from tests.lesson_steps import register, register_fargate  # noqa: F401  (tests import them from here)

# CI runs the property-based tests (tests/test_fuzz.py, ...) derandomized, so a run is
# repeatable; locally each run tries new examples. .ci/run sets HYPOTHESIS_PROFILE=ci.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config):
    """Python's cycle collector less often in the test process: a worker holds moto,
    botocore's models and Jupyter (a few hundred thousand objects), and every full
    collection walks all of them. At the default thresholds (700, 10, 10) a worker ran one
    every few hundred milliseconds: test_ecs_ec2, test_day2_patching and test_oneday spent
    2.5 of their 20 CPU-s there; at (10000, 10, 10), 0.85 s. Only the tests' own process is
    tuned: lesson kernels, servers and command-line runs keep Python's defaults, as a
    learner's do. Tests that look for what was freed call gc.collect() themselves."""
    import gc

    gc.set_threshold(10_000, 10, 10)


#: Not test modules: a stand-in package folder for the servers the tests start (fast_start).
collect_ignore = ["no_iri_grammar"]

#: Test modules whose tests share a costly module-scoped fixture (JupyterLab and a browser,
#: a whole docs build, a room server, a busy lab's snapshot): `make test` sends each whole to
#: one worker, so the fixture is made once rather than once per worker.
SHARED_SETUP = frozenset(
    f"tests/{name}.py"
    for name in (
        "test_notebooks_browser",
        "test_docs_site",
        "test_server",
        "test_room_resume",
        "test_snapshot",
    )
)
#: Modules that share a session-scoped fixture too (one room server, :func:`room`) go to the
#: same worker as one unit, named after the first.
SAME_UNIT = {"tests/test_room_resume.py": "tests/test_server.py"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """With ``--dist loadgroup`` (`make test`, `make unit`): a module in SHARED_SETUP is one
    unit of work, and so is a notebook (nbval runs its cells in order in one kernel); every
    other test is sent on its own, and the largest units start first. pytest-xdist's own
    loadgroup names its units by rewriting each test's node id, which pytest 9 ignores (the
    id lives elsewhere now), so the units are named here, from the ids."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedSetupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            whole = module in SHARED_SETUP or module.endswith(".ipynb")
            return SAME_UNIT.get(module, module) if whole else nodeid

    return SharedSetupScheduling(config, log)


@pytest.fixture(autouse=True)
def _lab_state_dir(tmp_path_factory, monkeypatch):
    """A real-backend lab keeps its ledger in a file: never in the tester's own cache."""
    monkeypatch.setenv("AWSCONTAINERS_STATE_DIR", str(tmp_path_factory.mktemp("labs")))


@pytest.fixture(scope="session")
def room():
    """One room server on loopback for every test that joins a room and leaves it running
    (tests/test_server.py, tests/test_room_resume.py: SAME_UNIT runs them on one worker).
    Each test joins as learners of its own, so no test sees another's accounts."""
    from awscontainers.server import start_server

    with start_server() as running:
        yield running


@pytest.fixture
def lab():
    lab = Lab()
    yield lab
    lab.close()


@pytest.fixture
def no_callback_errors(caplog):
    """ipywidgets logs (and swallows) an exception raised in a click handler; treat one as
    a test failure, or a crashing panel could pass a test that only checks the lab."""
    caplog.set_level(logging.WARNING, logger="traitlets")
    yield
    crashes = [r for r in caplog.records if "Exception in callback" in r.getMessage()]
    assert not crashes, crashes[0].exc_text or crashes[0].getMessage()


@pytest.fixture
def ec2_cluster(lab):
    """A cluster 'web' with two t3.medium instances joined (one per AZ)."""
    lab.ecs.create_cluster(clusterName="web")
    lab.ecs.launch_instances("web", count=2, instance_type="t3.medium")
    return "web"


@functools.cache
def lab_managed_policies() -> str:
    """moto's copy of AWS's managed IAM policies (its ``aws_managed_policies_data``), cut to
    the ones the lab's roles attach (``awscontainers.network.ROLES``), each as moto has it.
    With MOTO_IAM_LOAD_MANAGED_POLICIES moto parses its whole copy (1,582 policies, 4.7 MB
    of JSON) for each IAM backend it makes, and an account's first call makes six (one a
    partition): about a second a new account, for policies no lab attaches."""
    from moto.iam import aws_managed_policies

    from awscontainers.network import ROLES

    every = json.loads(aws_managed_policies.aws_managed_policies_data)
    names = sorted({arn.rsplit("/", 1)[-1] for _, arns in ROLES.values() for arn in arns})
    return json.dumps({name: every[name] for name in names})


@pytest.fixture
def aws(monkeypatch):
    """The real-AWS backend with moto standing in for AWS: boto3's usual environment
    credentials, AWS's managed IAM policies that the lab's roles attach loaded
    (:func:`lab_managed_policies`), account 123456789012 fresh, and every socket connection
    refused (nothing leaves the machine)."""
    # moto must be active (any in-process Lab starts it); this one lives elsewhere.
    holder = Lab(account_id="999999999999")
    monkeypatch.setattr("moto.iam.models.aws_managed_policies_data", lab_managed_policies())
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    from awscontainers.moto_state import forget_account

    forget_account("123456789012")

    def refuse(*args, **kwargs):
        raise AssertionError(f"network used: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield
    forget_account("123456789012")
    holder.close()


def wait_for_line(process, text: str, timeout: float = 120) -> str | None:
    """Wait until ``process`` (started with ``stderr=PIPE, text=True``) writes a stderr
    line holding ``text`` (a server saying where it listens): that line, or None if
    the process ended (or said nothing of the kind in ``timeout`` seconds). The rest of its
    output is read and dropped in a thread, so a full pipe never stalls the process."""
    import threading

    found: list[str] = []
    said = threading.Event()

    def read() -> None:
        for line in process.stderr:
            if not said.is_set() and text in line:
                found.append(line.strip())
                said.set()
        said.set()  # the process closed its stderr: it has ended

    threading.Thread(target=read, daemon=True).start()
    said.wait(timeout)
    return found[0] if found else None
