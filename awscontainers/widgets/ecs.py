"""ipywidgets panels for the ECS notebooks: see a cluster, launch instances, run tasks, scale
and drain a service, and pick a Fargate size.

Every panel talks to the lab only through ``lab.ecs`` (and ``lab.client('ec2')``), exactly as
a learner's own code would, so what a panel shows is what the API answers. A panel is shown
by leaving it as the last expression of a cell::

    view = ClusterView(lab, "web"); view
    LaunchPanel(lab, "web", view=view)

Each panel has ``.widget`` (the ipywidgets box) and ``.output`` (an ``HTML`` widget holding
the last result as text, so a test can read ``panel.output.value``). Buttons can be clicked
from code (``panel.button.click()``); a :class:`~awscontainers.errors.LabError` raised by the
lab is shown in ``.output`` instead of escaping the click handler, where ipywidgets would
only log it.

>>> from awscontainers import Lab
>>> lab = Lab()
>>> _ = lab.ecs.create_cluster(clusterName="web")
>>> panel = LaunchPanel(lab, "web")
>>> panel.count.value = 1
>>> panel.button.click()
>>> "joined web" in panel.output.value
True
>>> "2048 / 2048 CPU units free" in ClusterView(lab, "web").html()
True
>>> lab.close()
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..arns import short_name
from ..errors import FargateSizeError, LabError
from ..fargate import valid_sizes, validate_task_size
from .panel import Panel

if TYPE_CHECKING:
    from ..lab import Lab

__all__ = [
    "CONSTRAINTS",
    "INSTANCE_TYPES",
    "PLACEMENT_STRATEGIES",
    "ClusterView",
    "FargateRunPanel",
    "FargateSizePicker",
    "LaunchPanel",
    "RunTaskPanel",
    "ServicePanel",
]

#: Instance types the launch panel offers: burstable, general purpose, compute and memory
#: optimised, so a learner can compare how much CPU and memory each registers.
INSTANCE_TYPES = [
    "t3.medium",
    "t3.large",
    "m5.large",
    "m5.xlarge",
    "c5.large",
    "c5.xlarge",
    "r5.large",
]

#: The run-task panel's strategy choices, as the boto3 ``placementStrategy`` each one sends.
PLACEMENT_STRATEGIES: dict[str, list[dict[str, str]]] = {
    "random": [{"type": "random"}],
    "binpack memory": [{"type": "binpack", "field": "memory"}],
    "binpack cpu": [{"type": "binpack", "field": "cpu"}],
    "spread AZ": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    "spread instanceId": [{"type": "spread", "field": "instanceId"}],
}

#: The run-task panel's constraint choices, as the boto3 ``placementConstraints`` each sends.
CONSTRAINTS: dict[str, list[dict[str, str]]] = {
    "none": [],
    "distinctInstance": [{"type": "distinctInstance"}],
}

FARGATE_IMAGE = "public.ecr.aws/nginx/nginx:latest"

# What each ECS placement failure reason means, in words ({where} is the instance).
_REASON_WORDS = {
    "RESOURCE:CPU": "not enough free CPU units on {where}",
    "RESOURCE:MEMORY": "not enough free memory on {where}",
    "RESOURCE:PORTS": "a host port the task needs is already taken on {where}",
    "DistinctInstance placement constraint unsatisfied.": (
        "{where} already runs a task of this group, and distinctInstance allows one per instance"
    ),
    "MemberOf placement constraint unsatisfied.": "{where} does not match the memberOf expression",
    "MISSING": "{where} was not found in the cluster",
    "AGENT": "the ECS agent on {where} is not connected",
    "ATTRIBUTE": "{where} lacks an attribute the task definition requires",
}

_MIB_PER_GB = 1024
_UNITS_PER_VCPU = 1024
_WIDE = {"description_width": "initial"}


# --------------------------------------------------------------------------- small helpers


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _vcpu(units: int) -> str:
    return f"{units / _UNITS_PER_VCPU:g} vCPU"


def _gb(mib: int) -> str:
    return f"{mib / _MIB_PER_GB:g} GB"


def _error_html(exc: BaseException) -> str:
    """An error as the panel shows it: said in words ("Error"), not by colour alone."""
    if isinstance(exc, LabError):
        code = f" ({_esc(exc.code)})" if exc.code else ""
        text = f"<b>Error{code}:</b> {_esc(exc.message)}"
        if exc.hint:
            text += f"<br><b>What to do:</b> {_esc(exc.hint)}"
    else:
        text = (
            f"<b>Unexpected error (a bug in awscontainers, please report it):</b> "
            f"{_esc(type(exc).__name__)}: {_esc(exc)}"
        )
    return (
        '<div role="alert" style="border-left:4px solid #b00020;padding:4px 8px;'
        f'white-space:pre-wrap">{text}</div>'
    )


def _call_text(method: str, params: dict[str, Any]) -> str:
    """The boto3-style call a panel made, so the learner can copy it into their own code."""
    args = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return f"<p>Call made: <code>{_esc(f'{method}({args})')}</code></p>"


def _bar(label: str, used: int, total: int) -> str:
    """A bar of what is used, with ARIA values so a screen reader gets the numbers too."""
    percent = 0 if total <= 0 else max(0, min(100, round(100 * used / total)))
    return (
        f'<span role="progressbar" aria-label="{_esc(label)}" aria-valuemin="0" '
        f'aria-valuemax="{total}" aria-valuenow="{used}" style="display:inline-block;'
        'width:140px;height:10px;border:1px solid #777;background:#eee;vertical-align:middle">'
        f'<span style="display:block;width:{percent}%;height:100%;background:#3b6ea8"></span>'
        "</span>"
    )


def _pages(method: Callable[..., dict], key: str, **params: Any) -> list:
    """Every item of a paginated ECS/EC2 list call (nextToken / NextToken)."""
    items: list = []
    token_in = "NextToken" if key[0].isupper() else "nextToken"
    while True:
        page = method(**params)
        items.extend(page.get(key, []))
        token = page.get(token_in)
        if not token:
            return items
        params[token_in] = token


def _chunks(items: Sequence[str], size: int = 100) -> Iterable[Sequence[str]]:
    # describe_* calls take at most 100 ARNs at a time.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _container_instances(lab: Lab, cluster: str) -> list[dict]:
    """The cluster's container instances as ``describe_container_instances`` returns them."""
    arns = _pages(lab.ecs.list_container_instances, "containerInstanceArns", cluster=cluster)
    out: list[dict] = []
    for chunk in _chunks(arns):
        described = lab.ecs.describe_container_instances(
            cluster=cluster, containerInstances=list(chunk)
        )
        out.extend(described["containerInstances"])
    return out


def _attribute(record: dict, name: str) -> str:
    return next((a.get("value", "") for a in record.get("attributes", []) if a["name"] == name), "")


def _remaining(record: dict, name: str) -> int:
    resources = record.get("remainingResources", [])
    return next((r.get("integerValue", 0) for r in resources if r["name"] == name), 0)


def _tasks(lab: Lab, cluster: str, **filters: Any) -> list[dict]:
    """Running tasks of the cluster (boto3 shape), optionally filtered like ``list_tasks``."""
    arns = _pages(lab.ecs.list_tasks, "taskArns", cluster=cluster, **filters)
    out: list[dict] = []
    for chunk in _chunks(arns):
        out.extend(lab.ecs.describe_tasks(cluster=cluster, tasks=list(chunk))["tasks"])
    return out


def _eni(task: dict) -> tuple[str, str]:
    """(ENI id, private IP) of an awsvpc task, from its attachment."""
    for attachment in task.get("attachments", []):
        if attachment.get("type") == "ElasticNetworkInterface":
            details = {d["name"]: d.get("value", "") for d in attachment.get("details", [])}
            return details.get("networkInterfaceId", "?"), details.get("privateIPv4Address", "?")
    return "?", "?"


def _task_label(task: dict) -> str:
    return f"{short_name(task['taskDefinitionArn'])} {short_name(task['taskArn'])[:8]}"


def _ec2_instance_count(lab: Lab) -> int:
    """Instances in the account that are not terminated (terminated ones linger in the API)."""
    from .._aws import call

    ec2 = lab.client("ec2")
    count = 0
    token: str | None = None
    while True:
        page = call(ec2, "describe_instances", **({"NextToken": token} if token else {}))
        for reservation in page.get("Reservations", []):
            count += sum(
                1 for i in reservation.get("Instances", []) if i["State"]["Name"] != "terminated"
            )
        token = page.get("NextToken")
        if not token:
            return count


class _Panel(Panel):
    """What every lesson panel shares: ``.widget``, notebook display with its stored
    fallbacks (:class:`~awscontainers.widgets.panel.Panel`), and guarded button clicks."""

    widget: widgets.Box
    output: widgets.HTML

    def _run(self, button: widgets.Button, action: Callable[[], str]) -> None:
        """Run a click's ``action`` and show the HTML it returns, or the error it raised.

        ipywidgets only logs an exception raised in a click handler, so a learner would see
        nothing: errors are shown in the panel instead. Bugs (anything not a LabError) are
        shown too, then re-raised so they still reach the log and the tests."""
        button.disabled = True  # a second click while the first runs would act twice
        try:
            self.output.value = action()
        except LabError as exc:
            self.output.value = _error_html(exc)
        except Exception as exc:
            self.output.value = _error_html(exc)
            raise
        finally:
            button.disabled = False


def _refresh(view: ClusterView | None) -> None:
    if view is not None:
        view.refresh()


# --------------------------------------------------------------------------- cluster view


class ClusterView(_Panel):
    """A live picture of a cluster: one card per container instance (type, AZ, status,
    CPU and memory used and free, its tasks) and a line for the cluster's Fargate tasks.

    ``refresh()`` re-reads from ``lab.ecs`` (the other panels call it after acting);
    ``html()`` is the HTML shown, with no random ids, so it is the same on every run."""

    def __init__(self, lab: Lab, cluster: str):
        self.lab = lab
        self.cluster = cluster
        self.rows: list[dict] = []
        self.fargate_tasks: list[dict] = []
        self.output = widgets.HTML()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh())
        self.widget = widgets.VBox([self.output, self.refresh_button])
        self.refresh()

    def refresh(self) -> None:
        """Re-read the container instances and Fargate tasks and redraw."""
        try:
            self.rows = list(self.lab.ecs.container_instances(self.cluster))
            self.fargate_tasks = _tasks(self.lab, self.cluster, launchType="FARGATE")
        except LabError as exc:
            self.output.value = f"<h4>Cluster {_esc(self.cluster)}</h4>" + _error_html(exc)
            return
        self.output.value = self._render()

    def html(self) -> str:
        """The HTML currently shown (as of the last ``refresh()``)."""
        return self.output.value

    def _render(self) -> str:
        draining = sum(1 for r in self.rows if r.get("status") == "DRAINING")
        ec2_tasks = sum(_task_count(r.get("tasks")) for r in self.rows)
        parts = [
            f"<h4>Cluster {_esc(self.cluster)}: {len(self.rows)} container instance"
            f"{'' if len(self.rows) == 1 else 's'} ({len(self.rows) - draining} ACTIVE, "
            f"{draining} DRAINING), {ec2_tasks} task{'' if ec2_tasks == 1 else 's'} on EC2, "
            f"{len(self.fargate_tasks)} on Fargate</h4>"
        ]
        if not self.rows:
            parts.append(
                f"<p>No container instance has joined {_esc(self.cluster)} yet: tasks with the "
                "EC2 launch type have nowhere to run. Launch instances (the launch panel, or "
                f"<code>lab.ecs.launch_instances({self.cluster!r}, 2)</code>).</p>"
            )
        parts.extend(self._card(row) for row in self.rows)
        parts.append(self._fargate_line())
        return '<div class="awscontainers-cluster">' + "".join(parts) + "</div>"

    @staticmethod
    def _card(row: dict) -> str:
        instance = _esc(row.get("instance"))
        status = row.get("status") or "?"
        meaning = {
            "ACTIVE": "takes new tasks",
            "DRAINING": "no new tasks; its service tasks are moved to other instances",
        }.get(status, "")
        cpu, cpu_free = int(row.get("cpu") or 0), int(row.get("cpu_free") or 0)
        mem, mem_free = int(row.get("memory") or 0), int(row.get("memory_free") or 0)
        tasks = row.get("tasks")
        if isinstance(tasks, list):
            task_text = (
                f"{len(tasks)} task{'' if len(tasks) == 1 else 's'}: "
                + ", ".join(_esc(t) for t in tasks)
                if tasks
                else "no tasks"
            )
        else:  # real AWS only gives a count here
            task_text = f"{int(tasks or 0)} running task(s)"
        # A draining instance gets a dashed border as well as the word, never colour alone.
        border = "dashed" if status == "DRAINING" else "solid"
        name = str(row.get("instance"))
        meaning_text = f" ({_esc(meaning)})" if meaning else ""
        cpu_bar = _bar(f"CPU used on {name}", cpu - cpu_free, cpu)
        mem_bar = _bar(f"Memory used on {name}", mem - mem_free, mem)
        return (
            f'<div class="awscontainers-instance" style="border:1px {border} #888;'
            'padding:4px 8px;margin:4px 0">'
            f"<b>{instance}</b> &middot; {_esc(row.get('type'))} &middot; {_esc(row.get('az'))}"
            f" &middot; status <b>{_esc(status)}</b>{meaning_text}"
            f"<br>CPU {cpu_bar} {cpu_free} / {cpu} CPU units free"
            f"<br>Memory {mem_bar} {mem_free} / {mem} MiB memory free"
            f"<br>Tasks: {task_text}</div>"
        )

    def _fargate_line(self) -> str:
        tasks = self.fargate_tasks
        if not tasks:
            return "<p>Fargate tasks: none.</p>"
        items = "".join(
            f"<li>{_esc(_task_label(t))} on {_esc(t.get('capacityProviderName', 'FARGATE'))} in "
            f"{_esc(t.get('availabilityZone'))} (ENI {_esc(_eni(t)[0])})</li>"
            for t in tasks
        )
        return (
            f"<p>Fargate tasks: {len(tasks)}, each with its own network interface (ENI) in "
            "your VPC &mdash; no EC2 instance in your account for these.</p>"
            f"<ul>{items}</ul>"
        )


def _task_count(tasks: Any) -> int:
    return len(tasks) if isinstance(tasks, list) else int(tasks or 0)


# --------------------------------------------------------------------------- launching


class LaunchPanel(_Panel):
    """Choose an instance type and a count, click Launch: the instances start with the
    ECS-optimized AMI and ``ECS_CLUSTER=<cluster>`` and join the cluster."""

    def __init__(self, lab: Lab, cluster: str, view: ClusterView | None = None):
        self.lab = lab
        self.cluster = cluster
        self.view = view
        self.last_result: Any = None
        self.instance_type = widgets.Dropdown(
            options=INSTANCE_TYPES,
            value=INSTANCE_TYPES[0],
            description="Instance type",
            style=_WIDE,
        )
        # Two by default: the lab's subnets are in two AZs, one instance lands in each.
        self.count = widgets.IntSlider(value=2, min=1, max=5, description="How many", style=_WIDE)
        self.button = widgets.Button(description="Launch", button_style="primary", icon="play")
        self.output = widgets.HTML()
        self.button.on_click(lambda _: self._run(self.button, self._launch))
        self.widget = widgets.VBox(
            [widgets.HBox([self.instance_type, self.count, self.button]), self.output]
        )

    def _launch(self) -> str:
        count, itype = self.count.value, self.instance_type.value
        table = self.lab.ecs.launch_instances(self.cluster, count, itype)
        self.last_result = table
        joined = [row for row in table if row.get("joined") == self.cluster]
        missing = [row["instance"] for row in table if row.get("joined") != self.cluster]
        text = (
            f"<p>Launched {count} &times; {_esc(itype)}: {len(joined)} joined "
            f"{_esc(self.cluster)}.</p>"
        )
        if missing:
            text += (
                f"<p>Not joined: {_esc(', '.join(missing))}. Their ECS agent did not register "
                "with this cluster; <code>lab.ecs.agent_log()</code> says why.</p>"
            )
        params = {"cluster": self.cluster, "count": count, "instance_type": itype}
        _refresh(self.view)
        return text + table._repr_html_() + _call_text("lab.ecs.launch_instances", params)


# --------------------------------------------------------------------------- running tasks


def _needs(td: dict) -> tuple[int, int]:
    """(CPU units, MiB) one task of ``td`` reserves, as the scheduler counts it."""
    containers = td.get("containerDefinitions", [])
    cpu = int(td.get("cpu") or sum(int(c.get("cpu") or 0) for c in containers))
    memory = int(
        td.get("memory")
        or sum(int(c.get("memory") or c.get("memoryReservation") or 0) for c in containers)
    )
    return cpu, memory


class RunTaskPanel(_Panel):
    """Run standalone tasks with a placement strategy and constraint, and see where they
    went and why the rest could not be placed. ``.last_result`` is run_task's response."""

    def __init__(
        self,
        lab: Lab,
        cluster: str,
        task_definitions: list[str],
        view: ClusterView | None = None,
    ):
        self.lab = lab
        self.cluster = cluster
        self.view = view
        self.last_result: dict | None = None
        self.task_definition = widgets.Dropdown(
            options=list(task_definitions), description="Task definition", style=_WIDE
        )
        self.count = widgets.IntSlider(value=1, min=1, max=10, description="Count", style=_WIDE)
        self.strategy = widgets.Dropdown(
            options=list(PLACEMENT_STRATEGIES), value="random", description="Strategy", style=_WIDE
        )
        self.constraint = widgets.Dropdown(
            options=list(CONSTRAINTS), value="none", description="Constraint", style=_WIDE
        )
        self.button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.output = widgets.HTML()
        self.button.on_click(lambda _: self._run(self.button, self._run_task))
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.task_definition, self.count]),
                widgets.HBox([self.strategy, self.constraint, self.button]),
                self.output,
            ]
        )

    def _run_task(self) -> str:
        if not self.task_definition.value:
            return (
                "<p>No task definition to run: register one (lab.ecs.register_task_definition) "
                "and give its family to the panel.</p>"
            )
        params: dict[str, Any] = {
            "cluster": self.cluster,
            "taskDefinition": self.task_definition.value,
            "count": self.count.value,
            "placementStrategy": PLACEMENT_STRATEGIES[self.strategy.value],
        }
        if CONSTRAINTS[self.constraint.value]:
            params["placementConstraints"] = CONSTRAINTS[self.constraint.value]
        result = self.lab.ecs.run_task(**params)
        self.last_result = result
        _refresh(self.view)
        return self._describe(result, params)

    def _describe(self, result: dict, params: dict[str, Any]) -> str:
        tasks, failures = result.get("tasks", []), result.get("failures", [])
        instances = {
            ci["containerInstanceArn"]: ci for ci in _container_instances(self.lab, self.cluster)
        }
        parts = [
            f"<p><b>Started {len(tasks)} of {params['count']} task"
            f"{'' if params['count'] == 1 else 's'}</b> (strategy {_esc(self.strategy.value)}, "
            f"constraint {_esc(self.constraint.value)}).</p>"
        ]
        if tasks:
            items = []
            for t in tasks:
                ci = instances.get(t.get("containerInstanceArn", ""), {})
                where = ci.get("ec2InstanceId") or t.get("capacityProviderName") or "?"
                items.append(
                    f"<li>{_esc(_task_label(t))} on {_esc(where)} "
                    f"({_esc(t.get('availabilityZone'))})</li>"
                )
            parts.append(f"<ul>{''.join(items)}</ul>")
        if failures:
            cpu, memory = _needs(
                self.lab.ecs.describe_task_definition(taskDefinition=params["taskDefinition"])[
                    "taskDefinition"
                ]
            )
            parts.append(
                f"<p>Not placed: {params['count'] - len(tasks)}. ECS checked every ACTIVE "
                f"instance; each task needs {cpu} CPU units and {memory} MiB:</p>"
            )
            items = [f"<li>{_esc(self._failure_text(f, instances))}</li>" for f in failures]
            parts.append(f"<ul>{''.join(items)}</ul>")
        return "".join(parts) + _call_text("lab.ecs.run_task", params)

    @staticmethod
    def _failure_text(failure: dict, instances: dict[str, dict]) -> str:
        reason = failure.get("reason", "")
        ci = instances.get(failure.get("arn", ""))
        where = (
            ci.get("ec2InstanceId", short_name(failure.get("arn", "")))
            if ci
            else failure.get("arn", "?")
        )
        if ci:
            where += f" ({_attribute(ci, 'ecs.availability-zone')})"
        words = _REASON_WORDS.get(reason, f"{reason.rstrip('.')} on {{where}}").format(where=where)
        if ci and reason == "RESOURCE:CPU":
            words += f": {_remaining(ci, 'CPU')} CPU units free"
        elif ci and reason == "RESOURCE:MEMORY":
            words += f": {_remaining(ci, 'MEMORY')} MiB free"
        detail = f" ({failure['detail']})" if failure.get("detail") else ""
        return f"{reason} — {words}{detail}"


# --------------------------------------------------------------------------- services


class ServicePanel(_Panel):
    """Scale a service (desired count + Apply) and drain an instance (Drain), then read the
    service's newest events, where the scheduler says what it did and why.

    ``button`` is the Apply button (the same object as ``apply_button``)."""

    events_shown = 5

    def __init__(self, lab: Lab, cluster: str, service: str, view: ClusterView | None = None):
        self.lab = lab
        self.cluster = cluster
        self.service = service
        self.view = view
        self.last_result: dict | None = None
        self.desired = widgets.IntSlider(
            value=0, min=0, max=10, description="Desired count", style=_WIDE
        )
        self.apply_button = widgets.Button(description="Apply", button_style="primary")
        self.button = self.apply_button
        self.instance = widgets.Dropdown(options=[], description="Instance", style=_WIDE)
        self.drain_button = widgets.Button(description="Drain", button_style="warning")
        self.output = widgets.HTML()
        self.apply_button.on_click(lambda _: self._run(self.apply_button, self._apply))
        self.drain_button.on_click(lambda _: self._run(self.drain_button, self._drain))
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.desired, self.apply_button]),
                widgets.HBox([self.instance, self.drain_button]),
                self.output,
            ]
        )
        try:
            record = self._describe_service()
            self.desired.value = max(0, min(10, record.get("desiredCount", 0)))
            self._load_instances()
            self.output.value = self._status(record)
        except LabError as exc:
            self.output.value = _error_html(exc)

    def _describe_service(self) -> dict:
        from ..errors import NotFoundError

        found = self.lab.ecs.describe_services(cluster=self.cluster, services=[self.service])
        if not found.get("services"):
            raise NotFoundError(
                f"Service {self.service!r} not found in cluster {self.cluster!r}.",
                code="ServiceNotFoundException",
                hint="create it first with lab.ecs.create_service(...).",
            )
        return found["services"][0]

    def _load_instances(self) -> None:
        """Fill the Drain dropdown: the label names the EC2 instance, the value is the
        container instance ARN that update_container_instances_state wants."""
        current = self.instance.value
        options = []
        for ci in _container_instances(self.lab, self.cluster):
            label = (
                f"{ci.get('ec2InstanceId')} ({_attribute(ci, 'ecs.availability-zone')}, "
                f"{ci.get('status')}, {ci.get('runningTasksCount', 0)} tasks)"
            )
            options.append((label, ci["containerInstanceArn"]))
        self.instance.options = options
        values = [value for _, value in options]
        # ipywidgets leaves the value None when options go from empty to some, and jumps to
        # the first option otherwise: keep the learner's choice when it is still there.
        if values:
            self.instance.value = current if current in values else values[0]

    def _status(self, record: dict) -> str:
        events = self.lab.ecs.service_events(self.cluster, self.service, limit=self.events_shown)
        items = "".join(f"<li>{_esc(e)}</li>" for e in events) or "<li>(no events yet)</li>"
        return (
            f"<p>Service <b>{_esc(self.service)}</b>: desired {record.get('desiredCount')}, "
            f"running {record.get('runningCount')}.</p>"
            f"<p>Newest events (newest first):</p><ol>{items}</ol>"
        )

    def _apply(self) -> str:
        params = {
            "cluster": self.cluster,
            "service": self.service,
            "desiredCount": self.desired.value,
        }
        self.last_result = self.lab.ecs.update_service(**params)
        self._load_instances()
        _refresh(self.view)
        return self._status(self.last_result["service"]) + _call_text(
            "lab.ecs.update_service", params
        )

    def _drain(self) -> str:
        if not self.instance.value:
            return "<p>No container instance to drain: none has joined this cluster.</p>"
        params = {
            "cluster": self.cluster,
            "containerInstances": [self.instance.value],
            "status": "DRAINING",
        }
        self.last_result = self.lab.ecs.update_container_instances_state(**params)
        drained = self.last_result["containerInstances"][0]
        self._load_instances()
        _refresh(self.view)
        text = (
            f"<p>{_esc(drained.get('ec2InstanceId'))} is now {_esc(drained.get('status'))}: ECS "
            "places no new tasks on it and moves the service's tasks elsewhere (standalone "
            f"tasks stay until you stop them). Tasks left on it: "
            f"{drained.get('runningTasksCount', 0)}.</p>"
        )
        return (
            text
            + self._status(self._describe_service())
            + _call_text("lab.ecs.update_container_instances_state", params)
        )


# --------------------------------------------------------------------------- Fargate


def _all_memory_values() -> list[int]:
    """Every memory value of any Fargate size (0.5 GB .. 120 GB), whatever the CPU: the
    picker offers them all so a learner can choose a pair Fargate refuses and see why."""
    return sorted({mib for memories in valid_sizes().values() for mib in memories})


class FargateSizePicker(_Panel):
    """CPU and memory dropdowns checked against Fargate's table on every change.

    ``.value`` is ``(cpu_units, memory_mib)`` for a valid pair and ``None`` otherwise; the
    message says which, and for an invalid pair lists the memory values that CPU allows.
    ``on_valid(cpu_units, memory_mib)`` is called whenever the choice becomes a valid pair.
    """

    def __init__(self, on_valid: Callable[[int, int], None] | None = None):
        self.on_valid = on_valid
        self._value: tuple[int, int] | None = None
        self.cpu = widgets.Dropdown(
            options=[(f"{_vcpu(units)} ({units})", units) for units in valid_sizes()],
            value=256,
            description="CPU",
        )
        self.memory = widgets.Dropdown(
            options=[(f"{_gb(mib)} ({mib} MiB)", mib) for mib in _all_memory_values()],
            value=512,
            description="Memory",
        )
        self.output = widgets.HTML()
        self.cpu.observe(self._validate, names="value")
        self.memory.observe(self._validate, names="value")
        self.widget = widgets.VBox([widgets.HBox([self.cpu, self.memory]), self.output])
        self._validate()

    @property
    def value(self) -> tuple[int, int] | None:
        return self._value

    def _validate(self, _change: Any = None) -> None:
        try:
            self._value = validate_task_size(self.cpu.value, self.memory.value)
        except FargateSizeError as exc:
            self._value = None
            self.output.value = "<b>✗ Not a Fargate size.</b> " + _error_html(exc)
            return
        cpu, memory = self._value
        self.output.value = f"<b>✓ {_vcpu(cpu)} / {_gb(memory)} is a Fargate size</b>"
        if self.on_valid is not None:
            self.on_valid(cpu, memory)


class FargateRunPanel(_Panel):
    """Pick a size, a count and (optionally) FARGATE_SPOT; Run registers a Fargate task
    definition (one nginx container) and runs it, then shows each task's AZ and ENI, and
    how many EC2 instances the account has (Fargate adds none)."""

    def __init__(
        self,
        lab: Lab,
        cluster: str,
        family: str = "fargate-demo",
        view: ClusterView | None = None,
    ):
        self.lab = lab
        self.cluster = cluster
        self.family = family
        self.view = view
        self.last_result: dict | None = None
        self.picker = FargateSizePicker()
        self.count = widgets.IntSlider(value=1, min=1, max=10, description="Count", style=_WIDE)
        self.spot = widgets.Checkbox(
            value=False,
            description="FARGATE_SPOT (capacityProviderStrategy)",
            style=_WIDE,
            indent=False,
        )
        self.button = widgets.Button(description="Register and run", button_style="primary")
        self.output = widgets.HTML()
        self.button.on_click(lambda _: self._run(self.button, self._register_and_run))
        self.widget = widgets.VBox(
            [
                self.picker.widget,
                widgets.HBox([self.count, self.spot, self.button]),
                self.output,
            ]
        )

    def _register_and_run(self) -> str:
        if self.picker.value is None:
            return (
                "<p>Pick a valid Fargate size first (see the message under the size dropdowns).</p>"
            )
        cpu, memory = self.picker.value
        taskdef = {
            "family": self.family,
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "cpu": str(cpu),
            "memory": str(memory),
            "containerDefinitions": [
                {
                    "name": "web",
                    "image": FARGATE_IMAGE,
                    "essential": True,
                    "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                }
            ],
        }
        registered = self.lab.ecs.register_task_definition(**taskdef)["taskDefinition"]
        network = self.lab.network()
        params: dict[str, Any] = {
            "cluster": self.cluster,
            "taskDefinition": registered["taskDefinitionArn"],
            "count": self.count.value,
            # awsvpc: each task gets an ENI in these subnets. A public IP lets a task in a
            # real account pull its image without a NAT gateway.
            "networkConfiguration": {
                "awsvpcConfiguration": {
                    "subnets": network.subnet_ids,
                    "securityGroups": [network.security_group_id],
                    "assignPublicIp": "ENABLED",
                }
            },
        }
        if self.spot.value:
            # FARGATE_SPOT has no launchType: it is asked for through a capacity provider
            # strategy, and the cluster must have FARGATE_SPOT associated.
            params["capacityProviderStrategy"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
        else:
            params["launchType"] = "FARGATE"
        text = (
            f"<p>Registered {_esc(short_name(registered['taskDefinitionArn']))} (FARGATE, awsvpc, "
            f"{_vcpu(cpu)} / {_gb(memory)}).</p>"
        )
        try:
            result = self.lab.ecs.run_task(**params)
        except LabError as exc:
            return text + _error_html(exc) + _call_text("lab.ecs.run_task", params)
        self.last_result = result
        _refresh(self.view)
        rows = "".join(
            f"<tr><td>{_esc(_task_label(t))}</td><td>{_esc(t.get('capacityProviderName'))}</td>"
            f"<td>{_esc(t.get('availabilityZone'))}</td><td>{_esc(_eni(t)[0])}</td>"
            f"<td>{_esc(_eni(t)[1])}</td></tr>"
            for t in result.get("tasks", [])
        )
        how = "FARGATE_SPOT" if self.spot.value else "FARGATE"
        instances = _ec2_instance_count(self.lab)
        return (
            text + f"<p>Started {len(result.get('tasks', []))} task(s) on {how}:</p>"
            "<table><thead><tr><th>task</th><th>capacity provider</th><th>AZ</th><th>ENI</th>"
            f"<th>private IP</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<p><b>EC2 instances in your account: {instances}</b> &mdash; Fargate runs each "
            "task on capacity AWS manages; what lands in your VPC is only the task's network "
            "interface (ENI).</p>" + _call_text("lab.ecs.run_task", params)
        )
