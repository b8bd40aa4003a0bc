"""The ways AWS can host your containers ("hosting modes"), as data you can query and show.

Each mode pairs an orchestrator (ECS or EKS) with a kind of compute (EC2 or Fargate) and a
split of duties between you and AWS: who creates the servers, patches them, installs the
container runtime and agent, joins them to the cluster, checks capacity, scales them, and
who runs and pays for the control plane. Everything comes from ``data/modes.yaml``, where
each fact carries its source and the date it was checked.

>>> from awscontainers import modes
>>> modes.get("ecs-ec2").owner_of("os_patching")
'you'
>>> modes.get("ecs-fargate").owner_of("os_patching")
'aws'
>>> [m.id for m in modes.classic()]
['ecs-ec2', 'ecs-fargate', 'eks-ec2', 'eks-nodegroup', 'eks-fargate']

In a notebook, ``modes.responsibility_table()`` and ``modes.supports_table()`` display as
colour-coded tables, and a single mode (``modes.get("eks-fargate")``) as a card.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from awscontainers.errors import InvalidParameterError, LabError, NotFoundError
from awscontainers.rules.data import load_packaged

Owner = Literal["you", "aws"]
OWNERS: tuple[str, ...] = ("you", "aws")
ORCHESTRATORS: tuple[str, ...] = ("ECS", "EKS")
MANAGEMENT_LEVELS: tuple[str, ...] = (
    "self-managed by you",
    "semi-managed by AWS",
    "fully managed by AWS",
)

# Okabe-Ito colours (safe for the common kinds of colour blindness), lightened to 30% so
# black text stays legible on them. Every cell also says its meaning in words.
YOU_COLOUR = "#F8E2B2"  # light tint of orange #E69F00
AWS_COLOUR = "#CCE8F8"  # light tint of sky blue #56B4E9
YES_COLOUR = "#B2E2D5"  # light tint of bluish green #009E73
NO_COLOUR = "#F2CFB2"  # light tint of vermillion #D55E00

_DATA_FILE = "modes.yaml"


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Source:
    """Where a fact comes from.

    >>> SOURCES["eks-pricing"].url
    'https://aws.amazon.com/eks/pricing/'
    """

    id: str
    title: str
    url: str
    third_party: bool = False


@dataclass(frozen=True)
class Layer:
    """One layer of the hosting stack, from the hardware up (for stacking diagrams).

    >>> LAYERS[0].id
    'servers'
    """

    id: str
    label: str


@dataclass(frozen=True)
class Duty:
    """A job someone has to do to keep containers running.

    ``kind`` is ``"task"`` (someone does it) or ``"property"`` (a fact about the mode whose
    owner means "who pays" or "whose account", see ``description``).

    >>> get_duty("join_cluster").layer
    'cluster-join'
    """

    id: str
    label: str
    layer: str
    kind: str = "task"
    description: str = ""
    purpose: str | None = None


@dataclass(frozen=True)
class Feature:
    """A capability compared across modes (DaemonSets, GPUs...).

    >>> FEATURES["gpus"].label
    'GPUs'
    """

    id: str
    label: str


@dataclass(frozen=True)
class Assignment:
    """Who does one duty in one mode, with a short note saying how.

    ``configured_by`` is set when the owner does the work but you still configure it
    (a nodegroup's size, a Fargate task's CPU and memory).

    >>> get("eks-nodegroup").duties["provision_servers"].configured_by
    'you'
    """

    duty_id: str
    owner: str
    note: str
    short: str = ""
    source: str = ""
    configured_by: str | None = None


@dataclass(frozen=True)
class Support:
    """Whether a mode supports a feature, why, and where that is written.

    >>> get("eks-fargate").supports["daemonsets"].value
    False
    """

    value: bool
    reason: str
    source: str
    checked: str = ""


@dataclass(frozen=True)
class ControlPlane:
    """What the control plane costs (USD per cluster-hour; 0 when free).

    >>> get("eks-ec2").control_plane.price_per_hour
    0.1
    """

    free: bool
    price_per_hour: float
    extended_price_per_hour: float | None
    currency: str
    unit: str
    source: str
    checked: str


@dataclass(frozen=True)
class Billing:
    """How the compute is billed.

    >>> get("ecs-fargate").billing.unit
    'vCPU-hour + GB-hour'
    """

    model: str
    unit: str
    pays_for_whole_instance: bool
    management_fee: bool
    source: str
    checked: str


@dataclass(frozen=True)
class PodsPerNode:
    """How many pods fit on one node (``max`` is None when it depends on the instance type).

    >>> get("eks-fargate").pods_per_node.max
    1
    """

    max: int | None
    note: str
    source: str
    checked: str


@dataclass(frozen=True)
class Mode:
    """One hosting mode: an orchestrator, a kind of compute and a split of duties.

    >>> m = get("eks-nodegroup")
    >>> m.management, m.owner_of("os_patching"), m.owner_of("agent")
    ('semi-managed by AWS', 'you', 'aws')
    """

    id: str
    name: str
    orchestrator: str
    compute: str
    management: str
    newer: bool
    summary: str
    duties: dict[str, Assignment] = field(repr=False)
    control_plane: ControlPlane = field(repr=False)
    supports: dict[str, Support] = field(repr=False)
    billing: Billing = field(repr=False)
    servers_in_your_account: bool = field(repr=False)
    one_task_per_node: Support = field(repr=False)
    node_autoscaling: Support = field(repr=False)
    pods_per_node: PodsPerNode | None = field(repr=False)
    how_nodes_join: str = field(repr=False)
    introduced: str | None = field(default=None, repr=False)
    checked: str = field(default="", repr=False)

    # The dict fields make the generated hash fail; a mode is identified by its id anyway.
    def __hash__(self) -> int:
        return hash(self.id)

    def owner_of(self, duty_id: str) -> str:
        """Return ``"you"`` or ``"aws"``: who does ``duty_id`` in this mode.

        >>> get("ecs-ec2").owner_of("provision_servers")
        'you'
        """
        return self.duties[get_duty(duty_id).id].owner

    def duties_of(self, owner: str) -> list[Duty]:
        """The duties ``owner`` (``"you"`` or ``"aws"``) has in this mode, bottom layer first.

        >>> [d.id for d in get("eks-nodegroup").duties_of("you")]
        ['servers_visible', 'os_patching', 'check_capacity', 'scale_nodes', 'control_plane_cost']
        """
        wanted = _normalise_owner(owner)
        return [d for d in DUTIES if self.duties[d.id].owner == wanted]

    def _repr_html_(self) -> str:
        return _mode_card_html(self)


@dataclass(frozen=True)
class Service:
    """An AWS service around the modes (ECR, ECS, EKS, Fargate); ``facts`` holds the rest.

    >>> SERVICES["Fargate"].facts["works_with"]
    ['ECS', 'EKS']
    """

    id: str
    name: str
    full_name: str
    kind: str
    summary: str
    source: str
    checked: str
    facts: dict[str, Any] = field(repr=False)

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class SeedStatement:
    """One statement from the user's notes and the ``(path, expected value)`` pairs encoding it.

    >>> seed_statements()[0].checks[0]
    ('services.ECR.private', True)
    """

    text: str
    checks: tuple[tuple[str, Any], ...]


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    # Checked once: the file is package data and does not change while Python runs.
    data = load_packaged(_DATA_FILE)
    problems = validate(data)
    if problems:
        raise LabError(
            f"awscontainers/data/{_DATA_FILE} is inconsistent: " + "; ".join(problems),
            hint="Fix the data file (or reinstall the package).",
        )
    return data


def _iso(value: Any) -> str:
    # YAML turns 2026-11-27 into a date; the API hands out plain ISO strings.
    return "" if value is None else str(value)


def validate(data: dict[str, Any]) -> list[str]:
    """Check the structure of a modes data set; return a list of problems (empty when fine).

    >>> validate(raw_data())
    []
    """
    problems: list[str] = []
    sources = data.get("sources") or {}
    layer_ids = [layer["id"] for layer in data.get("layers") or []]
    duty_ids = [d["id"] for d in data.get("duties") or []]
    feature_ids = [f["id"] for f in data.get("features") or []]
    if len(set(duty_ids)) != len(duty_ids):
        problems.append("duty ids are not unique")
    for duty in data.get("duties") or []:
        if duty.get("layer") not in layer_ids:
            problems.append(f"duty {duty.get('id')}: unknown layer {duty.get('layer')!r}")

    def check_source(where: str, block: dict[str, Any]) -> None:
        if block.get("source") not in sources:
            problems.append(f"{where}: unknown source {block.get('source')!r}")

    modes = data.get("modes") or {}
    if not modes:
        problems.append("no modes")
    for mode_id, mode in modes.items():
        where = f"mode {mode_id}"
        if mode.get("orchestrator") not in ORCHESTRATORS:
            problems.append(f"{where}: orchestrator must be one of {ORCHESTRATORS}")
        if mode.get("management") not in MANAGEMENT_LEVELS:
            problems.append(f"{where}: management must be one of {MANAGEMENT_LEVELS}")
        if not isinstance(mode.get("newer"), bool):
            problems.append(f"{where}: newer must be true or false")
        duties = mode.get("duties") or {}
        missing = [d for d in duty_ids if d not in duties]
        extra = [d for d in duties if d not in duty_ids]
        if missing:
            problems.append(f"{where}: missing duties {missing}")
        if extra:
            problems.append(f"{where}: unknown duties {extra}")
        for duty_id, entry in duties.items():
            if entry.get("owner") not in OWNERS:
                problems.append(f"{where}: duty {duty_id} owner must be 'you' or 'aws'")
            if not entry.get("note"):
                problems.append(f"{where}: duty {duty_id} has no note")
            check_source(f"{where} duty {duty_id}", entry)
        supports = mode.get("supports") or {}
        for feature_id in feature_ids:
            entry = supports.get(feature_id)
            if entry is None:
                problems.append(f"{where}: missing support entry {feature_id}")
                continue
            if not isinstance(entry.get("value"), bool) or not entry.get("reason"):
                problems.append(
                    f"{where}: support {feature_id} needs a true/false value and a reason"
                )
            check_source(f"{where} support {feature_id}", entry)
        for name in ("control_plane", "billing", "one_task_per_node", "node_autoscaling"):
            if not isinstance(mode.get(name), dict):
                problems.append(f"{where}: missing {name}")
            else:
                check_source(f"{where} {name}", mode[name])
        if isinstance(mode.get("pods_per_node"), dict):
            check_source(f"{where} pods_per_node", mode["pods_per_node"])
        # The "property" duties must agree with the facts they restate.
        cost_owner = duties.get("control_plane_cost", {}).get("owner")
        free = (mode.get("control_plane") or {}).get("free")
        if cost_owner is not None and (cost_owner == "aws") != bool(free):
            problems.append(f"{where}: control_plane_cost owner disagrees with control_plane.free")
        visible_owner = duties.get("servers_visible", {}).get("owner")
        in_account = mode.get("servers_in_your_account")
        if visible_owner is not None and (visible_owner == "you") != bool(in_account):
            problems.append(
                f"{where}: servers_visible owner disagrees with servers_in_your_account"
            )
    for service_id, service in (data.get("services") or {}).items():
        check_source(f"service {service_id}", service)
    return problems


def raw_data() -> dict[str, Any]:
    """A copy of the whole data file as plain dicts and lists (safe to change).

    >>> sorted(raw_data()["services"])
    ['ECR', 'ECS', 'EKS', 'Fargate']
    """
    return copy.deepcopy(_raw())


def lookup(path: str) -> Any:
    """Resolve a dotted path into the data file; lists of items with ids are indexed by id.

    >>> lookup("modes.ecs-fargate.duties.provision_servers.owner")
    'aws'
    >>> lookup("duties.agent.layer")
    'agent'
    """
    node: Any = _raw()
    walked: list[str] = []
    for part in str(path).split("."):
        if isinstance(node, dict):
            if part not in node:
                _lookup_error(path, walked, part, [str(k) for k in node])
            node = node[part]
        elif isinstance(node, list):
            by_id = {str(item.get("id")): item for item in node if isinstance(item, dict)}
            if part in by_id:
                node = by_id[part]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                _lookup_error(path, walked, part, list(by_id) or [str(i) for i in range(len(node))])
        else:
            _lookup_error(path, walked, part, [])
        walked.append(part)
    # A copy, so a caller cannot change the shared data by accident.
    return copy.deepcopy(node)


def _lookup_error(path: str, walked: list[str], part: str, valid: list[str]) -> None:
    where = ".".join(walked) or "the top level"
    choices = ", ".join(valid) if valid else "nothing (it is a plain value)"
    raise NotFoundError(
        f"No '{part}' under {where} (looking up '{path}'). Valid here: {choices}",
        hint="Check the spelling against awscontainers/data/modes.yaml.",
    )


def _build_modes(data: dict[str, Any]) -> dict[str, Mode]:
    modes: dict[str, Mode] = {}
    for mode_id, m in data["modes"].items():
        ppn = m.get("pods_per_node")
        cp = m["control_plane"]
        bill = m["billing"]
        modes[mode_id] = Mode(
            id=mode_id,
            name=m["name"],
            orchestrator=m["orchestrator"],
            compute=m["compute"],
            management=m["management"],
            newer=m["newer"],
            summary=" ".join(m["summary"].split()),
            duties={
                duty_id: Assignment(
                    duty_id=duty_id,
                    owner=e["owner"],
                    note=e["note"],
                    short=e.get("short", ""),
                    source=e.get("source", ""),
                    configured_by=e.get("configured_by"),
                )
                for duty_id, e in m["duties"].items()
            },
            control_plane=ControlPlane(
                free=cp["free"],
                price_per_hour=float(cp["price_per_hour"]),
                extended_price_per_hour=(
                    None
                    if cp.get("extended_price_per_hour") is None
                    else float(cp["extended_price_per_hour"])
                ),
                currency=cp["currency"],
                unit=cp["unit"],
                source=cp["source"],
                checked=_iso(cp.get("checked")),
            ),
            supports={k: _support(v) for k, v in m["supports"].items()},
            billing=Billing(
                model=bill["model"],
                unit=bill["unit"],
                pays_for_whole_instance=bill["pays_for_whole_instance"],
                management_fee=bill["management_fee"],
                source=bill["source"],
                checked=_iso(bill.get("checked")),
            ),
            servers_in_your_account=m["servers_in_your_account"],
            one_task_per_node=_support(m["one_task_per_node"]),
            node_autoscaling=_support(m["node_autoscaling"]),
            pods_per_node=(
                None
                if ppn is None
                else PodsPerNode(ppn["max"], ppn["note"], ppn["source"], _iso(ppn.get("checked")))
            ),
            how_nodes_join=" ".join(m["how_nodes_join"].split()),
            introduced=m.get("introduced"),
            checked=_iso(m.get("checked")),
        )
    return modes


def _support(entry: dict[str, Any]) -> Support:
    return Support(entry["value"], entry["reason"], entry["source"], _iso(entry.get("checked")))


def _build_services(data: dict[str, Any]) -> dict[str, Service]:
    services = {}
    core = ("name", "full_name", "kind", "summary", "source", "checked")
    for service_id, s in data["services"].items():
        services[service_id] = Service(
            id=service_id,
            name=s["name"],
            full_name=s["full_name"],
            kind=s["kind"],
            summary=s["summary"],
            source=s["source"],
            checked=_iso(s.get("checked")),
            facts={k: copy.deepcopy(v) for k, v in s.items() if k not in core},
        )
    return services


_DATA = _raw()

#: Every hosting mode by id, in display order (classic five first, newer after).
MODES: dict[str, Mode] = _build_modes(_DATA)
#: Every duty, from the hardware layer up.
DUTIES: list[Duty] = [
    Duty(
        d["id"],
        d["label"],
        d["layer"],
        d.get("kind", "task"),
        " ".join(str(d.get("description", "")).split()),
        d.get("purpose"),
    )
    for d in _DATA["duties"]
]
#: The layers duties belong to, from the hardware up.
LAYERS: list[Layer] = [Layer(layer["id"], layer["label"]) for layer in _DATA["layers"]]
#: Features compared by supports_table(), by id, in display order.
FEATURES: dict[str, Feature] = {f["id"]: Feature(f["id"], f["label"]) for f in _DATA["features"]}
#: ECR, ECS, EKS and Fargate.
SERVICES: dict[str, Service] = _build_services(_DATA)
#: Where the facts come from, by id.
SOURCES: dict[str, Source] = {
    k: Source(k, v["title"], v["url"], bool(v.get("third_party", False)))
    for k, v in _DATA["sources"].items()
}
_DUTIES_BY_ID = {d.id: d for d in DUTIES}


# --------------------------------------------------------------------------- queries


def _normalise_id(value: str) -> str:
    # Forgive the usual slips: "ECS_EC2", " ecs-ec2 ".
    return str(value).strip().lower().replace("_", "-")


def _normalise_owner(owner: str) -> str:
    wanted = str(owner).strip().lower()
    if wanted not in OWNERS:
        raise InvalidParameterError(
            f"Owner must be 'you' or 'aws', not {owner!r}.",
            hint="Ask for duties_of('you') or duties_of('aws').",
        )
    return wanted


def get(mode_id: str | Mode) -> Mode:
    """Return the mode called ``mode_id``; raise NotFoundError listing the valid ids.

    >>> get("eks-fargate").name
    'EKS on Fargate'
    """
    if isinstance(mode_id, Mode):
        return mode_id
    key = _normalise_id(mode_id)
    if key not in MODES:
        raise NotFoundError(
            f"No hosting mode {mode_id!r}. Valid ids: {', '.join(MODES)}",
            hint="Use one of the ids above, for example modes.get('ecs-fargate').",
        )
    return MODES[key]


def get_duty(duty_id: str | Duty) -> Duty:
    """Return the duty called ``duty_id``; raise NotFoundError listing the valid ids.

    >>> get_duty("os_patching").label
    "Patch and update the servers' operating system"
    """
    if isinstance(duty_id, Duty):
        return duty_id
    key = str(duty_id).strip().lower().replace("-", "_")
    if key not in _DUTIES_BY_ID:
        raise NotFoundError(
            f"No duty {duty_id!r}. Valid ids: {', '.join(_DUTIES_BY_ID)}",
            hint="Use one of the ids above, for example 'os_patching'.",
        )
    return _DUTIES_BY_ID[key]


def classic() -> list[Mode]:
    """The five classic modes (ECS on EC2/Fargate, EKS on EC2/nodegroups/Fargate).

    >>> len(classic())
    5
    """
    return [m for m in MODES.values() if not m.newer]


def newer() -> list[Mode]:
    """The newer modes (ECS Managed Instances, EKS Auto Mode).

    >>> [m.id for m in newer()]
    ['ecs-managed-instances', 'eks-auto-mode']
    """
    return [m for m in MODES.values() if m.newer]


def seed_statements() -> list[SeedStatement]:
    """Every statement from the user's notes, with the data paths and values encoding it.

    >>> len(seed_statements()) > 40
    True
    """
    out = []
    for entry in _raw()["seed_statements"]:
        encoded = entry["encoded_by"]
        checks: tuple[tuple[str, Any], ...]
        if isinstance(encoded, str):
            checks = ((encoded, entry["expect"]),)
        else:
            checks = tuple((c["path"], c["expect"]) for c in encoded)
        out.append(SeedStatement(entry["text"], checks))
    return out


def check_seed_statements() -> list[str]:
    """Return one message per seed check whose path is missing or holds another value.

    >>> check_seed_statements()
    []
    """
    failures = []
    for statement in seed_statements():
        for path, expected in statement.checks:
            try:
                found = lookup(path)
            except NotFoundError as err:
                failures.append(f"{statement.text!r}: {err.message}")
                continue
            if found != expected:
                failures.append(f"{statement.text!r}: {path} is {found!r}, expected {expected!r}")
    return failures


# --------------------------------------------------------------------------- tables


def _resolve_modes(modes: Iterable[str | Mode] | None) -> tuple[Mode, ...]:
    if modes is None:
        return tuple(MODES.values())
    if isinstance(modes, (str, Mode)):
        modes = [modes]
    return tuple(get(m) for m in modes)


def _resolve_duties(duties: Iterable[str | Duty] | None) -> tuple[Duty, ...]:
    if duties is None:
        return tuple(DUTIES)
    if isinstance(duties, (str, Duty)):
        duties = [duties]
    return tuple(get_duty(d) for d in duties)


def _resolve_features(features: Iterable[str] | None) -> tuple[Feature, ...]:
    if features is None:
        return tuple(FEATURES.values())
    if isinstance(features, str):
        features = [features]
    out = []
    for f in features:
        key = str(f).strip().lower()
        if key not in FEATURES:
            raise NotFoundError(
                f"No feature {f!r}. Valid ids: {', '.join(FEATURES)}",
                hint="Use one of the ids above, for example 'daemonsets'.",
            )
        out.append(FEATURES[key])
    return tuple(out)


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


_TABLE_STYLE = "border-collapse:collapse;font-size:13px;line-height:1.3"
_CELL = "border:1px solid #888;padding:4px 6px;vertical-align:top"


def _mode_header(mode: Mode) -> str:
    # Newer modes get the word "newer" (not just a style) and a dashed border.
    border = "border:2px dashed #555" if mode.newer else "border:1px solid #888"
    tag = "<br><em>newer</em>" if mode.newer else ""
    return (
        f'<th scope="col" style="{border};padding:4px 6px;vertical-align:bottom">'
        f"{_e(mode.name)}<br><small>{_e(mode.orchestrator)} · {_e(mode.compute)} · "
        f"{_e(mode.management)}</small>{tag}</th>"
    )


def _plain_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    for row in rows:
        lines.append(" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


@dataclass(frozen=True)
class ResponsibilityTable:
    """Who does each duty (rows) in each mode (columns).

    >>> t = responsibility_table(["ecs-ec2", "ecs-fargate"], ["os_patching"])
    >>> t.to_rows()[0]["ecs-ec2"], t.to_rows()[0]["ecs-fargate"]
    ('you', 'aws')
    """

    modes: tuple[Mode, ...]
    duties: tuple[Duty, ...]

    def to_rows(self) -> list[dict[str, str]]:
        """One dict per duty: ``duty``, ``label``, ``layer``, then ``mode_id -> "you"|"aws"``."""
        rows = []
        for duty in self.duties:
            row = {"duty": duty.id, "label": duty.label, "layer": duty.layer}
            row.update({m.id: m.duties[duty.id].owner for m in self.modes})
            rows.append(row)
        return rows

    def to_text(self) -> str:
        """The table as plain text, with "You"/"AWS" in each cell and * on newer modes."""
        header = ["duty"] + [m.id + ("*" if m.newer else "") for m in self.modes]
        rows = [
            [d.id] + [_owner_word(m.duties[d.id].owner) for m in self.modes] for d in self.duties
        ]
        text = "Who does what (You = your job, AWS = AWS's job)\n" + _plain_table(header, rows)
        if any(m.newer for m in self.modes):
            text += "\n* newer mode"
        return text

    def _repr_html_(self) -> str:
        head = "".join(_mode_header(m) for m in self.modes)
        body = []
        for duty in self.duties:
            cells = "".join(_owner_cell(m.duties[duty.id]) for m in self.modes)
            body.append(
                f'<tr><th scope="row" style="{_CELL};text-align:left;font-weight:normal">'
                f"{_e(duty.label)}</th>{cells}</tr>"
            )
        return (
            f'<table style="{_TABLE_STYLE}">'
            '<caption style="caption-side:top;text-align:left;padding:4px 0">'
            "Who does what: "
            f'<span style="background:{YOU_COLOUR};color:#000;padding:0 4px">You</span> = your '
            f'job, <span style="background:{AWS_COLOUR};color:#000;padding:0 4px">AWS</span> = '
            "AWS&#x27;s job. Hover a cell for details.</caption>"
            f'<thead><tr><th scope="col" style="{_CELL};text-align:left">Duty</th>{head}</tr>'
            f"</thead><tbody>{''.join(body)}</tbody></table>"
        )

    def __repr__(self) -> str:
        return f"ResponsibilityTable({len(self.duties)} duties x {len(self.modes)} modes)"


def _owner_word(owner: str) -> str:
    return "You" if owner == "you" else "AWS"


def _owner_cell(a: Assignment) -> str:
    colour = YOU_COLOUR if a.owner == "you" else AWS_COLOUR
    # Show the short note only when it adds something to the owner word.
    extra = ""
    if a.short and a.short.strip().lower() not in OWNERS:
        extra = f"<br><small>{_e(a.short)}</small>"
    return (
        f'<td style="{_CELL};background:{colour};color:#000" title="{_e(a.note)}">'
        f"<strong>{_owner_word(a.owner)}</strong>{extra}</td>"
    )


def responsibility_table(
    modes: Iterable[str | Mode] | None = None, duties: Iterable[str | Duty] | None = None
) -> ResponsibilityTable:
    """Build the duties-by-modes table (all of both by default); it displays in notebooks.

    >>> print(responsibility_table(["ecs-ec2", "eks-auto-mode"], ["agent"]).to_text())
    Who does what (You = your job, AWS = AWS's job)
    duty  | ecs-ec2 | eks-auto-mode*
    ------+---------+---------------
    agent | You     | AWS
    * newer mode
    """
    return ResponsibilityTable(_resolve_modes(modes), _resolve_duties(duties))


@dataclass(frozen=True)
class SupportsTable:
    """Which features (rows) each mode (columns) supports, with the reasons.

    >>> supports_table(["ecs-ec2", "eks-fargate"], ["daemonsets"]).to_rows()[0]["eks-fargate"]
    False
    """

    modes: tuple[Mode, ...]
    features: tuple[Feature, ...]

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per feature: ``feature``, ``label``, then ``mode_id -> True|False``."""
        rows: list[dict[str, Any]] = []
        for feature in self.features:
            row: dict[str, Any] = {"feature": feature.id, "label": feature.label}
            row.update({m.id: m.supports[feature.id].value for m in self.modes})
            rows.append(row)
        return rows

    def to_text(self) -> str:
        """The table as plain text, "yes"/"no" in each cell and * on newer modes."""
        header = ["feature"] + [m.id + ("*" if m.newer else "") for m in self.modes]
        rows = [
            [f.id] + ["yes" if m.supports[f.id].value else "no" for m in self.modes]
            for f in self.features
        ]
        text = _plain_table(header, rows)
        if any(m.newer for m in self.modes):
            text += "\n* newer mode"
        return text

    def _repr_html_(self) -> str:
        head = "".join(_mode_header(m) for m in self.modes)
        body = []
        for feature in self.features:
            cells = "".join(_support_cell(m.supports[feature.id]) for m in self.modes)
            body.append(
                f'<tr><th scope="row" style="{_CELL};text-align:left;font-weight:normal">'
                f"{_e(feature.label)}</th>{cells}</tr>"
            )
        return (
            f'<table style="{_TABLE_STYLE}">'
            '<caption style="caption-side:top;text-align:left;padding:4px 0">'
            "What each mode supports (reasons under each No; hover any cell for its reason)"
            f'</caption><thead><tr><th scope="col" style="{_CELL};text-align:left">Feature</th>'
            f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )

    def __repr__(self) -> str:
        return f"SupportsTable({len(self.features)} features x {len(self.modes)} modes)"


def _support_cell(s: Support) -> str:
    colour = YES_COLOUR if s.value else NO_COLOUR
    # The reason a feature is missing is the lesson, so "No" cells spell it out.
    extra = "" if s.value else f"<br><small>{_e(s.reason)}</small>"
    return (
        f'<td style="{_CELL};background:{colour};color:#000;max-width:16em" '
        f'title="{_e(s.reason)}"><strong>{"Yes" if s.value else "No"}</strong>{extra}</td>'
    )


def supports_table(
    modes: Iterable[str | Mode] | None = None, features: Iterable[str] | None = None
) -> SupportsTable:
    """Build the features-by-modes table (all of both by default); it displays in notebooks.

    >>> print(supports_table(["ecs-fargate", "eks-fargate"], ["gpus", "spot"]).to_text())
    feature | ecs-fargate | eks-fargate
    --------+-------------+------------
    gpus    | no          | no
    spot    | yes         | no
    """
    return SupportsTable(_resolve_modes(modes), _resolve_features(features))


# --------------------------------------------------------------------------- mode card


def _source_link(source_id: str) -> str:
    src = SOURCES.get(source_id)
    if src is None:
        return _e(source_id)
    mark = " (third-party)" if src.third_party else ""
    return f'<a href="{_e(src.url)}" target="_blank" rel="noopener">{_e(src.title)}</a>{mark}'


def _price(cp: ControlPlane) -> str:
    if cp.free:
        return "free"
    text = f"{cp.price_per_hour:.2f} {cp.currency} per {cp.unit}"
    if cp.extended_price_per_hour is not None:
        text += f" ({cp.extended_price_per_hour:.2f} in extended support)"
    return text


def _mode_card_html(mode: Mode) -> str:
    badges = [mode.orchestrator, mode.compute, mode.management]
    if mode.newer:
        badges.append(f"newer ({mode.introduced})" if mode.introduced else "newer")
    duty_rows = "".join(
        f'<tr><th scope="row" style="{_CELL};text-align:left;font-weight:normal">'
        f"{_e(d.label)}</th>{_owner_cell(mode.duties[d.id])}"
        f'<td style="{_CELL}">{_e(mode.duties[d.id].note)}</td></tr>'
        for d in DUTIES
    )
    support_rows = "".join(
        f'<tr><th scope="row" style="{_CELL};text-align:left;font-weight:normal">'
        f"{_e(f.label)}</th>"
        f'<td style="{_CELL};background:{YES_COLOUR if s.value else NO_COLOUR};color:#000">'
        f"<strong>{'Yes' if s.value else 'No'}</strong></td>"
        f'<td style="{_CELL}">{_e(s.reason)}</td></tr>'
        for f in FEATURES.values()
        for s in [mode.supports[f.id]]
    )
    per_node = "one task or pod per node" if mode.one_task_per_node.value else "shared by many"
    if mode.pods_per_node is not None:
        per_node += f"; pods per node: {mode.pods_per_node.note}"
    used = sorted(
        {a.source for a in mode.duties.values()}
        | {s.source for s in mode.supports.values()}
        | {mode.billing.source, mode.control_plane.source}
    )
    sources = "".join(f"<li>{_source_link(s)}</li>" for s in used)
    return (
        '<div style="border:1px solid #888;border-radius:6px;padding:8px 12px;max-width:60em">'
        f'<h3 style="margin:0 0 4px 0">{_e(mode.name)} <small>({_e(mode.id)})</small></h3>'
        f'<p style="margin:0 0 6px 0"><strong>{" · ".join(_e(b) for b in badges)}</strong></p>'
        f"<p>{_e(mode.summary)}</p>"
        f'<table style="{_TABLE_STYLE}"><caption style="caption-side:top;text-align:left">'
        "Who does what</caption>"
        f'<thead><tr><th scope="col" style="{_CELL}">Duty</th><th scope="col" style="{_CELL}">'
        f'Who</th><th scope="col" style="{_CELL}">How</th></tr></thead>'
        f"<tbody>{duty_rows}</tbody></table>"
        f'<table style="{_TABLE_STYLE};margin-top:8px"><caption style="caption-side:top;'
        'text-align:left">What it supports</caption>'
        f'<thead><tr><th scope="col" style="{_CELL}">Feature</th><th scope="col" '
        f'style="{_CELL}">Supported</th><th scope="col" style="{_CELL}">Why</th></tr></thead>'
        f"<tbody>{support_rows}</tbody></table>"
        '<ul style="margin-top:8px">'
        f"<li><strong>Billing:</strong> {_e(mode.billing.model)} "
        f"(unit: {_e(mode.billing.unit)})</li>"
        f"<li><strong>Control plane:</strong> {_e(_price(mode.control_plane))}</li>"
        f"<li><strong>Servers in your account:</strong> "
        f"{'yes' if mode.servers_in_your_account else 'no'}</li>"
        f"<li><strong>Per node:</strong> {_e(per_node)}</li>"
        f"<li><strong>Node autoscaling out of the box:</strong> "
        f"{'yes' if mode.node_autoscaling.value else 'no'}: {_e(mode.node_autoscaling.reason)}</li>"
        f"<li><strong>How nodes join:</strong> {_e(mode.how_nodes_join)}</li>"
        "</ul>"
        f"<details><summary>Sources (checked {_e(mode.checked)})</summary><ul>{sources}</ul>"
        "</details></div>"
    )
