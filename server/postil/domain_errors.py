"""What can go wrong below the views, in the domain's words; `errors.py` gives each its HTTP shape.

The store and the parsers raise these and know nothing of statuses; the one mapping to a status,
a code and a message lives in `errors.describe`, so every path answers the same way.
"""

from __future__ import annotations


class DomainError(Exception):
    """A failure the client caused or must hear about; `message` is said to them as it is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def sentence(self) -> str:
        """The message as clients read it."""
        return self.message


class Invalid(DomainError, ValueError):
    """Input that breaks a rule; `field` names where (None: the input as a whole).

    `code` is the error code clients see: "validation_error" unless the input is not even of the
    expected kind ("bad_request").
    """

    def __init__(self, field: str | None, message: str, *, code: str = "validation_error"):
        super().__init__(message)
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    @property
    def sentence(self) -> str:
        """The message as clients read it: led by the field unless it names the field already."""
        if self.field is None or self.field in self.message:
            return self.message
        return f"{self.field} {self.message}"


class NotFound(DomainError):
    """No such thing, or one this viewer may not know of (the two are never told apart)."""


class Gone(DomainError):
    """The viewer's own annotation, deleted: its tombstone is kept for sync."""


class Forbidden(DomainError):
    """The viewer may see it but not change it; `code` names why when clients act on it
    ("wrong_password", "account_disabled"), else "forbidden"."""

    def __init__(self, message: str, *, code: str = "forbidden"):
        super().__init__(message)
        self.code = code


class Conflict(DomainError):
    """The write collides with what is stored (an id taken, a row that kept changing)."""


class PreconditionFailed(DomainError):
    """If-Match named another version than the stored `version`."""

    def __init__(self, message: str, version: int):
        super().__init__(message)
        self.version = version


class TooLarge(DomainError):
    """More than the server takes in one request."""


class TooManyAttempts(DomainError):
    """Too many failed sign-ins lately: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int, *, code: str = "too_many_attempts"):
        super().__init__(message)
        self.retry_after = retry_after
        self.code = code
