"""Tests for awscontainers.modes: the hosting modes, their duties, supports and tables."""

from __future__ import annotations

import copy
import datetime
from html.parser import HTMLParser
from importlib import resources

import pytest

from awscontainers import modes
from awscontainers.errors import InvalidParameterError, LabError, NotFoundError

MODE_IDS = [
    "ecs-ec2",
    "ecs-fargate",
    "eks-ec2",
    "eks-nodegroup",
    "eks-fargate",
    "ecs-managed-instances",
    "eks-auto-mode",
]
REQUIRED_DUTIES = {
    "control_plane",
    "control_plane_cost",
    "multi_az_replication",
    "provision_servers",
    "container_runtime",
    "agent",
    "join_cluster",
    "os_patching",
    "check_capacity",
    "scale_nodes",
    "servers_visible",
    "orchestration",
}
EKS_MODES = [m for m in MODE_IDS if m.startswith("eks-")]
ECS_MODES = [m for m in MODE_IDS if m.startswith("ecs-")]


# --------------------------------------------------------------------------- structure


def test_mode_ids_and_order_are_stable():
    assert list(modes.MODES) == MODE_IDS
    assert [m.id for m in modes.classic()] == MODE_IDS[:5]
    assert [m.id for m in modes.newer()] == ["ecs-managed-instances", "eks-auto-mode"]


def test_required_duties_exist_in_layer_order():
    ids = [d.id for d in modes.DUTIES]
    assert set(ids) >= REQUIRED_DUTIES
    assert len(ids) == len(set(ids))
    # Duties climb the stack: a later duty never sits on a lower layer than an earlier one.
    layer_index = {layer.id: i for i, layer in enumerate(modes.LAYERS)}
    positions = [layer_index[d.layer] for d in modes.DUTIES]
    assert positions == sorted(positions)
    assert modes.LAYERS[0].id == "servers"
    assert modes.get_duty("control_plane").layer == "control-plane"


@pytest.mark.parametrize("mode_id", MODE_IDS)
def test_every_mode_has_every_duty_with_a_valid_owner(mode_id):
    mode = modes.get(mode_id)
    assert set(mode.duties) == {d.id for d in modes.DUTIES}
    for duty_id, assignment in mode.duties.items():
        assert assignment.owner in ("you", "aws"), (mode_id, duty_id)
        assert assignment.note.strip(), (mode_id, duty_id)
        assert assignment.source in modes.SOURCES, (mode_id, duty_id)


@pytest.mark.parametrize("mode_id", MODE_IDS)
def test_every_mode_has_every_feature_with_a_reason(mode_id):
    mode = modes.get(mode_id)
    assert set(mode.supports) == set(modes.FEATURES)
    for feature_id, support in mode.supports.items():
        assert isinstance(support.value, bool), (mode_id, feature_id)
        assert len(support.reason) > 10, (mode_id, feature_id)
        assert support.source in modes.SOURCES, (mode_id, feature_id)
        assert support.checked == "2026-11-27", (mode_id, feature_id)


def test_mode_fields():
    m = modes.get("ecs-fargate")
    assert (m.name, m.orchestrator, m.compute, m.management, m.newer) == (
        "ECS on Fargate",
        "ECS",
        "Fargate",
        "fully managed by AWS",
        False,
    )
    assert modes.get("eks-nodegroup").management == "semi-managed by AWS"
    assert modes.get("eks-ec2").management == "self-managed by you"
    assert {modes.get(m).orchestrator for m in ECS_MODES} == {"ECS"}
    assert {modes.get(m).orchestrator for m in EKS_MODES} == {"EKS"}
    assert modes.get("eks-auto-mode").newer is True
    assert modes.get("eks-auto-mode").introduced == "December 2024"
    assert modes.get("eks-fargate").checked == "2026-11-27"


def test_modes_are_frozen_and_hashable():
    m = modes.get("ecs-ec2")
    with pytest.raises(AttributeError):
        m.name = "something else"  # type: ignore[misc]
    assert {m, modes.get("ecs-ec2")} == {m}


def test_data_validates_and_every_fact_is_dated():
    assert modes.validate(modes.raw_data()) == []
    raw = modes.raw_data()
    for mode_id, mode in raw["modes"].items():
        assert mode["checked"] == datetime.date(2026, 11, 27), mode_id
        for block in ("control_plane", "billing", "one_task_per_node", "node_autoscaling"):
            assert mode[block]["checked"] == datetime.date(2026, 11, 27), (mode_id, block)
    for service_id, service in raw["services"].items():
        assert service["checked"] == datetime.date(2026, 11, 27), service_id
        assert service["source"] in raw["sources"]


def test_validate_reports_a_missing_duty_and_a_bad_owner():
    raw = modes.raw_data()
    del raw["modes"]["ecs-ec2"]["duties"]["os_patching"]
    raw["modes"]["eks-ec2"]["duties"]["agent"]["owner"] = "nobody"
    raw["modes"]["eks-fargate"]["supports"]["gpus"]["source"] = "made-up"
    problems = modes.validate(raw)
    assert any("ecs-ec2" in p and "os_patching" in p for p in problems)
    assert any("eks-ec2" in p and "agent" in p for p in problems)
    assert any("made-up" in p for p in problems)


def test_validate_reports_property_duties_that_contradict_their_facts():
    raw = modes.raw_data()
    raw["modes"]["ecs-ec2"]["control_plane"]["free"] = False
    raw["modes"]["ecs-fargate"]["servers_in_your_account"] = True
    problems = modes.validate(raw)
    assert any("ecs-ec2" in p and "control_plane_cost" in p for p in problems)
    assert any("ecs-fargate" in p and "servers_visible" in p for p in problems)


def test_broken_data_file_raises_lab_error(monkeypatch):
    bad = modes.raw_data()
    del bad["modes"]["eks-fargate"]["duties"]["agent"]
    monkeypatch.setattr(modes, "load_packaged", lambda _name: bad)
    modes._raw.cache_clear()
    try:
        with pytest.raises(LabError, match="missing duties"):
            modes._raw()
    finally:
        monkeypatch.undo()
        modes._raw.cache_clear()
    assert modes._raw()["modes"]["eks-fargate"]["duties"]["agent"]["owner"] == "aws"


# --------------------------------------------------------------------------- seed notes


SEED = modes.seed_statements()


@pytest.mark.parametrize("statement", SEED, ids=[s.text[:50] for s in SEED])
def test_seed_statement_resolves_and_matches(statement):
    assert statement.checks
    for path, expected in statement.checks:
        assert modes.lookup(path) == expected, (statement.text, path)


def test_all_seed_statements_pass_and_cover_the_notes():
    assert modes.check_seed_statements() == []
    # The notes hold 62 statements; losing some would mean notes no longer encoded.
    assert len(SEED) == 62
    texts = " ".join(s.text for s in SEED)
    for must in ("ECR", "Nexus", "Daemon", "stateful", "one node per pod", "not free", "semi"):
        assert must in texts, must


def test_seed_typos_are_not_copied():
    text = resources.files("awscontainers.data").joinpath("modes.yaml").read_text("utf-8")
    for typo in ("infrastacture", "infrastracture", "Deamon", "instanses", "controll ", "yorself"):
        assert typo not in text, typo


def test_check_seed_statements_detects_a_wrong_value(monkeypatch):
    wrong = modes.raw_data()
    wrong["modes"]["eks-nodegroup"]["duties"]["os_patching"]["owner"] = "aws"
    monkeypatch.setattr(modes, "_raw", lambda: wrong)
    failures = modes.check_seed_statements()
    assert failures
    assert all("eks-nodegroup" in f for f in failures)
    assert any("expected 'you'" in f for f in failures)


# --------------------------------------------------------------------------- facts


@pytest.mark.parametrize("mode_id", ECS_MODES)
def test_ecs_control_plane_is_free(mode_id):
    mode = modes.get(mode_id)
    assert mode.control_plane.free is True
    assert mode.control_plane.price_per_hour == 0.0
    assert mode.owner_of("control_plane_cost") == "aws"
    assert mode.control_plane.source == "ecs-pricing"


@pytest.mark.parametrize("mode_id", EKS_MODES)
def test_eks_control_plane_costs_ten_cents_an_hour(mode_id):
    cp = modes.get(mode_id).control_plane
    assert cp.free is False
    assert cp.price_per_hour == pytest.approx(0.10)
    assert cp.extended_price_per_hour == pytest.approx(0.60)
    assert (cp.currency, cp.unit) == ("USD", "cluster-hour")
    assert modes.get(mode_id).owner_of("control_plane_cost") == "you"


@pytest.mark.parametrize("mode_id", MODE_IDS)
def test_aws_always_runs_replicates_and_orchestrates(mode_id):
    mode = modes.get(mode_id)
    for duty in ("control_plane", "multi_az_replication", "orchestration"):
        assert mode.owner_of(duty) == "aws", duty


@pytest.mark.parametrize("mode_id", ["ecs-fargate", "eks-fargate"])
def test_fargate_facts(mode_id):
    mode = modes.get(mode_id)
    assert mode.servers_in_your_account is False
    assert mode.owner_of("servers_visible") == "aws"
    assert mode.one_task_per_node.value is True
    assert mode.billing.pays_for_whole_instance is False
    assert "vCPU-hour + GB-hour" in mode.billing.unit
    for feature in ("daemonsets", "stateful_ebs", "gpus", "privileged"):
        assert mode.supports[feature].value is False, feature
    # Only the EKS cluster fee is left for you.
    expected = [] if mode.orchestrator == "ECS" else ["control_plane_cost"]
    assert [d.id for d in mode.duties_of("you")] == expected


def test_fargate_daemonsets_reasons():
    assert "DAEMON" in modes.get("ecs-fargate").supports["daemonsets"].reason
    assert "one pod per node" in modes.get("eks-fargate").supports["daemonsets"].reason
    assert modes.get("eks-fargate").supports["daemonsets"].source == "eks-fargate"
    assert modes.get("eks-fargate").pods_per_node.max == 1
    assert "EFS" in modes.get("eks-fargate").supports["stateful_ebs"].reason
    # EKS Fargate lacks more than ECS Fargate does.
    eks, ecs = modes.get("eks-fargate").supports, modes.get("ecs-fargate").supports
    assert (eks["spot"].value, eks["arm"].value, eks["windows"].value) == (False, False, False)
    assert (ecs["spot"].value, ecs["arm"].value, ecs["windows"].value) == (True, True, True)


@pytest.mark.parametrize("mode_id", ["ecs-ec2", "eks-ec2"])
def test_self_managed_ec2_you_do_the_hosting(mode_id):
    mode = modes.get(mode_id)
    yours = {d.id for d in mode.duties_of("you")}
    assert {
        "provision_servers",
        "container_runtime",
        "agent",
        "join_cluster",
        "os_patching",
        "check_capacity",
        "scale_nodes",
    } <= yours
    assert mode.servers_in_your_account is True
    assert mode.node_autoscaling.value is False
    # The optimized AMIs preinstall the runtime and agent; the notes must say so.
    assert "optimized AMI" in mode.duties["container_runtime"].note
    assert "preinstalled" in mode.duties["agent"].note


def test_ecs_ec2_join_uses_ecs_cluster_user_data():
    m = modes.get("ecs-ec2")
    assert "ECS_CLUSTER" in m.how_nodes_join
    assert "default" in m.how_nodes_join


def test_eks_ec2_join_needs_nodeadm_and_an_authorised_role():
    text = modes.get("eks-ec2").how_nodes_join
    assert "NodeConfig" in text
    assert "access entry" in text
    assert "29" in modes.get("eks-ec2").pods_per_node.note


def test_nodegroup_split():
    m = modes.get("eks-nodegroup")
    for duty in ("provision_servers", "container_runtime", "agent", "join_cluster"):
        assert m.owner_of(duty) == "aws", duty
    for duty in ("os_patching", "check_capacity", "scale_nodes"):
        assert m.owner_of(duty) == "you", duty
    assert m.duties["provision_servers"].configured_by == "you"
    assert m.node_autoscaling.value is False
    assert "Cluster Autoscaler or Karpenter" in m.duties["scale_nodes"].note
    assert "kubelet" in m.how_nodes_join and "kube-proxy" in m.how_nodes_join
    assert m.billing.management_fee is False


def test_eks_auto_mode_facts():
    m = modes.get("eks-auto-mode")
    assert [d.id for d in m.duties_of("you")] == ["servers_visible", "control_plane_cost"]
    assert "21 days" in m.duties["os_patching"].note
    assert "Karpenter" in m.how_nodes_join
    assert m.billing.management_fee is True
    assert m.supports["daemonsets"].value is True
    assert m.supports["ssh_access"].value is False
    assert m.node_autoscaling.value is True


def test_ecs_managed_instances_facts():
    m = modes.get("ecs-managed-instances")
    for duty in ("provision_servers", "os_patching", "scale_nodes", "check_capacity"):
        assert m.owner_of(duty) == "aws", duty
    assert m.supports["gpus"].value is True
    assert m.supports["windows"].value is False
    assert m.billing.management_fee is True
    assert m.billing.pays_for_whole_instance is True
    assert m.control_plane.free is True
    assert m.servers_in_your_account is True


def test_duties_shift_to_aws_left_to_right_within_each_orchestrator():
    def yours(mode_id):
        return len(modes.get(mode_id).duties_of("you"))

    assert yours("ecs-ec2") > yours("ecs-fargate")
    assert yours("eks-ec2") > yours("eks-nodegroup") > yours("eks-fargate")


def test_services():
    s = modes.SERVICES
    assert list(s) == ["ECR", "ECS", "EKS", "Fargate"]
    assert s["ECR"].facts["private"] is True
    assert s["ECR"].facts["alternatives"] == ["Docker Hub", "Nexus"]
    assert s["ECS"].facts["control_plane_free"] is True
    assert s["ECS"].facts["control_plane_created_with_cluster"] is True
    assert s["EKS"].facts["control_plane_free"] is False
    assert s["EKS"].facts["control_plane_multi_az"] is True
    assert s["Fargate"].facts["works_with"] == ["ECS", "EKS"]
    features = [f["id"] for f in s["Fargate"].facts["key_features"]]
    assert features == [
        "no_server_management",
        "automatic_scaling",
        "pay_as_you_go",
        "security_isolation",
        "integration",
    ]
    # Each service lists exactly the modes that use its orchestrator.
    assert s["ECS"].facts["modes"] == [m for m in MODE_IDS if modes.get(m).orchestrator == "ECS"]
    assert s["EKS"].facts["modes"] == [m for m in MODE_IDS if modes.get(m).orchestrator == "EKS"]


def test_third_party_sources_are_marked():
    assert modes.SOURCES["reinvent-2025-mi"].third_party is True
    assert modes.SOURCES["eks-pricing"].third_party is False
    assert all(src.url.startswith("https://") for src in modes.SOURCES.values())


# --------------------------------------------------------------------------- queries


def test_get_unknown_id_lists_valid_ids():
    with pytest.raises(NotFoundError) as err:
        modes.get("ecs-lambda")
    message = str(err.value)
    assert "ecs-lambda" in message
    for mode_id in MODE_IDS:
        assert mode_id in message


def test_get_forgives_case_and_underscores():
    assert modes.get(" ECS_EC2 ").id == "ecs-ec2"
    assert modes.get(modes.get("eks-fargate")).id == "eks-fargate"


def test_owner_of_and_duties_of_validate_input():
    m = modes.get("ecs-ec2")
    with pytest.raises(NotFoundError, match="os_patching"):
        m.owner_of("patch_everything")
    with pytest.raises(InvalidParameterError):
        m.duties_of("nobody")
    assert [d.id for d in m.duties_of("AWS")] == [
        "control_plane",
        "multi_az_replication",
        "control_plane_cost",
        "orchestration",
    ]


def test_lookup_paths_lists_and_errors():
    assert modes.lookup("modes.eks-ec2.control_plane.price_per_hour") == pytest.approx(0.10)
    assert modes.lookup("duties.agent.purpose") == "talk to the control plane"
    assert modes.lookup("duties.0.id") == "provision_servers"
    assert modes.lookup("services.Fargate.key_features.pay_as_you_go.label") == "Pay-as-you-go"
    with pytest.raises(NotFoundError) as err:
        modes.lookup("modes.ecs-ec2.duties.fly")
    assert "os_patching" in str(err.value)
    with pytest.raises(NotFoundError):
        modes.lookup("modes.ecs-ec2.name.more")


def test_lookup_returns_a_copy():
    duties = modes.lookup("modes.ecs-ec2.duties")
    duties["os_patching"]["owner"] = "aws"
    assert modes.lookup("modes.ecs-ec2.duties.os_patching.owner") == "you"


# --------------------------------------------------------------------------- tables


class _Cells(HTMLParser):
    """Collects the text of every <td> and <th scope="col"> of a table."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self.headers: list[str] = []
        self._target: list[str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self._text.append(" ")
        elif tag == "td":
            self._target, self._text = self.cells, []
        elif tag == "th" and ("scope", "col") in attrs:
            self._target, self._text = self.headers, []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._target is not None:
            self._target.append(" ".join("".join(self._text).split()))
            self._target = None

    def handle_data(self, data):
        if self._target is not None:
            self._text.append(data)


def _parse(markup: str) -> _Cells:
    parser = _Cells()
    parser.feed(markup)
    return parser


def test_responsibility_table_html_has_a_column_per_mode_and_words_in_every_cell():
    table = modes.responsibility_table()
    parsed = _parse(table._repr_html_())
    assert len(parsed.headers) == 1 + len(MODE_IDS)
    for header, mode_id in zip(parsed.headers[1:], MODE_IDS, strict=True):
        assert header.startswith(modes.get(mode_id).name)
        assert ("newer" in header) == modes.get(mode_id).newer
    assert len(parsed.cells) == len(modes.DUTIES) * len(MODE_IDS)
    rows = table.to_rows()
    expected = [{"you": "You", "aws": "AWS"}[row[m]] for row in rows for m in MODE_IDS]
    assert [cell.split()[0] for cell in parsed.cells] == expected


def test_responsibility_table_html_colours_and_determinism():
    first = modes.responsibility_table()._repr_html_()
    second = modes.responsibility_table()._repr_html_()
    assert first == second
    assert " id=" not in first
    assert modes.YOU_COLOUR in first and modes.AWS_COLOUR in first
    # The caption explains the colours in words.
    assert "= your job" in first
    # Notes travel as tooltips; the nodegroup's patching note is there, escaped.
    assert "one click in the console" in first


def test_responsibility_table_rows_and_text():
    table = modes.responsibility_table(["ecs-ec2", "eks-nodegroup"], ["os_patching", "agent"])
    assert table.to_rows() == [
        {
            "duty": "os_patching",
            "label": modes.get_duty("os_patching").label,
            "layer": "os",
            "ecs-ec2": "you",
            "eks-nodegroup": "you",
        },
        {
            "duty": "agent",
            "label": modes.get_duty("agent").label,
            "layer": "agent",
            "ecs-ec2": "you",
            "eks-nodegroup": "aws",
        },
    ]
    text = table.to_text()
    assert "os_patching | You     | You" in text
    assert "agent       | You     | AWS" in text
    assert "newer" not in text
    assert repr(table) == "ResponsibilityTable(2 duties x 2 modes)"


def test_responsibility_table_rejects_unknown_names():
    with pytest.raises(NotFoundError):
        modes.responsibility_table(["ecs-ec2", "nope"])
    with pytest.raises(NotFoundError):
        modes.responsibility_table(duties=["nope"])


def test_supports_table():
    table = modes.supports_table()
    rows = table.to_rows()
    assert [r["feature"] for r in rows] == list(modes.FEATURES)
    daemonsets = rows[0]
    assert daemonsets["ecs-fargate"] is False and daemonsets["eks-ec2"] is True
    markup = table._repr_html_()
    assert markup == modes.supports_table()._repr_html_()
    parsed = _parse(markup)
    assert len(parsed.headers) == 1 + len(MODE_IDS)
    assert len(parsed.cells) == len(modes.FEATURES) * len(MODE_IDS)
    words = [cell.split()[0] for cell in parsed.cells]
    assert words == ["Yes" if r[m] else "No" for r in rows for m in MODE_IDS]
    # A "No" cell explains itself in the cell, not only in a tooltip.
    fargate_daemonsets = parsed.cells[MODE_IDS.index("eks-fargate")]
    assert fargate_daemonsets.startswith("No DaemonSets are not supported")
    with pytest.raises(NotFoundError):
        modes.supports_table(features=["teleport"])


def test_mode_card_html():
    card = modes.get("eks-fargate")._repr_html_()
    assert card == modes.get("eks-fargate")._repr_html_()
    assert "EKS on Fargate" in card
    for duty in modes.DUTIES:
        assert duty.label.replace("'", "&#x27;") in card
    assert "vCPU-hour + GB-hour + cluster-hours" in card
    assert "0.10 USD per cluster-hour (0.60 in extended support)" in card
    assert "https://docs.aws.amazon.com/eks/latest/userguide/fargate.html" in card
    assert " id=" not in card
    newer_card = modes.get("eks-auto-mode")._repr_html_()
    assert "newer (December 2024)" in newer_card
    assert "(third-party)" in newer_card


def test_raw_data_is_a_copy():
    raw = modes.raw_data()
    raw["modes"].clear()
    assert list(modes.raw_data()["modes"]) == MODE_IDS
    assert copy.deepcopy(modes.raw_data()) == modes.raw_data()
