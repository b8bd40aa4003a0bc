"""awscontainers.quickxml writes what xmltodict.unparse writes, byte for byte, or fails as it
fails, for anything: what moto hands it and what it never would (odd names, comments,
namespace maps, iterables in iterables); and moto's serializer uses it once a lab exists."""

from __future__ import annotations

import pytest
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

from awscontainers import quickxml
from tests.strategies import text

#: Element names: moto's own kind, and ones xmltodict rewrites or refuses.
NAMES = st.one_of(
    st.sampled_from(["item", "instanceId", "DescribeInstancesResult", "a.b", "x-y", "_z"]),
    st.sampled_from(["a b", "?x", "!x", "1a", "ns:tag", "a/b", "a=b", 'a"b', "<a>", "", "é"]),
    text(max_size=6),
)
ATTRIBUTES = st.one_of(
    st.sampled_from(["@xmlns", "@id", "@a.b"]),
    NAMES.map(lambda name: "@" + name),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    text(max_size=12),
    st.sampled_from(["", "a&b", "<x>", "it's", 'say "hi"', "tab\there", "line\nbreak", "\r"]),
    st.binary(max_size=6),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(
            st.one_of(NAMES, ATTRIBUTES, st.just("#text"), st.just("#comment")),
            inner,
            max_size=5,
        ),
        st.dictionaries(st.just("@xmlns"), st.dictionaries(NAMES, SCALARS, max_size=2)),
    ),
    max_leaves=25,
)
DOCUMENTS = st.dictionaries(st.one_of(NAMES, st.just("#comment")), VALUES, min_size=0, max_size=3)


def _outcome(unparse, document, **options):
    try:
        return ("text", unparse(document, **options))
    except Exception as exc:  # xmltodict's own errors: compared by type and message
        return ("error", type(exc).__name__, str(exc))


@settings(max_examples=300, deadline=None)
@given(
    document=DOCUMENTS,
    full_document=st.booleans(),
    short_empty_elements=st.booleans(),
)
def test_the_same_text_or_the_same_error_as_xmltodict(
    document, full_document, short_empty_elements
):
    options = {"full_document": full_document, "short_empty_elements": short_empty_elements}
    assert _outcome(quickxml.unparse, document, **options) == _outcome(
        xmltodict.unparse, document, **options
    )


#: What moto hands it: plain names; an element holds a scalar, or child elements (each one
#: element or a list of them), attributes (scalars) and text, in any order.
PLAIN_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,8}", fullmatch=True)


def _element(inner):
    parts = st.tuples(
        st.dictionaries(PLAIN_NAMES, st.one_of(inner, st.lists(inner, max_size=3)), max_size=4),
        st.dictionaries(PLAIN_NAMES.map(lambda n: "@" + n), SCALARS, max_size=3),
        st.dictionaries(st.just("#text"), SCALARS, max_size=1),
        st.randoms(use_true_random=False),
    )

    def merged(found):
        children, attributes, text_, order = found
        items = [*children.items(), *attributes.items(), *text_.items()]
        order.shuffle(items)
        return dict(items)

    return parts.map(merged)


MOTO_ELEMENTS = st.recursive(SCALARS, _element, max_leaves=25)


@settings(max_examples=200, deadline=None)
@given(root=PLAIN_NAMES, value=MOTO_ELEMENTS, short_empty_elements=st.booleans())
def test_what_moto_hands_it_is_written_in_one_pass_as_xmltodict_writes_it(
    root, value, short_empty_elements
):
    document = {root: value}
    for full_document in (True, False):
        quick = quickxml._unparse(document, "utf-8", full_document, short_empty_elements)
        assert quick == xmltodict.unparse(
            document, full_document=full_document, short_empty_elements=short_empty_elements
        )


@settings(max_examples=40, deadline=None)
@given(document=DOCUMENTS, pretty=st.booleans())
def test_other_options_are_xmltodicts_own(document, pretty):
    """Pretty printing, another attribute prefix or a stream: xmltodict writes them."""
    for options in ({"pretty": pretty}, {"attr_prefix": "_"}, {"cdata_key": "$"}):
        assert _outcome(quickxml.unparse, document, **options) == _outcome(
            xmltodict.unparse, document, **options
        )


def test_moto_answers_through_it_with_the_same_xml(lab, monkeypatch):
    import moto.core.serialize as serialize

    assert getattr(serialize.xmltodict, "quick", False)
    assert serialize.xmltodict.parse is xmltodict.parse  # the rest is xmltodict's own
    written = []

    def both(*args, **kwargs):
        quick = quickxml.unparse(*args, **kwargs)
        written.append(quick == xmltodict.unparse(*args, **kwargs))
        return quick

    monkeypatch.setattr(type(serialize.xmltodict), "unparse", staticmethod(both))
    lab.ecs.create_cluster(clusterName="w")
    ids = [r["instance"] for r in lab.ecs.launch_instances("w", count=2)]
    ec2 = lab.client("ec2")
    ec2.create_tags(Resources=ids, Tags=[{"Key": "say", "Value": "a & <b> \"c\" 'd'"}])
    found = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    assert {t["Value"] for r in found for i in r["Instances"] for t in i.get("Tags", [])} >= {
        "a & <b> \"c\" 'd'"
    }
    with pytest.raises(ec2.exceptions.ClientError):  # an error answer, written the same way
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    lab.client("iam").list_roles()
    assert len(written) >= 5 and all(written)
