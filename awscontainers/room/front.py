"""The room's front: the one WSGI application a room serves, with moto behind it.

Every request passes here first:

- ``GET /awscontainers/health`` answers at once, whatever the room holds (no auth);
- ``/awscontainers/room`` (the census) and ``/awscontainers/reset`` need the instructor token;
- ``/moto-api/...`` (moto's dashboard, data dump, reset, seed) needs the instructor token;
- anything else is an AWS call: its SigV4 signature must verify against a credential the room
  issued, and moto then acts in that learner's account (the ``x-moto-account-id`` header is
  set from the verified credential, whatever the client sent).

Refusals come back in the AWS error shape of the calling protocol, so boto3 raises an ordinary
``ClientError`` with the code (``InvalidClientTokenId``, ``SignatureDoesNotMatch``, ...).
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from .keys import RoomKeys, learner_account_id
from .signature import Refusal, received_from_environ, verify

INSTRUCTOR_HEADER = "x-awscontainers-instructor"
_ENVIRON_INSTRUCTOR = "HTTP_" + INSTRUCTOR_HEADER.upper().replace("-", "_")
#: The largest request body the room reads (an ECR layer part is the biggest a lesson sends).
MAX_BODY = 64 * 2**20

StartResponse = Callable[..., Any]


@dataclass
class Visitor:
    """A learner the room has seen: their account and how much they have called."""

    learner: str
    account_id: str
    first_seen: float
    last_seen: float
    calls: int = 0


class RoomFront:
    """The WSGI application of a room: checks every request, then hands it to moto."""

    def __init__(
        self,
        keys: RoomKeys,
        aws: Callable[[dict, StartResponse], Iterable[bytes]] | None = None,
        census: Callable[[dict[str, Visitor]], dict] | None = None,
        reset: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.keys = keys
        if aws is None:
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                create_backend_app,
            )

            aws = DomainDispatcherApplication(create_backend_app)
        self._aws = aws
        self._census = census
        self._reset = reset
        self._lock = threading.Lock()
        self.visitors: dict[str, Visitor] = {}
        self.started = time.time()

    # -- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        try:
            if path == "/awscontainers/health":
                return _json(start_response, 200, self.health())
            if path.startswith("/awscontainers/") or path.startswith("/moto-api"):
                if not self.keys.is_instructor(environ.get(_ENVIRON_INSTRUCTOR)):
                    raise Refusal(
                        "AccessDenied",
                        "Only the instructor may use the room's own API and /moto-api/.",
                    )
                if path.startswith("/moto-api"):
                    return self._aws(environ, start_response)
                return self._instructor(path, environ, start_response)
            return self._aws_call(environ, start_response)
        except Refusal as refusal:
            return _refuse(environ, start_response, refusal)

    def health(self) -> dict:
        """What ``/awscontainers/health`` answers: constant work, whatever the room holds."""
        return {
            "service": "awscontainers-room",
            "secured": True,
            "learners": len(self.visitors),
            "uptime_seconds": round(time.time() - self.started, 1),
        }

    def _aws_call(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refusal("IncompleteSignature", "Content-Length is not a number.", 400) from None
        if length < 0 or length > MAX_BODY:
            raise Refusal("RequestEntityTooLarge", "The request body is too large.", 413)
        body = environ["wsgi.input"].read(length) if length else b""
        learner = verify(received_from_environ(environ, body), self.keys)
        account = learner_account_id(learner)
        now = time.time()
        with self._lock:
            visitor = self.visitors.get(learner)
            if visitor is None:
                visitor = self.visitors[learner] = Visitor(learner, account, now, now)
            visitor.last_seen = now
            visitor.calls += 1
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        # The account is the verified learner's, never what the client asked for.
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = account
        return self._aws(environ, start_response)

    def _instructor(self, path: str, environ: dict, start_response: StartResponse) -> Any:
        if path == "/awscontainers/room" and environ.get("REQUEST_METHOD") == "GET":
            with self._lock:
                visitors = dict(self.visitors)
            census = self._census(visitors) if self._census else {}
            return _json(start_response, 200, census)
        if path == "/awscontainers/reset" and environ.get("REQUEST_METHOD") == "POST":
            try:
                length = min(int(environ.get("CONTENT_LENGTH") or 0), 2**16)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            except ValueError:
                raise Refusal("ValidationError", "The reset body is not JSON.", 400) from None
            if body.get("all"):
                learners = sorted(self.visitors)
            elif isinstance(body.get("learner"), str):
                learners = [body["learner"]]
            else:
                raise Refusal("ValidationError", 'Say {"learner": name} or {"all": true}.', 400)
            if self._reset:
                self._reset([learner_account_id(name) for name in learners])
            return _json(start_response, 200, {"reset": learners})
        raise Refusal("NotFound", f"The room has no {path}.", 404)


def _json(start_response: StartResponse, status: int, data: dict) -> list[bytes]:
    body = json.dumps(data).encode()
    start_response(
        f"{status} {'OK' if status == 200 else 'Error'}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
    )
    return [body]


def _refuse(environ: dict, start_response: StartResponse, refusal: Refusal) -> list[bytes]:
    """A refusal in the shape the caller's protocol parses (JSON or query XML)."""
    content_type = environ.get("CONTENT_TYPE", "")
    headers = [("x-amzn-ErrorType", refusal.code), ("x-amzn-RequestId", "awscontainers-room")]
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Response><Errors><Error>"
            f"<Code>{escape(refusal.code)}</Code><Message>{escape(refusal.message)}</Message>"
            "</Error></Errors><RequestID>awscontainers-room</RequestID></Response>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    else:
        body = json.dumps(
            {"__type": refusal.code, "message": refusal.message, "Message": refusal.message}
        ).encode()
        headers.append(("Content-Type", "application/json"))
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{refusal.status} Refused", headers)
    return [body]
