"""The one loader for the packaged data files, and the reading of a user's own YAML file.

Every fact the package teaches (Fargate sizes, the modes, ECS and EKS figures, prices) lives
in a dated, sourced YAML file in ``awscontainers/data/``; :func:`load_packaged` reads one,
once per run. :func:`read_user_file` and :func:`parse_user_yaml` read the files a person
passes in (a workload, a newer price table), with errors that say what to do.

>>> load_packaged("ecs.yaml")["registered_resources"]["cpu_units_per_vcpu"]
1024
"""

from __future__ import annotations

import functools
import stat
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from awscontainers.errors import InvalidParameterError, LabError, NotFoundError

__all__ = ["load_packaged", "packaged_files", "parse_user_yaml", "read_user_file"]

_PACKAGE = "awscontainers.data"


def packaged_files() -> list[str]:
    """The names of the packaged data files.

    >>> "fargate.yaml" in packaged_files()
    True
    """
    return sorted(p.name for p in resources.files(_PACKAGE).iterdir() if p.name.endswith(".yaml"))


class _UniqueKeys:
    """A safe loader's mappings, refusing a mapping that names a key twice: YAML keeps only
    the last, so a fact (or a learner's setting) written twice would silently lose the
    first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader: its errors show the offending line."""


#: The same on libyaml's parser when PyYAML was built with it (its wheels are), for the
#: packaged files only: it parses them in a tenth of the time, about 0.25 s less for every
#: new process (a kernel, a test worker). A person's own files keep the loader above: libyaml
#: accepts some text PyYAML refuses, and its errors cannot be given the file's name.
_PackagedLoader: Any = (
    type("_PackagedLoader", (_UniqueKeys, yaml.CSafeLoader), {})
    if hasattr(yaml, "CSafeLoader")
    else _UniqueKeyLoader
)


def _load(text: str, source: str | None = None) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        # PyYAML calls text "<unicode string>" in its errors: name the file instead.
        for mark in (err.context_mark, err.problem_mark):
            if source is not None and mark is not None:
                mark.name = source
        raise


@functools.cache
def load_packaged(name: str) -> Any:
    """The parsed contents of the packaged data file ``name`` (``"fargate.yaml"``...).

    Read once: package data does not change while Python runs, so every caller shares the
    same object and must not change it.

    >>> load_packaged("modes.yaml") is load_packaged("modes.yaml")
    True
    >>> load_packaged("nope.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    awscontainers.errors.NotFoundError: No packaged data file 'nope.yaml'.
      What to do: Use one of: day2.yaml, ecs.yaml, eks.yaml, fargate.yaml, ..., real_aws.yaml.
    """
    # importlib.resources finds the file inside a wheel or zip too, not only in a checkout.
    resource = resources.files(_PACKAGE).joinpath(name)
    if not resource.is_file():
        raise NotFoundError(
            f"No packaged data file {name!r}.",
            hint="Use one of: " + ", ".join(packaged_files()) + ".",
        )
    return yaml.load(resource.read_text(encoding="utf-8"), Loader=_PackagedLoader)  # noqa: S506


#: The largest file a person may pass in (a workload, a price table): far above any real one,
#: so a wrong path to a big file refuses at once instead of parsing for minutes.
MAX_USER_FILE_BYTES = 1_000_000


def read_user_file(path: str | Path, what: str, hint: str) -> str:
    """The text of a file a person passed in; :class:`NotFoundError` names ``what`` when the
    file is not there.

    >>> read_user_file("/nonexistent.yaml", "workload file", "Check the path.")
    Traceback (most recent call last):
    ...
    awscontainers.errors.NotFoundError: No workload file at /nonexistent.yaml.
      What to do: Check the path.
    """
    if not isinstance(path, str | Path):
        raise InvalidParameterError(
            f"The {what}'s path must be text, not {type(path).__name__}.", hint=hint
        )
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError as err:
        raise NotFoundError(f"No {what} at {path}.", hint=hint) from err
    except OSError as err:
        raise InvalidParameterError(f"Cannot read the {what} at {path}: {err}.", hint=hint) from err
    # Checked before opening: reading a directory fails, and a FIFO would wait forever.
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise InvalidParameterError(f"The {what} {path} is {kind}.", hint=hint)
    if info.st_size > MAX_USER_FILE_BYTES:
        raise InvalidParameterError(
            f"The {what} {path} is {info.st_size:,} bytes; the lab reads files of up to "
            f"{MAX_USER_FILE_BYTES:,} bytes (the lab's limit).",
            hint=hint,
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidParameterError(
            f"The {what} {path} is not UTF-8 text (byte {err.start}: {err.reason}).",
            hint="save it as UTF-8 (YAML and JSON files are UTF-8). " + hint,
        ) from err
    except OSError as err:
        raise InvalidParameterError(f"Cannot read the {what} at {path}: {err}.", hint=hint) from err


def parse_user_yaml(
    text: str, problem: Callable[[str], LabError], source: str | None = None
) -> Any:
    """YAML (or JSON: JSON is valid YAML) text as data; a syntax error raises
    ``problem(detail)``, the caller's own error with the parser's detail in it, which names
    ``source`` (the file the text came from) when given.

    >>> from awscontainers.errors import InvalidParameterError
    >>> parse_user_yaml("services: [{name: web}]", InvalidParameterError)
    {'services': [{'name': 'web'}]}
    >>> parse_user_yaml("services: [", InvalidParameterError)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: while parsing a flow node...
    >>> parse_user_yaml("hours: 730\\nhours: 100", InvalidParameterError)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: while constructing a mapping...twice...
    >>> parse_user_yaml("a: [", InvalidParameterError, "w.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    awscontainers.errors.InvalidParameterError: while parsing a flow node...in "w.yaml", line 1...
    """
    try:
        return _load(text, source)
    except (yaml.YAMLError, ValueError, RecursionError) as err:  # ValueError: a 5,000-digit int
        raise problem(str(err)) from err
