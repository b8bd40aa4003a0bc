"""An in-process event bus: how one part of the lab hears what another did.

The lab's boto3 hooks publish what happened in the account (instances launched or
terminated, an Auto Scaling group changed); simulators and controllers subscribe in their
own constructors. A new controller subscribes here instead of being called by name from
``Lab``. Subscribers are called in the order they subscribed, so runs are repeatable.

>>> bus = EventBus()
>>> calls = []
>>> _ = bus.subscribe("instances-launched", lambda instance_ids: calls.append(("a", instance_ids)))
>>> _ = bus.subscribe("instances-launched", lambda instance_ids: calls.append(("b", instance_ids)))
>>> bus.publish("instances-launched", instance_ids=["i-1"])
>>> calls
[('a', ['i-1']), ('b', ['i-1'])]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidParameterError

#: EC2 instances started in the account (however they were started). ``instance_ids``.
INSTANCES_LAUNCHED = "instances-launched"
#: EC2 instances terminated. ``instance_ids``.
INSTANCES_TERMINATED = "instances-terminated"
#: An Auto Scaling group was created, resized or its instances changed. ``group``.
GROUP_CHANGED = "group-changed"
#: An Auto Scaling group was deleted. ``group``.
GROUP_DELETED = "group-deleted"
#: An ECS or EKS cluster was created in the lab. ``service`` ("ecs"/"eks"), ``name``.
CLUSTER_CREATED = "cluster-created"
#: An ECS or EKS cluster was deleted. ``service``, ``name``.
CLUSTER_DELETED = "cluster-deleted"
#: The simulated clock moved on. ``seconds``, ``start``, ``end``.
TIME_ADVANCED = "time-advanced"

#: Every event the lab publishes, with what it means.
EVENTS = {
    INSTANCES_LAUNCHED: "EC2 instances started in the account",
    INSTANCES_TERMINATED: "EC2 instances terminated",
    GROUP_CHANGED: "an Auto Scaling group was created, resized or changed its instances",
    GROUP_DELETED: "an Auto Scaling group was deleted",
    CLUSTER_CREATED: "an ECS or EKS cluster was created",
    CLUSTER_DELETED: "an ECS or EKS cluster was deleted",
    TIME_ADVANCED: "the simulated clock moved on",
}

Handler = Callable[..., None]


class EventBus:
    """Named events with subscribe/publish; handlers get the event's fields as keywords."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {name: [] for name in EVENTS}

    def subscribe(self, event: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler(**fields)`` on each ``event``; returns a function that
        unsubscribes it."""
        self._known(event).append(handler)
        return lambda: self.unsubscribe(event, handler)

    def unsubscribe(self, event: str, handler: Handler) -> None:
        """Stop calling ``handler`` for ``event`` (nothing happens if it was not subscribed)."""
        handlers = self._known(event)
        if handler in handlers:
            handlers.remove(handler)

    def publish(self, event: str, **fields: Any) -> None:
        """Call every subscriber of ``event``, in the order they subscribed."""
        # A copy: a handler may subscribe or unsubscribe while the event is delivered.
        for handler in list(self._known(event)):
            handler(**fields)

    def subscribers(self, event: str) -> list[Handler]:
        """The handlers of ``event``, in the order they are called."""
        return list(self._known(event))

    def _known(self, event: str) -> list[Handler]:
        if event not in self._handlers:
            raise InvalidParameterError(
                f"No event named {event!r}.",
                hint="use one of: " + ", ".join(EVENTS) + ".",
            )
        return self._handlers[event]
