"""A workshop room: one server, an account per learner, and only the instructor sees all.

The room is one process (:mod:`~awscontainers.room.serve`): moto, behind the room's own
front (:mod:`~awscontainers.room.front`) that checks each AWS request's signature against
the credentials the room issued (:mod:`~awscontainers.room.keys`,
:mod:`~awscontainers.room.signature`) and acts in the signer's account. The instructor reads
the census (:mod:`~awscontainers.room.census`) and resets learners. Start one with
``awscontainers room start`` or :func:`awscontainers.server.start_server`.
"""

from .keys import Credential, JoinCode, RoomKeys, check_learner_name, learner_account_id

__all__ = ["Credential", "JoinCode", "RoomKeys", "check_learner_name", "learner_account_id"]
