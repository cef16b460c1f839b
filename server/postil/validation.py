"""Check what clients send before anything is stored: selectors, colours, tags, sizes, ids, times.

Pure functions that raise `Invalid` with the field at fault (`errors.py` makes that a 400). The
values clients and the extension must agree on come from `contract`.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from .contract import COLORS, LIMITS, VISIBILITIES
from .domain_errors import Invalid

MAX_QUOTE = LIMITS["quote"]
MAX_NOTE = LIMITS["note"]
MAX_TAGS = LIMITS["tags"]
MAX_TAG = LIMITS["tag"]
MAX_SELECTORS = LIMITS["selectors"]
MAX_SELECTOR_TEXT = 10_000
MAX_AFFIX = 1_000
MAX_POSITION = 100_000_000
MAX_URL = LIMITS["url"]
MAX_TITLE = LIMITS["title"]
MAX_SITE = 255
MAX_USERNAME = 64
MAX_PASSWORD = 1_024

SELECTOR_TYPES = frozenset({"TextQuoteSelector", "TextPositionSelector", "RangeSelector",
                            "XPathSelector", "CssSelector", "FragmentSelector"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Matched whole (fullmatch): "$" alone lets a trailing newline through.
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def require(cond: bool, field: str, message: str) -> None:
    if not cond:
        raise Invalid(field, message)


def string(value: Any, field: str, max_len: int, *, allow_empty: bool = True) -> str:
    require(isinstance(value, str), field, "must be a string")
    require(len(value) <= max_len, field, f"is longer than {max_len} characters")
    require(allow_empty or value.strip() != "", field, "must not be empty")
    require("\x00" not in value, field, "must not contain NUL characters")
    # JSON's "\ud800" escapes parse to lone surrogates, which no database can encode (500).
    require(LONE_SURROGATE.search(value) is None, field,
            "must not contain lone surrogates (invalid Unicode)")
    return value


def integer(value: Any, field: str, lo: int, hi: int) -> int:
    require(isinstance(value, int) and not isinstance(value, bool), field, "must be an integer")
    require(lo <= value <= hi, field, f"must be between {lo} and {hi}")
    return value


def query_integer(value: str, field: str, hi: int) -> int:
    """Parse a query-string integer from 0 to `hi`: ASCII digits only ("²".isdigit() is true)."""
    require(re.fullmatch(r"[0-9]{1,19}", value) is not None and int(value) <= hi, field,
            f"must be an integer from 0 to {hi}")
    return int(value)


def uuid_string(value: Any, field: str = "id") -> str:
    require(isinstance(value, str), field, "must be a UUID string")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise Invalid(field, "is not a valid UUID") from None
    require(len(value) == 36, field, "must be a UUID in its 36-character form")
    return str(parsed)


def color(value: Any) -> str:
    require(value in COLORS, "color", f"must be one of {', '.join(COLORS)}")
    return value


def visibility(value: Any) -> str:
    require(value in VISIBILITIES, "visibility", "must be 'private', 'group' or 'public'")
    return value


def tags(value: Any) -> list[str]:
    """Return the tags trimmed, without duplicates (case-insensitively), order kept."""
    require(isinstance(value, list), "tags", "must be a list of strings")
    require(len(value) <= MAX_TAGS, "tags", f"at most {MAX_TAGS} tags")
    out, seen = [], set()
    for i, tag in enumerate(value):
        tag = " ".join(string(tag, f"tags[{i}]", MAX_TAG, allow_empty=False).split())
        # Tags are kept lower-cased for tag= filters too, and lower() can lengthen ("İ" -> "i̇"):
        # PostgreSQL refused such a tag with a 500.
        require(len(tag.lower()) <= MAX_TAG, f"tags[{i}]",
                f"is longer than {MAX_TAG} characters once lower-cased")
        if tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out


def selectors(value: Any, quote: str | None = None) -> list[dict]:
    """Validate W3C-named selectors; text position ranges must be sane."""
    require(isinstance(value, list), "selectors", "must be a list")
    require(len(value) <= MAX_SELECTORS, "selectors", f"at most {MAX_SELECTORS} selectors")
    out = []
    for i, sel in enumerate(value):
        field = f"selectors[{i}]"
        require(isinstance(sel, dict), field, "must be an object")
        kind = sel.get("type")
        require(isinstance(kind, str) and kind in SELECTOR_TYPES, f"{field}.type",
                f"unknown selector type {kind!r}; known: {', '.join(sorted(SELECTOR_TYPES))}")
        if kind == "TextQuoteSelector":
            clean = {"type": kind,
                     "exact": string(sel.get("exact"), f"{field}.exact", MAX_SELECTOR_TEXT,
                                     allow_empty=False)}
            for affix in ("prefix", "suffix"):
                if sel.get(affix) is not None:
                    clean[affix] = string(sel[affix], f"{field}.{affix}", MAX_AFFIX)
        elif kind == "TextPositionSelector":
            start = integer(sel.get("start"), f"{field}.start", 0, MAX_POSITION)
            end = integer(sel.get("end"), f"{field}.end", 0, MAX_POSITION)
            require(start < end, field, "start must be less than end")
            clean = {"type": kind, "start": start, "end": end}
        elif kind == "RangeSelector":
            require(isinstance(sel.get("startSelector"), dict)
                    and isinstance(sel.get("endSelector"), dict), field,
                    "RangeSelector needs startSelector and endSelector objects")
            for end in ("startSelector", "endSelector"):
                try:
                    # Stored as given: NaN or Infinity would make every response that carries
                    # it something JSON parsers refuse.
                    json.dumps(sel[end], allow_nan=False, ensure_ascii=False).encode()
                except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
                    raise Invalid(f"{field}.{end}", "must not hold NaN, Infinity, lone "
                                                    "surrogates or very deep nesting") from None
            clean = {"type": kind, "startSelector": sel["startSelector"],
                     "endSelector": sel["endSelector"]}
            for k in ("startOffset", "endOffset"):
                if k in sel:
                    clean[k] = integer(sel[k], f"{field}.{k}", 0, MAX_POSITION)
        else:
            clean = {"type": kind, "value": string(sel.get("value"), f"{field}.value",
                                                    MAX_SELECTOR_TEXT, allow_empty=False)}
            if "conformsTo" in sel:
                clean["conformsTo"] = string(sel["conformsTo"], f"{field}.conformsTo", MAX_URL)
        out.append(clean)
    return out


def quote_from(selectors_: list[dict]) -> str:
    return next((s["exact"] for s in selectors_ if s["type"] == "TextQuoteSelector"), "")


def http_url(value: Any, field: str) -> str:
    string(value, field, MAX_URL, allow_empty=False)
    require(re.match(r"^https?://[^\s/?#]+", value, re.I) is not None, field,
            "must be an http(s) URL")
    return value


def parse_time(value: str, field: str) -> int:
    """Parse an ISO 8601 time (a `Z` or offset; naive means UTC) to epoch microseconds."""
    require(isinstance(value, str) and value != "", field, "must be an ISO 8601 time")
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+", 1)
                                    if value.count(" ") == 1 and "T" in value else
                                    value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(field, "must be an ISO 8601 time such as "
                                     "2026-11-29T10:00:00Z") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - EPOCH) // timedelta(microseconds=1)


def username(value: Any) -> str:
    string(value, "username", MAX_USERNAME, allow_empty=False)
    require(USERNAME.fullmatch(value) is not None, "username",
            "use letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


def username_key(name: str) -> str:
    """Return the one key all spellings of a username share: NFKC, case-folded, trimmed.

    `Alice`, `ALICE` and fullwidth `ａｌｉｃｅ` are one name; the unique index on `user.name_key`
    keeps a look-alike from registering beside the original, and sign-in accepts any of them.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def password(value: Any, field: str = "password") -> str:
    """Check a new password: the one rule for sign-up, `postil user add|passwd` and changes."""
    string(value, field, MAX_PASSWORD, allow_empty=False)
    require(len(value) >= 8, field, "must be at least 8 characters")
    return value
