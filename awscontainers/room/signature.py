"""Checking an AWS Signature Version 4 on a request the room received.

The room recomputes the signature with botocore's own signer over what arrived (method, path,
query, the headers the client signed, the body), using the secret the room derives for the
access key id, and compares the two in constant time. A request that passes was signed by
someone holding that learner's secret, and it names the learner the room acts for.
"""

from __future__ import annotations

import datetime as _dt
import hmac
import re
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .keys import RoomKeys

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;_.-]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})\s*"
)
#: How far a request's own time may be from the room's (AWS allows 15 minutes).
MAX_SKEW = _dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Refusal(Exception):
    """Why the room refuses a request, in AWS's terms (code, message, HTTP status)."""

    code: str
    message: str
    status: int = 403


@dataclass(frozen=True)
class Received:
    """A request as it arrived: what the signature covers."""

    method: str
    path: str  # as sent, still percent-encoded
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes


def received_from_environ(environ: dict[str, Any], body: bytes) -> Received:
    """The parts of a WSGI request a signature covers (the path as the client sent it)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _, query = raw.partition("?")
    else:
        from urllib.parse import quote

        path = quote(environ.get("PATH_INFO", "/"), safe="/~")
        query = environ.get("QUERY_STRING", "")
    headers = {}
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            headers[name[5:].replace("_", "-").lower()] = str(value)
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(name):
            headers[name.replace("_", "-").lower()] = str(environ[name])
    return Received(environ.get("REQUEST_METHOD", "GET"), path or "/", query, headers, body)


def verify(request: Received, keys: RoomKeys, now: _dt.datetime | None = None) -> str:
    """The learner who signed ``request``; raises :class:`Refusal` if the signature is
    missing, malformed, stale, by a credential the room never issued, or wrong."""
    authorization = request.headers.get("authorization")
    if not authorization:
        raise Refusal(
            "MissingAuthenticationToken",
            "This room answers signed requests only: join with Lab(join='<your code>').",
        )
    match = _AUTHORIZATION.fullmatch(authorization.strip())
    if match is None:
        raise Refusal("IncompleteSignature", "The Authorization header is not a SigV4 one.")
    learner = keys.learner_of(match["key"])
    if learner is None:
        raise Refusal(
            "InvalidClientTokenId",
            "Unknown learner credential: this room did not issue that access key.",
        )
    signed = match["headers"].split(";")
    amz_date = request.headers.get("x-amz-date", "")
    if "host" not in signed or "x-amz-date" not in signed or not amz_date.startswith(match["date"]):
        raise Refusal("IncompleteSignature", "The signature must cover host and x-amz-date.")
    try:
        when = _dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)
    except ValueError:
        raise Refusal("IncompleteSignature", "x-amz-date is not a SigV4 timestamp.") from None
    now = now or _dt.datetime.now(_dt.timezone.utc)
    if abs(now - when) > MAX_SKEW:
        raise Refusal("RequestExpired", "The request's signature is more than 15 minutes old.")
    missing = [h for h in signed if h not in request.headers]
    if missing:
        raise Refusal("IncompleteSignature", f"Signed headers missing: {', '.join(missing)}.")

    credential = keys.credential(learner)
    url = f"http://{request.headers['host']}{request.path}"
    if request.query:
        url += f"?{request.query}"
    rebuilt = AWSRequest(
        method=request.method,
        url=url,
        headers={h: request.headers[h] for h in signed},
        data=request.body,
    )
    rebuilt.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(credential.access_key, credential.secret_key),
        match["service"],
        match["region"],
    )
    try:
        canonical = signer.canonical_request(rebuilt)
        expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
    except (ValueError, UnicodeError):
        raise Refusal("IncompleteSignature", "The request cannot be canonicalised.") from None
    if not hmac.compare_digest(expected.encode(), match["signature"].encode()):
        raise Refusal(
            "SignatureDoesNotMatch",
            "The request signature does not match the learner's credential: use your own "
            "join code.",
        )
    return learner
