"""The one error shape: `{"error": {"code", "message"}}` with a fitting status, for every failure.

Views raise `APIError`; everything Flask or werkzeug would answer in HTML is re-shaped here.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

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

    def __init__(self, status: int, message: str, code: str | None = None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.extra = extra


def error_response(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message, **extra}}
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app) -> None:
    @app.errorhandler(APIError)
    def _api_error(err: APIError):
        response = error_response(err.status, err.code, err.message, **err.extra)
        if err.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="postil"'
        return response

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
