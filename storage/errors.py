"""Typed errors raised by domain code; `ui` maps them to HTTP answers, workers to retries."""


class AmityError(Exception):
    """Base class: the message is safe to show to the person who caused it."""


class NotFound(AmityError):
    pass


class Forbidden(AmityError):
    pass


class Invalid(AmityError):
    """Input that cannot be accepted; the message says what is wrong and what would do."""


class Conflict(AmityError):
    """The request clashes with existing state (a name already taken, say)."""


class RemoteUnavailable(AmityError):
    """Another server could not be reached or answered badly; trying later may help."""
