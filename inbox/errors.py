"""Why an inbox POST is refused: an HTTP status and a reason safe to send to the peer."""

from __future__ import annotations

from storage.errors import AmityError


class Refused(AmityError):
    """The request is answered `status` with `{"error": reason}`; nothing is stored or queued."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def unauthorized(reason: str) -> Refused:
    return Refused(401, reason)


def bad_request(reason: str) -> Refused:
    return Refused(400, reason)


def forbidden(reason: str) -> Refused:
    return Refused(403, reason)
