"""The one error shape: `{"error": {"code", "message"}}` with a fitting status, for every failure.

Below the views, code raises the domain errors of `domain_errors`; `describe` is the one place
that gives each its status, code and extra fields. Views raise `APIError` for what only HTTP
knows (a missing token, a media type); everything Flask or werkzeug would answer in HTML is
re-shaped here too.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

from .domain_errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    PreconditionFailed,
    TooLarge,
    TooManyAttempts,
)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
}


class APIError(Exception):
    """An error a client caused or must hear about; becomes the JSON error shape."""

    def __init__(self, status: int, message: str, code: str | None = None, *,
                 headers: dict[str, str] | None = None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.headers = headers or {}
        self.extra = extra


STATUSES: dict[type[DomainError], int] = {
    Invalid: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    PreconditionFailed: 412,
    TooLarge: 413,
    TooManyAttempts: 429,
}


def describe(err: DomainError) -> APIError:
    """Return the HTTP error a domain error is answered with."""
    status = next(s for kind, s in STATUSES.items() if isinstance(err, kind))
    extra: dict = {}
    code = None
    headers = None
    if isinstance(err, Forbidden):
        code = err.code
    elif isinstance(err, TooManyAttempts):
        code = err.code
        extra["retry_after"] = err.retry_after
        headers = {"Retry-After": str(err.retry_after)}
    elif isinstance(err, Invalid):
        code = err.code
        if err.field is not None:
            extra["field"] = err.field
    elif isinstance(err, Gone):
        code = "gone"
    elif isinstance(err, PreconditionFailed):
        extra["version"] = err.version
    return APIError(status, err.sentence, code, headers=headers, **extra)


def error_response(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app) -> None:
    @app.errorhandler(APIError)
    def _api_error(err: APIError):
        response = error_response(err.status, err.code, err.message, **err.extra)
        response.headers.update(err.headers)
        if err.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="postil"'
        return response

    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        return _api_error(describe(err))

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        message = err.description or err.name
        response = error_response(status, CODES.get(status, "error"), message)
        if status == 405 and getattr(err, "valid_methods", None):
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "internal_error", "the server failed; nothing was changed")
