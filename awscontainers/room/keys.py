"""The room's credentials: one room key, and everything derived from it.

The instructor's room key (random, kept in the room file and in the server's memory) is the
only secret the room stores. Every learner credential is derived from it with HMAC, so the
instructor can issue a credential for any name offline, and the server can check one without
a roster:

- a learner's access key id is ``<name>.<tag>``: the tag proves the room issued that name;
- a learner's secret key signs each request (AWS Signature Version 4), as on real AWS;
- the instructor token opens the room's own API (census, reset) and moto's ``/moto-api/``.

A join code carries the room's URL, the learner's access key id and secret in one string to
paste into ``Lab(join=...)``.

>>> keys = RoomKeys("k" * 43)
>>> credential = keys.credential("alice")
>>> keys.learner_of(credential.access_key) == "alice"
True
>>> keys.learner_of("alice.0000000000") is None
True
>>> code = JoinCode("http://127.0.0.1:5000", credential.access_key, credential.secret_key)
>>> JoinCode.parse(code.encode()) == code
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from ..errors import InvalidParameterError

#: What a learner's name may be: it becomes part of an access key id.
LEARNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_JOIN_PREFIX = "awsc1-"


def check_learner_name(name: object) -> str:
    """``name`` if it is a valid learner name, else an :class:`InvalidParameterError`."""
    if not isinstance(name, str) or not LEARNER_NAME.fullmatch(name):
        raise InvalidParameterError(
            f"{name!r} is not a learner name.",
            hint="use 1 to 40 letters, digits, '-' or '_', starting with a letter or digit.",
        )
    return name


def learner_account_id(learner: str) -> str:
    """A stable 12-digit account id for a learner's name: the same learner finds the same
    account again (after a kernel restart, or on another machine).

    >>> learner_account_id("alice") == learner_account_id("alice")
    True
    """
    digest = hashlib.sha256(learner.encode()).hexdigest()
    return f"{int(digest, 16) % 10**11 + 2 * 10**11:012d}"


@dataclass(frozen=True)
class Credential:
    """A learner's credential: an access key id and the secret that signs requests."""

    learner: str
    access_key: str
    secret_key: str

    def __repr__(self) -> str:
        # The secret never shows in a notebook's output or a log line.
        return f"Credential(learner={self.learner!r}, access_key={self.access_key!r}, ...)"


class RoomKeys:
    """Learner credentials and the instructor token, derived from one room key."""

    def __init__(self, room_key: str) -> None:
        if not isinstance(room_key, str) or len(room_key) < 32:
            raise InvalidParameterError(
                "A room key must be a string of at least 32 characters.",
                hint="let the room make one: RoomKeys.new().",
            )
        self._key = room_key.encode()

    @classmethod
    def new(cls) -> RoomKeys:
        """Keys for a new room, from a fresh random room key."""
        return cls(secrets.token_urlsafe(32))

    @property
    def room_key(self) -> str:
        """The room key itself (for the room file; keep it to the instructor)."""
        return self._key.decode()

    def _derive(self, purpose: str, length: int) -> str:
        mac = hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()
        return base64.b32encode(mac).decode().rstrip("=").lower()[:length]

    def credential(self, learner: str) -> Credential:
        """The credential the room issues to ``learner`` (the same every time)."""
        check_learner_name(learner)
        tag = self._derive(f"tag:{learner}", 10)
        secret = self._derive(f"secret:{learner}", 40)
        return Credential(learner, f"{learner}.{tag}", secret)

    def learner_of(self, access_key: str) -> str | None:
        """The learner an access key id was issued to, or None if this room never issued it."""
        name, _, tag = access_key.rpartition(".")
        if not LEARNER_NAME.fullmatch(name):
            return None
        expected = self._derive(f"tag:{name}", 10)
        return name if hmac.compare_digest(tag.encode(), expected.encode()) else None

    def instructor_token(self) -> str:
        """The token that opens the room's own API and moto's ``/moto-api/``."""
        return self._derive("instructor", 40)

    def is_instructor(self, token: str | None) -> bool:
        """True if ``token`` is the instructor's (compared in constant time)."""
        if not token:
            return False
        return hmac.compare_digest(token.encode(), self.instructor_token().encode())


@dataclass(frozen=True)
class JoinCode:
    """What a learner needs to join a room: its URL and their credential, as one string."""

    url: str
    access_key: str
    secret_key: str

    @property
    def learner(self) -> str:
        """The learner's name (the access key id without its tag)."""
        return self.access_key.rpartition(".")[0]

    def encode(self) -> str:
        """The code as a single copy-pasteable string."""
        raw = json.dumps({"u": self.url, "a": self.access_key, "s": self.secret_key})
        return _JOIN_PREFIX + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def parse(cls, code: object) -> JoinCode:
        """Read a code made by :meth:`encode`; anything else is an InvalidParameterError."""
        bad = InvalidParameterError(
            "That is not a room join code.",
            hint="paste the whole code the instructor gave you (it starts with "
            f"{_JOIN_PREFIX!r}): Lab(join='awsc1-...').",
        )
        if not isinstance(code, str) or not code.strip().startswith(_JOIN_PREFIX):
            raise bad
        body = code.strip()[len(_JOIN_PREFIX) :]
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            parsed = cls(str(data["u"]), str(data["a"]), str(data["s"]))
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise bad from exc
        if not parsed.url.startswith(("http://", "https://")) or not LEARNER_NAME.fullmatch(
            parsed.learner
        ):
            raise bad
        return parsed

    def __repr__(self) -> str:
        return f"JoinCode(url={self.url!r}, learner={self.learner!r}, ...)"
