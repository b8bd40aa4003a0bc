"""The room's front: the one WSGI application a room serves, with moto behind it.

Every request passes here first:

- ``GET /awscontainers/health`` answers at once, whatever the room holds (no auth);
- ``/awscontainers/state`` keeps each learner's simulator snapshot (GET and PUT, signed with
  the learner's own credential like any AWS call), so a restarted kernel finds its lab again;
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
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from .keys import RoomKeys, learner_account_id
from .signature import Refusal, received_from_environ, verify

INSTRUCTOR_HEADER = "x-awscontainers-instructor"
_ENVIRON_INSTRUCTOR = "HTTP_" + INSTRUCTOR_HEADER.upper().replace("-", "_")
#: The largest request body the room reads (an ECR layer part is the biggest a lesson sends).
MAX_BODY = 64 * 2**20
STATE_PATH = "/awscontainers/state"
#: The largest simulator snapshot the room keeps per learner (compressed, as sent).
MAX_STATE = 16 * 2**20
#: The header a saved state's summary travels in (counts of what runs), for the census.
SUMMARY_HEADER = "x-awscontainers-summary"
_ENVIRON_SUMMARY = "HTTP_" + SUMMARY_HEADER.upper().replace("-", "_")
_MAX_SUMMARY = 2048

StartResponse = Callable[..., Any]


@dataclass
class Visitor:
    """A learner the room has seen: their account and how much they have called."""

    learner: str
    account_id: str
    first_seen: float
    last_seen: float
    calls: int = 0
    #: what the learner's simulator runs (tasks, services, pods, ...), from its last save
    running: dict[str, int] = field(default_factory=dict)


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
        self.states: dict[str, bytes] = {}  # account id -> the learner's last snapshot
        self.started = time.time()

    # -- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        try:
            if path == "/awscontainers/health":
                return _json(start_response, 200, self.health())
            if path == STATE_PATH:
                return self._state(environ, start_response)
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

    def _signed(self, environ: dict, limit: int, *, call: bool = True) -> tuple[Visitor, bytes]:
        """The verified learner (as a visitor; ``call``: count an AWS call) and the body."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refusal("IncompleteSignature", "Content-Length is not a number.", 400) from None
        if length < 0 or length > limit:
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
            visitor.calls += int(call)
        return visitor, body

    def _state(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        """A learner's saved simulator snapshot: PUT keeps it, GET gives it back. The room
        stores the bytes as sent (it never reads or runs them); only their owner gets them."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "PUT"):
            raise Refusal("MethodNotAllowed", "Use GET or PUT on /awscontainers/state.", 405)
        visitor, body = self._signed(environ, MAX_STATE, call=False)
        if method == "PUT":
            running = _summary(environ.get(_ENVIRON_SUMMARY, ""))
            with self._lock:
                self.states[visitor.account_id] = body
                visitor.running = running
            return _json(start_response, 200, {"saved": len(body)})
        with self._lock:
            saved = self.states.get(visitor.account_id)
        if saved is None:
            raise Refusal("NoSavedState", "Nothing saved for this learner yet.", 404)
        start_response(
            "200 OK",
            [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(saved)))],
        )
        return [saved]

    def _aws_call(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        visitor, body = self._signed(environ, MAX_BODY)
        account = visitor.account_id
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
            accounts = [learner_account_id(name) for name in learners]
            if self._reset:
                self._reset(accounts)
            with self._lock:
                for account in accounts:
                    self.states.pop(account, None)
                for name in learners:
                    if name in self.visitors:
                        self.visitors[name].running = {}
            return _json(start_response, 200, {"reset": learners})
        raise Refusal("NotFound", f"The room has no {path}.", 404)


def _summary(text: str) -> dict[str, int]:
    """A saved state's summary header: a small JSON object of counts, or nothing."""
    if not text or len(text) > _MAX_SUMMARY:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k)[:40]: v
        for k, v in list(data.items())[:20]
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 10**9
    }


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
