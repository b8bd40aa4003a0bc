"""The room's front, without a server: signatures, accounts, the instructor's API, join codes.

Requests are signed with botocore's own signer (as boto3 signs them) and handed to the front
as WSGI environs; a stand-in for moto records what reached it.
"""

from __future__ import annotations

import datetime as _dt
import io
import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awscontainers.errors import InvalidParameterError
from awscontainers.room import JoinCode, RoomKeys, learner_account_id
from awscontainers.room.front import INSTRUCTOR_HEADER, RoomFront
from awscontainers.room.signature import Received, Refusal, verify
from tests.strategies import text

KEYS = RoomKeys("a-room-key-for-the-tests-only-0123456789")
HOST = "127.0.0.1:5000"


class FakeMoto:
    """Stands in for moto: remembers the account each call reached it with."""

    def __init__(self) -> None:
        self.accounts: list[str] = []

    def __call__(self, environ, start_response):
        self.accounts.append(environ.get("HTTP_X_MOTO_ACCOUNT_ID"))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def signed(
    access_key: str,
    secret: str,
    body: bytes = b'{"clusterName": "web"}',
    path: str = "/",
    extra: dict | None = None,
    when: _dt.datetime | None = None,
) -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url=f"http://{HOST}{path}",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateCluster",
            **(extra or {}),
        },
    )
    signer = SigV4Auth(Credentials(access_key, secret), "ecs", "us-east-1")
    if when is None:
        signer.add_auth(request)
    else:
        # add_auth stamps the current time; sign as of ``when`` instead.
        request.context["timestamp"] = when.strftime("%Y%m%dT%H%M%SZ")
        request.headers["X-Amz-Date"] = request.context["timestamp"]
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        signer._inject_signature_to_request(request, signature)
    return request


def environ_of(request: AWSRequest, **override: str) -> dict:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    path, _, query = request.url.split(HOST, 1)[1].partition("?")
    environ = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": path,
        "RAW_URI": request.url.split(HOST, 1)[1],
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": HOST,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        else:
            environ[f"HTTP_{key}"] = value if isinstance(value, str) else value.decode()
    environ.update(override)
    return environ


def answer(front: RoomFront, environ: dict) -> tuple[str, dict]:
    seen: dict = {}

    def start_response(status, headers):
        seen["status"] = status
        seen["headers"] = dict(headers)

    body = b"".join(front(environ, start_response))
    return seen["status"], {**seen["headers"], "body": body}


def alice() -> tuple[str, str]:
    credential = KEYS.credential("alice")
    return credential.access_key, credential.secret_key


def test_a_signed_call_reaches_moto_in_the_signers_account():
    moto = FakeMoto()
    front = RoomFront(KEYS, aws=moto)
    status, _ = answer(front, environ_of(signed(*alice())))
    assert status.startswith("200")
    assert moto.accounts == [learner_account_id("alice")]
    assert front.visitors["alice"].calls == 1


def test_an_account_header_from_the_client_is_ignored():
    moto = FakeMoto()
    front = RoomFront(KEYS, aws=moto)
    bob = learner_account_id("bob")
    request = signed(*alice(), extra={"x-moto-account-id": bob})
    status, _ = answer(front, environ_of(request))
    assert status.startswith("200")
    assert moto.accounts == [learner_account_id("alice")]


def test_anothers_name_without_their_credential_is_refused():
    moto = FakeMoto()
    front = RoomFront(KEYS, aws=moto)
    # Guessing the access key's form is not enough: the tag is the room's.
    status, reply = answer(front, environ_of(signed("alice.aaaaaaaaaa", "guess")))
    assert status.startswith("403")
    assert json.loads(reply["body"])["__type"] == "InvalidClientTokenId"
    assert "Unknown learner credential" in json.loads(reply["body"])["message"]
    # The right access key with another secret fails the signature check.
    status, reply = answer(front, environ_of(signed(alice()[0], "not-her-secret")))
    assert json.loads(reply["body"])["__type"] == "SignatureDoesNotMatch"
    assert moto.accounts == []


def test_unsigned_and_stale_requests_are_refused():
    front = RoomFront(KEYS, aws=FakeMoto())
    environ = environ_of(signed(*alice()))
    del environ["HTTP_AUTHORIZATION"]
    assert json.loads(answer(front, environ)[1]["body"])["__type"] == "MissingAuthenticationToken"
    old = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(hours=1)
    reply = answer(front, environ_of(signed(*alice(), when=old)))[1]
    assert json.loads(reply["body"])["__type"] == "RequestExpired"


def test_query_protocol_refusals_are_xml_boto3_parses():
    from botocore.parsers import create_parser

    front = RoomFront(KEYS, aws=FakeMoto())
    request = signed("nobody.0000000000", "x", body=b"Action=DescribeVpcs&Version=2016-11-15")
    environ = environ_of(request, CONTENT_TYPE="application/x-www-form-urlencoded")
    status, reply = answer(front, environ)
    parsed = create_parser("ec2").parse(
        {"status_code": int(status.split()[0]), "headers": reply, "body": reply["body"]}, None
    )
    assert parsed["Error"]["Code"] == "InvalidClientTokenId"


mutations = st.one_of(
    st.tuples(st.just("signature"), st.integers(0, 63), st.sampled_from("0123456789abcdef")),
    st.tuples(st.just("body"), st.binary(min_size=1, max_size=40), st.just("")),
    st.tuples(st.just("path"), st.text("abcxyz/-_", min_size=1, max_size=12), st.just("")),
    st.tuples(st.just("target"), st.text("ABCxyz.", min_size=1, max_size=12), st.just("")),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations)
def test_a_tampered_request_is_always_refused(mutation):
    kind, value, char = mutation
    request = signed(*alice())
    environ = environ_of(request)
    if kind == "signature":
        auth = environ["HTTP_AUTHORIZATION"]
        head, _, signature = auth.rpartition("Signature=")
        changed = signature[:value] + char + signature[value + 1 :]
        if changed == signature:
            return
        environ["HTTP_AUTHORIZATION"] = head + "Signature=" + changed
    elif kind == "body":
        body = request.body + value
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
    elif kind == "path":
        from botocore.utils import normalize_url_path

        if normalize_url_path("/" + value) == "/":
            return  # the same path as signed ("//" is "/"), as AWS reads it too
        environ["RAW_URI"] = environ["PATH_INFO"] = "/" + value
    else:
        environ["HTTP_X_AMZ_TARGET"] += value
    moto = FakeMoto()
    status, _ = answer(RoomFront(KEYS, aws=moto), environ)
    assert status.startswith("403")
    assert moto.accounts == []


@settings(max_examples=60, deadline=None)
@given(secret=text(min_size=1, max_size=50))
def test_a_made_up_secret_never_verifies(secret):
    access_key, real = alice()
    if secret == real:
        return
    request = signed(access_key, secret)
    received = Received(
        "POST",
        "/",
        "",
        {k.lower(): v for k, v in request.headers.items()} | {"host": HOST},
        request.body,
    )
    with pytest.raises(Refusal) as refusal:
        verify(received, KEYS)
    assert refusal.value.code == "SignatureDoesNotMatch"


def test_moto_api_and_the_room_api_are_the_instructors():
    moto = FakeMoto()
    front = RoomFront(KEYS, aws=moto)
    for path, method in (
        ("/moto-api/data.json", "GET"),
        ("/moto-api/reset", "POST"),
        ("/awscontainers/room", "GET"),
        ("/awscontainers/reset", "POST"),
    ):
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO()}
        status, reply = answer(front, environ)
        assert status.startswith("403"), path
        assert json.loads(reply["body"])["__type"] == "AccessDenied"
        # A learner's signature does not open them either.
        environ = environ_of(signed(*alice(), path=path))
        assert answer(front, environ)[0].startswith("403"), path
    assert moto.accounts == []
    token = {f"HTTP_{INSTRUCTOR_HEADER.upper().replace('-', '_')}": KEYS.instructor_token()}
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/moto-api/data.json", **token}
    assert answer(front, environ)[0].startswith("200")


def test_reset_names_the_accounts_of_the_learners():
    reset: list = []
    front = RoomFront(KEYS, aws=FakeMoto(), reset=reset.extend)
    answer(front, environ_of(signed(*alice())))
    token = {f"HTTP_{INSTRUCTOR_HEADER.upper().replace('-', '_')}": KEYS.instructor_token()}
    body = b'{"all": true}'
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/awscontainers/reset",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **token,
    }
    status, reply = answer(front, environ)
    assert json.loads(reply["body"]) == {"reset": ["alice"]}
    assert reset == [learner_account_id("alice")]


def test_health_is_the_same_small_answer_whatever_the_room_holds():
    front = RoomFront(KEYS, aws=FakeMoto())
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/awscontainers/health"}
    empty = json.loads(answer(front, dict(environ))[1]["body"])
    for n in range(50):
        credential = KEYS.credential(f"l{n}")
        answer(front, environ_of(signed(credential.access_key, credential.secret_key)))
    full = json.loads(answer(front, dict(environ))[1]["body"])
    assert set(full) == set(empty) and full["learners"] == 50


@given(text(max_size=60))
def test_join_codes_refuse_anything_they_did_not_make(text):
    try:
        code = JoinCode.parse(text)
    except InvalidParameterError:
        return
    assert code.url.startswith(("http://", "https://"))


def test_join_codes_round_trip_and_hide_the_secret():
    credential = KEYS.credential("alice")
    code = JoinCode("http://10.0.0.5:5000", credential.access_key, credential.secret_key)
    assert JoinCode.parse(code.encode()) == code
    assert code.learner == "alice"
    assert credential.secret_key not in repr(code) and credential.secret_key not in repr(credential)


@pytest.mark.parametrize("name", ["", "a" * 41, "al ice", "../x", "a.b", 5, None])
def test_learner_names_are_checked(name):
    with pytest.raises(InvalidParameterError):
        KEYS.credential(name)


header_values = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=120)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]),
    path=st.text("/abcdefghijklmnopqrstuvwxyz-_.%?=&", max_size=40),
    authorization=st.one_of(
        st.none(),
        header_values,
        st.builds(
            lambda key, sig: (
                f"AWS4-HMAC-SHA256 Credential={key}/20260105/us-east-1/ecs/aws4_request, "
                f"SignedHeaders=host;x-amz-date, Signature={sig}"
            ),
            st.text("abcdefghij.-_0123", max_size=30),
            st.text("0123456789abcdef", min_size=64, max_size=64),
        ),
    ),
    amz_date=st.one_of(st.none(), header_values),
    length=st.one_of(st.none(), st.text("0123456789-x", max_size=12)),
    body=st.binary(max_size=64),
)
def test_the_front_answers_any_request_without_raising(
    method, path, authorization, amz_date, length, body
):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/" + path.split("?")[0],
        "RAW_URI": "/" + path,
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": HOST,
    }
    for key, value in (
        ("HTTP_AUTHORIZATION", authorization),
        ("HTTP_X_AMZ_DATE", amz_date),
        ("CONTENT_LENGTH", length),
    ):
        if value is not None:
            environ[key] = value
    moto = FakeMoto()
    status, _ = answer(RoomFront(KEYS, aws=moto), environ)
    # Unsigned or badly signed: refused, and moto never saw it (the health check aside).
    if environ["PATH_INFO"] != "/awscontainers/health":
        assert status.split()[0] in {"400", "403", "404", "413"}
        assert moto.accounts == []
