"""JSON for Flask through orjson, with the standard library behind it for what orjson refuses.

Speed: with the standard library, parsing a create's body and writing its answer are a tenth of
a create's time (bench/README.md row "HTTP POST /api/annotations, a real create").
orjson refuses a few things the standard library takes (lone surrogates, NaN, very
deep nesting) and reads integers beyond 64 bits as floats; those fall back, so every body means
and every answer says what it did before, only the common case is quicker. One difference: a
NaN or infinity in an answer is written null (valid JSON) where the standard library wrote the
token NaN (not JSON); no stored value is either, validation refuses them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

# Dates and dataclasses go to Flask's own `default`, so they come out as they always did.
_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)


# orjson reads an integer beyond 64 bits as a float (the standard library keeps it exact), and
# the shortest such number has 19 digits (below -2**63).
_LONG_DIGITS = (re.compile(r"\d{19}"), re.compile(rb"\d{19}"))


def loads(s: str | bytes) -> Any:
    """Parse JSON as the standard library does, through orjson when the outcome is the same."""
    if not _LONG_DIGITS[type(s) is bytes].search(s):
        try:
            return orjson.loads(s)
        except orjson.JSONDecodeError:
            pass
    return json.loads(s)


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, with orjson doing the work where the outcome is the same."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs:
            try:
                return orjson.dumps(obj, default=self.default, option=_OPTIONS).decode()
            except TypeError:  # orjson.JSONEncodeError is one
                pass
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return super().loads(s, **kwargs) if kwargs else loads(s)

    def response(self, *args: Any, **kwargs: Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented, for people reading it
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default,
                                option=_OPTIONS | orjson.OPT_APPEND_NEWLINE)
        except TypeError:
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)
