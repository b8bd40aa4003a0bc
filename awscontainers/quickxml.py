"""moto's XML answers written in one pass: what ``xmltodict.unparse`` writes, faster.

moto's serializer builds each answer of an XML protocol (EC2, IAM, Auto Scaling,
CloudWatch) as nested dicts and writes them out with ``xmltodict.unparse``, which walks
them element by element through SAX's ``XMLGenerator``, checking every name character by
character: about a quarter of an in-process ``DescribeInstances``. :func:`unparse` writes
the same text for what moto hands it (plain element names, ``@`` attributes, ``#text``,
strings, numbers, booleans, None, lists), in one recursive pass into a list of strings.
Anything else (a comment key, a namespace map, a name ``xmltodict`` would refuse or
rewrite, pretty printing, an output stream) goes to ``xmltodict.unparse`` itself, so the
answer, or the error, is always the one ``xmltodict`` gives.

``tests/test_quickxml.py`` checks byte for byte against ``xmltodict`` under hypothesis.

>>> answer = {"R": {"@xmlns": "urn:x", "id": "i-1", "ok": True, "n": [1, 2], "none": None}}
>>> print(unparse(answer, short_empty_elements=True, full_document=False))
<R xmlns="urn:x"><id>i-1</id><ok>true</ok><n>1</n><n>2</n><none/></R>
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = ["unparse"]

#: Element and attribute names written here; any other goes to xmltodict (which checks it,
#: and may refuse it).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
#: Names already found plain (a few hundred: the services' member names).
_PLAIN: set[str] = set()
#: Characters that text (``&<>``) or an attribute (also quotes and whitespace) escapes.
_ESCAPED_IN_TEXT = re.compile(r"[&<>]")
_ESCAPED_IN_ATTRIBUTE = re.compile("[&<>\"'\n\r\t]")


def _plain(name: str) -> bool:
    if name in _PLAIN:
        return True
    if _PLAIN_NAME.match(name):
        if len(_PLAIN) < 10_000:
            _PLAIN.add(name)
        return True
    return False


class _Unusual(Exception):
    """Something only xmltodict should write."""


def unparse(
    input_dict: Any,
    output: Any = None,
    encoding: str = "utf-8",
    full_document: bool = True,
    short_empty_elements: bool = False,
    **kwargs: Any,
) -> Any:
    """``xmltodict.unparse`` with the same arguments and the same result."""
    if output is None and not kwargs.get("pretty") and _usual_options(kwargs):
        try:
            return _unparse(input_dict, encoding, full_document, short_empty_elements)
        except _Unusual:
            pass
    import xmltodict  # type: ignore[import-untyped]

    return xmltodict.unparse(
        input_dict,
        output=output,
        encoding=encoding,
        full_document=full_document,
        short_empty_elements=short_empty_elements,
        **kwargs,
    )


#: xmltodict's other options and their defaults: with any other value, xmltodict writes.
_DEFAULTS: dict[str, Any] = {
    "attr_prefix": "@",
    "cdata_key": "#text",
    "preprocessor": None,
    "namespaces": None,
    "expand_iter": None,
    "bytes_errors": "replace",
    "comment_key": "#comment",
}


def _usual_options(kwargs: dict[str, Any]) -> bool:
    """Whether the other options are xmltodict's defaults (moto passes only ``pretty``)."""
    return set(kwargs) <= {"pretty", *_DEFAULTS} and all(
        kwargs.get(name, default) == default for name, default in _DEFAULTS.items()
    )


def _unparse(input_dict: Any, encoding: str, full_document: bool, short: bool) -> str:
    if not isinstance(input_dict, dict):
        raise _Unusual
    writer = _Writer(short, encoding)
    if full_document:
        if len(input_dict) != 1:
            raise _Unusual  # xmltodict's "exactly one root" error
        writer.out.append(f'<?xml version="1.0" encoding="{encoding}"?>\n')
    for key, value in input_dict.items():
        writer.element(key, value, full_document, 0)
    return "".join(writer.out)


def _text(value: Any, encoding: str) -> str:
    """A value as xmltodict writes it (booleans in lower case)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode(encoding, errors="replace")
    return str(value)


class _Writer:
    """SAX's ``XMLGenerator`` as xmltodict drives it, kept to what is written: an element's
    start tag is closed (``>``) when something goes inside it, or written as ``<name/>`` when
    nothing does and short empty elements are asked for."""

    __slots__ = ("out", "short", "encoding", "pending")

    def __init__(self, short: bool, encoding: str):
        self.out: list[str] = []
        self.short = short
        self.encoding = encoding
        self.pending = False  # a start tag waiting for its ">"

    def element(self, key: Any, value: Any, root: bool, depth: int) -> None:
        if not isinstance(key, str) or not _plain(key):
            raise _Unusual
        if isinstance(value, (str, bytes, bytearray, memoryview, dict)) or not hasattr(
            value, "__iter__"
        ):
            value = [value]
        out = self.out
        for index, item in enumerate(value):
            if root and depth == 0 and index > 0:
                raise _Unusual  # xmltodict's "multiple roots" error
            if item is None:
                item = {}
            elif not isinstance(item, (dict, str)):
                if hasattr(item, "__iter__") and not isinstance(
                    item, (bytes, bytearray, memoryview)
                ):
                    raise _Unusual  # an iterable in an iterable: left to xmltodict
                item = _text(item, self.encoding)
            if isinstance(item, str):
                item = {"#text": item}
            text = None
            attrs = []
            children = []
            for child_key, child in item.items():
                if child_key == "#text":
                    text = None if child is None else _text(child, self.encoding)
                    continue
                if not isinstance(child_key, str) or child_key == "#comment":
                    raise _Unusual
                if child_key.startswith("@"):
                    name = child_key[1:]
                    if isinstance(child, dict) or not _plain(name):
                        raise _Unusual  # a namespace map, or a name xmltodict checks
                    value_text = "" if child is None else _text(child, self.encoding)
                    if _ESCAPED_IN_ATTRIBUTE.search(value_text):
                        attrs.append(f" {name}={quoteattr(value_text)}")
                    else:
                        attrs.append(f' {name}="{value_text}"')
                    continue
                if isinstance(child, list) and not child:
                    continue  # xmltodict writes no element for an empty list
                children.append((child_key, child))
            if self.pending:
                out.append(">")
            out.append(f"<{key}{''.join(attrs)}")
            if self.short:
                self.pending = True
            else:
                out.append(">")
            for child_key, child in children:
                self.element(child_key, child, root, depth + 1)
            if text:
                if self.pending:
                    out.append(">")
                    self.pending = False
                out.append(escape(text) if _ESCAPED_IN_TEXT.search(text) else text)
            if self.pending:
                out.append("/>")
                self.pending = False
            else:
                out.append(f"</{key}>")
