"""The kind registry: every kind the cluster serves is one :class:`Kind` record.

A record says how the kind is spelled (apiVersion, plural, the aliases ``kubectl get``
accepts), whether it lives in a namespace, how a manifest of it is checked and stored, how
it is read, listed and deleted, and which controller (if any) reconciles it. The cluster
looks every kind up here and has no branch of its own per kind.

Register a kind once with :func:`register_kind`; the built-in kinds are registered in
:mod:`awscontainers.sim.kube` (``__init__``), which is the one place to add a new one.

>>> sorted(k.name for k in KINDS.values())[:3]
['ConfigMap', 'DaemonSet', 'Deployment']
>>> resolve_kind("deploy").name
'Deployment'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from awscontainers.errors import InvalidParameterError

from .objects import NAME_RE, invalid

if TYPE_CHECKING:
    from .cluster import Cluster

__all__ = ["KINDS", "Kind", "check_metadata", "register_kind", "resolve_kind", "unregister_kind"]

#: (cluster, document, where) -> what apply needs (a PodShape for pod-making kinds, or None).
Check = Callable[["Cluster", Mapping[str, Any], str], Any]
#: (cluster, document) -> namespace the object goes in (None for cluster-scoped kinds).
NamespaceOf = Callable[["Cluster", Mapping[str, Any]], "str | None"]
#: (cluster, document, namespace, what check returned) -> None; stores the object.
Apply = Callable[["Cluster", dict, "str | None", Any], None]
#: (cluster, namespace or None, name) -> the stored object; raises NotFoundError.
Read = Callable[["Cluster", "str | None", str], dict]
#: (cluster, namespace or None for all) -> stored objects in list order.
Items = Callable[["Cluster", "str | None"], list]
#: (cluster, namespace, name) -> None; raises NotFoundError when there is nothing to delete.
Delete = Callable[["Cluster", str, str], None]
#: (cluster, (kind, namespace, name)) -> None; brings the world in line with the object.
Reconcile = Callable[["Cluster", tuple[str, str, str]], None]


@dataclass(frozen=True)
class Kind:
    """One kind of object the cluster serves, and everything that is particular to it.

    ``check`` is None for a kind that ``apply`` refuses (Node: kubelets register nodes).
    ``controller`` runs whenever an object of the kind is marked dirty (applied, scaled, one
    of its pods deleted) and, with ``watches_nodes``, whenever a node comes or goes.
    ``strict_version`` False lets a manifest through with any apiVersion (ConfigMaps always
    were, so stored notebooks keep working).
    """

    name: str
    api_version: str
    plural: str
    aliases: tuple[str, ...]
    read: Read
    items: Items
    delete: Delete
    namespaced: bool = True
    check: Check | None = None
    namespace_of: NamespaceOf | None = None
    apply: Apply | None = None
    controller: Reconcile | None = None
    watches_nodes: bool = False
    strict_version: bool = True

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every lower-case spelling that names this kind."""
        return (self.name.lower(), self.plural.split(".")[0], *self.aliases)


#: Every registered kind by name, in registration order.
KINDS: dict[str, Kind] = {}
_ALIASES: dict[str, str] = {}


def register_kind(kind: Kind) -> Kind:
    """Add ``kind`` to the registry (replacing one of the same name); returns it."""
    unregister_kind(kind.name)
    KINDS[kind.name] = kind
    for spelling in kind.spellings:
        _ALIASES[spelling] = kind.name
    return kind


def unregister_kind(name: str) -> None:
    """Take a kind out of the registry (a test's clean-up); unknown names are ignored."""
    old = KINDS.pop(name, None)
    if old is not None:
        for spelling in old.spellings:
            if _ALIASES.get(spelling) == name:
                del _ALIASES[spelling]


def resolve_kind(kind: str) -> Kind:
    """The kind named by any spelling ``kubectl get`` accepts (``po``, ``deployments``...)."""
    found = _ALIASES.get(str(kind).lower())
    if found is None:
        raise InvalidParameterError(
            f'the server doesn\'t have a resource type "{kind}"',
            code="NotFound",
            hint="Use one of: " + ", ".join(KINDS) + ".",
        )
    return KINDS[found]


def applicable_kind(doc: Mapping[str, Any], where: str) -> Kind:
    """The kind of a manifest document, refused as kubectl would when apply cannot take it."""
    name = doc.get("kind")
    if not name:
        raise invalid(f"{where}: Object 'Kind' is missing.")
    kind = KINDS.get(name)
    if kind is None or kind.check is None:
        raise invalid(f'{where}: no matches for kind "{name}".', hint=_known_kinds())
    if kind.strict_version and doc.get("apiVersion") != kind.api_version:
        raise invalid(
            f'{where}: no matches for kind "{name}" in version "{doc.get("apiVersion")}".',
            hint=f"Write apiVersion: {kind.api_version} for kind {name}.",
        )
    return kind


def _known_kinds() -> str:
    by_version: dict[str, list[str]] = {}
    for kind in KINDS.values():
        if kind.check is not None:
            by_version.setdefault(kind.api_version, []).append(kind.name)
    parts = []
    for version, names in by_version.items():
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{listed} (apiVersion {version})")
    return "This lab knows kind " + ", ".join(parts) + "."


def check_metadata(doc: Mapping[str, Any], where: str) -> str:
    """Check ``metadata`` (a valid name, maps for labels and annotations) as the API server
    does for every kind; returns what later messages call the object (``Pod 'web'``)."""
    kind = doc["kind"]
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not name:
        raise invalid(f"{where}: {kind}: metadata.name: Required value: name is required.")
    if not isinstance(name, str) or len(name) > 253 or not NAME_RE.match(name):
        raise invalid(
            f"{where}: {kind} name {name!r} is invalid: use lowercase letters, digits, "
            "'-' and '.', starting and ending with a letter or digit.",
            hint="For example metadata: {name: web-1}.",
        )
    assert isinstance(meta, Mapping)
    where = f"{kind} {name!r}"
    for field in ("labels", "annotations"):
        if not isinstance(meta.get(field) or {}, Mapping):
            raise invalid(f"{where}: metadata.{field} must be a map of key: value.")
    return where


def check_spec(doc: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """The document's ``spec``, refused when it is missing or not a map."""
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        raise invalid(f"{where}: spec: Required value.")
    return spec
